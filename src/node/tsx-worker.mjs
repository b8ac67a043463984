// Worker bootstrap used only when mi-ident runs from its TypeScript sources (tests, development):
// registers tsx in the worker thread, then loads the real worker module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
