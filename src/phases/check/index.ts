import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { ResolvedFleet } from '../../model/fleet.js';
import type { PlacementPlan } from '../../model/plan.js';
import type { SourceMap } from '../1-load/index.js';
import type { Topology } from '../4-place/topology.js';
import { checkTraffic } from './traffic.js';
import { checkUncalledApps } from './uncalled.js';
import { checkWorkloads } from './workloads.js';

export { checkTraffic } from './traffic.js';
export { checkUncalledApps } from './uncalled.js';
export { checkWorkloads } from './workloads.js';

/**
 * The checking step, between place and render: every check that needs the placement, reported
 * where the spec says it. It runs for every command, `fleet validate` and `fleet plan` included
 * (they render nothing), so render never reports a problem of the spec. Reads the plan and the
 * topology (the traffic graph laid over the plan); decides nothing.
 */
export function checkPlacement(fleet: ResolvedFleet, plan: PlacementPlan, topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  checkWorkloads(fleet, plan, sourceMap, diagnostics);
  checkTraffic(fleet, topology, sourceMap, diagnostics);
  checkUncalledApps(fleet, topology, sourceMap, diagnostics);
}
