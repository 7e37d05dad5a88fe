import type { CompileResult, PreviousRender } from '../compiler.js';
import { clusterOfOutputPath } from '../phases/6-emit/flux.js';
import { isLockProblem, LOCK_FILE } from '../phases/6-emit/index.js';
import type { Io } from './io.js';
import { compileSpec, type CompileSpecOptions } from './load-spec.js';
import { type DiskTree, readLastLock, readTree } from './output-folder.js';
import { Reporter } from './reporter.js';
import { startStampCheck } from './stamp-check.js';
import type { SynthCache } from './synth-cache.js';

/**
 * An incremental compile: what the output folder holds is read with the last synth's stamps, files
 * it left alone are not read again, and clusters whose render inputs are unchanged and whose files
 * are all intact are carried over, whole or but for the workloads whose inputs changed (see
 * synth-cache.ts).
 *
 * Checking the stamps is an lstat of every file, as long as a fair part of the compile: it runs on
 * a thread of its own while the compile assumes every recorded cluster intact (what the printed
 * diagnostics are held back for). When the check finds a cluster the compile carried over changed
 * (a file edited by hand in the output folder), the assumption is dropped and the spec compiled
 * again on what the check found; nothing of the first compile is printed.
 */
export function compileAgainstLastSynth(spec: string, io: Io, out: string, cache: SynthCache, reporter: Reporter, options: CompileSpecOptions): { result: CompileResult | number; disk?: DiskTree } {
  const recorded = cache.recordedStamps();
  if (!recorded) {
    const result = compileSpec(spec, io, options);
    return { result, disk: typeof result === 'number' ? undefined : readTree(out) };
  }
  const pending = startStampCheck(out, recorded);
  const lastLock = readLastLock(out, cache.recordedStamp(LOCK_FILE), { written: cache.lastSynthWasThisBuild() });
  const lock = lastLock && !isLockProblem(lastLock.checked) ? lastLock.checked : undefined;
  const assumed = lock && cache.renderIfIntact(lock);
  const held = assumed ? new HeldOutput(io, reporter) : undefined;
  let result = compileSpec(spec, io, { ...options, lock, ...(held ? { reporter: held.reporter, previousRender: assumed } : {}) });
  const check = pending.result();
  const intact = cache.previousRender(lock, check);
  if (held) {
    if (carriesOnly(result, assumed!, intact)) held.release(cache);
    else result = compileSpec(spec, io, { ...options, lock: check.changedFiles.includes(LOCK_FILE) ? undefined : lock, ...(intact ? { previousRender: intact } : {}) });
  }
  if (typeof result === 'number') return { result };
  // The clusters carried over were found intact: nothing in their folders needs reading or comparing.
  const skip = new Set<string>();
  for (const path of result.carried?.keys() ?? []) skip.add(clusterOfOutputPath(path));
  skip.delete('');
  return { result, disk: readTree(out, cache.stampsOfLastSynth(skip), { files: recorded.tree, folders: cache.recordedFolders(), check, lock: lastLock, skip }) };
}

/**
 * Whether a compile made with `assumed` carried over files (of clusters not rendered, or partly
 * rendered) only of clusters that `intact` vouches for, so that it is the compile `intact` makes.
 * A compile that stopped at errors carried nothing it shows, but its diagnostics depend on what it
 * carried (the mesh check runs only without): it counts only when every assumed cluster is intact.
 */
function carriesOnly(result: CompileResult | number, assumed: PreviousRender, intact: PreviousRender | undefined): boolean {
  if (typeof result === 'number' || !result.carried) return [...assumed.inputs.keys()].every((cluster) => intact?.inputs.has(cluster));
  for (const path of result.carried.keys()) if (!intact?.inputs.has(clusterOfOutputPath(path))) return false;
  return true;
}

/** What a compile prints, held back until it is known to stand (then printed as it would have been), or dropped. */
class HeldOutput {
  private readonly printed: [stream: 'out' | 'err', text: string][] = [];
  private readonly plain: string[] = [];
  readonly reporter: Reporter;

  constructor(
    private readonly io: Io,
    shown: Reporter,
  ) {
    const holding: Io = { out: (text) => this.printed.push(['out', text]), err: (text) => this.printed.push(['err', text]), ...(io.terminal ? { terminal: io.terminal } : {}) };
    this.reporter = new Reporter(holding, { format: shown.format, quiet: shown.quiet, plainCopy: (text) => this.plain.push(text) });
  }

  /** Prints what was held, and gives the cache its plain copy of the diagnostics. */
  release(cache: SynthCache): void {
    for (const [stream, text] of this.printed) this.io[stream](text);
    for (const text of this.plain) cache.keepPrinted(text);
  }
}
