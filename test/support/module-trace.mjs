// `node --import ./module-trace.mjs …`: appends the URL of every module Node resolves, one a line, to the file
// named by $SY_MODULE_TRACE, so a test can tell which code a command loaded (no timing involved).
import { register } from 'node:module';

register('./module-trace-hooks.mjs', import.meta.url, { data: { file: process.env.SY_MODULE_TRACE } });
