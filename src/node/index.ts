/** Node-only helpers of mi-ident (`mi-ident/node`): files and the terminal progress bar. */
export { readJsonFile, writeFileAtomic } from './files.ts';
export { progressBar } from './progress-bar.ts';
export { main as runCli } from '../cli/main.ts';
export { createNodePool, nodeWorkerFactory } from './workers.ts';
