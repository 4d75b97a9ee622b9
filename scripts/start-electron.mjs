// `npm start`: builds and opens the desktop app, or says in one sentence why it cannot.
import { spawn, spawnSync } from 'node:child_process';

const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
  encoding: 'utf8',
  timeout: 180_000,
});
if (probe.status !== 0) {
  console.error(
    "Switchyard's desktop window cannot open: Electron's binary is not installed here and could not be downloaded; run `npm run web` to use the same console in a browser.",
  );
  process.exit(1);
}
const child = spawn('npx', ['electron-vite', 'preview'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
