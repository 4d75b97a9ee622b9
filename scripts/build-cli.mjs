// `npm run build:cli`: bundles the CLI (and with it the web shell and the engine) into out/cli/ as
// JavaScript, so `switchyard …` starts without transpiling TypeScript. Packages stay in node_modules.
// bin/switchyard.mjs runs out/cli/main.js while it is newer than every file in src-main and src-shared,
// and the TypeScript sources through tsx otherwise. `npm ci` runs this too (the `prepare` script).
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outDir = join(root, 'out', 'cli');
const staging = `${outDir}.building-${process.pid}`;

try {
  await build({
    entryPoints: { main: join(root, 'src-main', 'shells', 'cli', 'main.ts') },
    outdir: staging,
    bundle: true,
    // Commands import the engine, the sandbox and the web shell on use: each becomes its own chunk.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Packages are bundled too: Node loads one file faster than the ~1,000 of @kubernetes/client-node.
    // vite stays a package (the web shell loads it only to build a missing renderer), and so does
    // node-fetch (client-node's HTTP): it calls url.parse() and, below it, Node's `punycode`, which newer
    // Nodes warn about when called from outside node_modules.
    external: ['vite', 'electron', 'node-fetch'],
    banner: {
      js: "import { createRequire as __syCreateRequire } from 'node:module'; const require = __syCreateRequire(import.meta.url);",
    },
    // Files sit directly in out/cli, two folders below the root as their sources are below src-main, so
    // paths taken from import.meta (the project root, resources/scenarios) stay right.
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
