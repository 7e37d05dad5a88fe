import { workerData } from 'node:worker_threads';
import { checkStamps } from './file-stamps.js';
import type { StampCheckJob } from './stamp-check.js';

/** The thread of stamp-check.ts: checks the stamps, posts the result, then signals. */
const { root, tree, folders, signal, port } = workerData as StampCheckJob;
Atomics.store(signal, 1, 1);
try {
  port.postMessage(checkStamps(root, { tree, folders }));
  Atomics.store(signal, 0, 1);
} catch {
  Atomics.store(signal, 0, 2);
} finally {
  Atomics.notify(signal, 0);
  port.close();
}
