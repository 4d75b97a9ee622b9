#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a fresh clone needs only `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/shells/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
