import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How the CLI keeps its memory near what it holds live. Both are V8 flags set from inside the
 * process, as a CLI cannot pass flags to its own `node`; a Node that refuses them is left to
 * manage memory as it will (neither changes what fleet computes).
 */

/**
 * After each full collection V8 lets the heap grow to a multiple of what survived before it
 * collects again, a multiple it picks from its own speed, up to 4 (V8 heap-controller.cc,
 * `MemoryController::GrowingFactor`; `--heap-growing-percent` overrides it). A compile of a large
 * fleet keeps most of what it makes (the output, the plan, the mesh model), so the default lets
 * the heap reach twice and more what is live. Growing by at most a tenth of it bounds the peak
 * near 1.1 times the live set (plus what is allocated while a collection is under way), at the cost
 * of more full collections: a few percent more time.
 * That is paid only where memory is at stake, for a spec of LARGE_SPEC_BYTES or more (its
 * compile keeps hundreds of megabytes live); a smaller fleet peaks well under 1 GiB without it.
 */
export function boundHeapGrowth(specBytes: number): void {
  if (specBytes < LARGE_SPEC_BYTES) return;
  try {
    setFlagsFromString('--heap-growing-percent=10');
  } catch {
    // Only ever a saving of memory.
  }
}

/** A spec this large (about 150 clusters × 1,500 apps) keeps some 700 MB live while it compiles. */
export const LARGE_SPEC_BYTES = 1024 * 1024;

/**
 * A full garbage collection, now. After a compile of a large fleet most of the heap is its garbage,
 * which V8 collects only once the heap grows further: a command that goes on to read much (`fleet
 * diff` reads the output folder and the base) would reach its peak memory on top of that garbage.
 * Collecting it first takes a pass over what is live, the output tree mostly. `gc` is not exposed
 * without `--expose-gc`: the flag is set now and applies to contexts made from then on, so a new
 * context has `gc` (as jest does to measure leaks).
 */
export function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Only ever a saving of memory.
  }
}
