import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { checkStamps, type RecordedStamps, type StampCheck } from './file-stamps.js';
import { STAMP_CHECK_WORKER } from '../package-files.js';

/**
 * The check of the last synth's stamps (file-stamps.ts' checkStamps), started on a thread of its
 * own so that its lstat of every file runs while this thread compiles: an incremental synth needs
 * the answer only once the compile is done. `result()` blocks until then. For a small record, or
 * where no thread can run it (fleet run from its TypeScript sources, a thread that fails),
 * `result()` checks on the calling thread.
 */
export interface PendingStampCheck {
  /** Whether the check runs on a thread of its own (else `result()` checks on the calling thread). */
  readonly onThread: boolean;
  result(): StampCheck;
  /** The result is not wanted: the thread stops. */
  stop(): void;
}

const WORKER = STAMP_CHECK_WORKER;

/** signal[0]: 0 running, 1 posted its result, 2 failed; signal[1]: 1 once the thread runs. */
export interface StampCheckJob extends RecordedStamps {
  readonly root: string;
  readonly signal: Int32Array;
  readonly port: MessagePort;
}

/** How long a thread may take to start (after the compile that ran meanwhile) before the check runs here instead. */
const START_TIMEOUT_MS = 5000;

/** Below this many bytes of recorded stamps (some 5,000 files), a thread costs more to start than it saves. */
export const THREAD_WORTH_BYTES = 256 * 1024;

export function startStampCheck(root: string, recorded: RecordedStamps): PendingStampCheck {
  const here = { onThread: false, result: () => checkStamps(root, recorded), stop: () => {} };
  if (recorded.tree.length + recorded.folders.length < THREAD_WORTH_BYTES || !existsSync(fileURLToPath(WORKER))) return here;
  const signal = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(WORKER, { workerData: { root, tree: recorded.tree, folders: recorded.folders, signal, port: port2 }, transferList: [port2] });
  } catch {
    return here;
  }
  worker.unref();
  worker.on('error', () => {}); // seen as signal[0] never becoming 1: checked here instead
  return {
    onThread: true,
    result() {
      while (Atomics.load(signal, 0) === 0) {
        if (Atomics.wait(signal, 0, 0, START_TIMEOUT_MS) === 'timed-out' && Atomics.load(signal, 1) === 0) break;
      }
      const message = Atomics.load(signal, 0) === 1 ? receiveMessageOnPort(port1)?.message : undefined;
      port1.close();
      void worker.terminate();
      return (message as StampCheck | undefined) ?? here.result();
    },
    stop() {
      port1.close();
      void worker.terminate();
    },
  };
}
