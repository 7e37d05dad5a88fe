import type { PlacementPlan } from '../../model/plan.js';

/** `out/fleet.lock.json`: what fleet placed and which files it owns. No timestamps, ever. */
export const LOCK_FILE = 'fleet.lock.json';

export interface Lock {
  readonly generator: 'fleet';
  readonly lockVersion: 1;
  readonly fleet: string;
  /**
   * The placement, so the next run can keep it stable and `fleet diff` can explain moves: replicas
   * per cluster as rendered, and placement's own division where an override changed it (the next
   * run continues from the division).
   */
  readonly placement: readonly LockedPlacement[];
  /** Every file fleet wrote, relative to the output folder, with the sha256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
}

export interface LockedPlacement {
  readonly namespace: string;
  readonly name: string;
  readonly clusters: Readonly<Record<string, number>>;
  readonly divided?: Readonly<Record<string, number>>;
}

export function makeLock(fleet: string, plan: PlacementPlan, files: Readonly<Record<string, string>>): Lock {
  return {
    generator: 'fleet',
    lockVersion: 1,
    fleet,
    placement: plan.apps.map((a) => ({ namespace: a.namespace, name: a.name, clusters: a.clusters, ...(a.divided ? { divided: a.divided } : {}) })),
    files,
  };
}

/** Reads a lock file's text; undefined when it is missing or not a fleet lock (then nothing counts as owned). */
export function parseLock(text: string | undefined): Lock | undefined {
  if (text === undefined) return undefined;
  try {
    const lock = JSON.parse(text) as Lock;
    return lock?.generator === 'fleet' && typeof lock.files === 'object' ? lock : undefined;
  } catch {
    return undefined;
  }
}
