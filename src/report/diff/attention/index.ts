import type { Detector } from './detector.js';
import { fluxPrune } from './flux-prune.js';
import { namespaces } from './namespaces.js';
import { policyWidening } from './policy-widening.js';
import { prune } from './prune.js';
import { statefulMoves } from './stateful-move.js';
import { subsetOrdering } from './subset-ordering.js';
import { trafficShifts } from './traffic-shift.js';

export type { DiffContext, Detector } from './detector.js';

/** Every "needs attention" detector, one per file. Adding one is a file plus a line here. */
export const DETECTORS: readonly Detector[] = [fluxPrune, statefulMoves, prune, namespaces, policyWidening, subsetOrdering, trafficShifts];
