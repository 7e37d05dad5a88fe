import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { checkStamps } from './file-stamps.js';
import type { StampCheckJob } from './stamp-check.js';

/** The thread of stamp-check.ts: checks the stamps, posts the result, then signals. */
const { root, tree, folders, signal, port } = workerData as StampCheckJob;
yieldToTheCompile();
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

/**
 * The check runs beside the compile, which waits for it only at its end: on a machine with no core
 * to spare (two here, shared with the garbage collector's helpers) this thread gives way. Linux
 * keeps a priority per thread (setpriority(2) on the calling thread, NPTL), so only this one is
 * lowered; elsewhere the call would lower the whole process's, so it is not made.
 */
function yieldToTheCompile(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(19);
  } catch {
    // Only ever a courtesy.
  }
}
