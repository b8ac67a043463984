/** Entry point of the runner's worker threads: serves units until terminated. */
import { parentPort } from 'node:worker_threads';
import { serveUnits } from './node-runner.ts';

if (!parentPort) throw new Error('node-worker.ts runs only as a worker thread of the experiment runner');
serveUnits(parentPort);
