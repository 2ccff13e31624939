// The PGlite worker thread's entry (pglite-remote.ts starts it): the sources are TypeScript run
// through tsx, and a worker thread does not inherit the main thread's loader.
import { register } from 'tsx/esm/api';

register();
await import('./pglite-worker.ts');
