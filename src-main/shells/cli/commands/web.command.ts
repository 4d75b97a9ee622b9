import type { RegisterCommand } from './index.ts';

/** `switchyard web`: serves the console on 127.0.0.1 (implemented in shells/web). */
export const registerWeb: RegisterCommand = (program) => {
  program
    .command('web')
    .description('serve the console on 127.0.0.1 for a browser (prints the URL with its token first)')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .action(async () => {});
};
