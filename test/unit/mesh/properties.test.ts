import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshDefectError } from '../../../src/mesh/report.js';
import { compileText } from '../../helpers/spec.js';
import { fleetSpecs } from '../../fuzz/arbitraries.js';
import { meshFleetSpecs } from './mesh-fleets.js';

/**
 * On random valid fleets (test/fuzz/arbitraries.ts), the mesh model of the rendered output finds:
 * every declared call allowed from every cluster its caller runs in; a sample of undeclared calls
 * denied at L7 (and at L4 where Calico can tell them apart); platform traffic allowed; Flux able to
 * apply every cluster. compile() runs the check (src/compiler.ts) and throws MeshDefectError for a
 * renderer defect; spec problems are diagnostics (`traffic_` codes), which the property skips.
 */
interface Outcome {
  readonly defects: readonly string[];
  readonly warnings: readonly string[];
}

function outcome(text: string): Outcome | undefined {
  try {
    const result = compileText(text, { keepMeshModel: true });
    if (result.diagnostics.some((d) => d.severity === 'error')) return undefined;
    // The renderer's warnings: thinner defence than the model expects. Spec warnings (a finding with a code) are the user's.
    return { defects: [], warnings: result.mesh!.check.findings.filter((f) => f.severity === 'warning' && f.kind === 'renderer').map((f) => f.message) };
  } catch (error) {
    if (error instanceof MeshDefectError) return { defects: error.defects, warnings: [] };
    throw error;
  }
}

const RUNS = { seed: 4242, numRuns: 60 };
const specs = fc.oneof(meshFleetSpecs, meshFleetSpecs, fleetSpecs);

describe('mesh model properties on random fleets', () => {
  const checked = { defects: 0, warnings: 0 };
  it('every declared call is allowed, every sampled undeclared call is denied at L7, platform traffic and Flux work', () => {
    fc.assert(
      fc.property(specs, (text) => {
        const result = outcome(text);
        if (result) checked.defects++;
        if (result) expect(result.defects).toEqual([]);
      }),
      RUNS,
    );
    // Fleets with spec errors are skipped: most must be valid, or the property checks little.
    expect(checked.defects).toBeGreaterThanOrEqual(RUNS.numRuns / 2);
  });

  // A caller's egress names only the east-west gateways Istio sends its declared calls through (the
  // destination clusters' own, the network's others only for a cluster without one: pilot
  // endpoints/ep_filters.go selectNetworkGateways), so an undeclared call through another gateway is
  // dropped by Calico too. Calls through one gateway Calico cannot tell apart (SNI): L7 decides those.
  it('undeclared calls are denied at L4 wherever Calico can tell them from declared ones', () => {
    fc.assert(
      fc.property(meshFleetSpecs, (text) => {
        const result = outcome(text);
        if (result) checked.warnings++;
        if (result) expect(result.warnings).toEqual([]);
      }),
      RUNS,
    );
    expect(checked.warnings).toBeGreaterThanOrEqual(RUNS.numRuns / 2);
  });
});
