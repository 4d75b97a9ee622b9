/** Child process of `ensureRendererBuilt`: builds the renderer of the project at argv[2], then exits. */
import { buildRenderer } from './renderer-build.ts';

await buildRenderer(process.argv[2]!);
