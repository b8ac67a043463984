/**
 * Entry of the workers of the explorer worker's {@link WorkerPool}: the library's own worker
 * module (the one `mi-ident/browser/worker` bundles), which answers the pool's kernel requests.
 */
import '../../../src/parallel/worker.ts';
