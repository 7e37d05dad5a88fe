import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, now. After a compile of a large fleet most of the heap is its garbage,
 * which V8 collects only once the heap grows further: a command that goes on to read much (`fleet
 * diff` reads the output folder and the base) would reach its peak memory on top of that garbage.
 * Collecting it first takes a pass over what is live, the output tree mostly. `gc` is not exposed
 * without `--expose-gc`, which a CLI cannot pass to itself: the flag is set now and applies to
 * contexts made from then on, so a new context has `gc` (as jest does to measure leaks). A Node
 * that refuses is left to collect when it will.
 */
export function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Only ever a saving of memory.
  }
}
