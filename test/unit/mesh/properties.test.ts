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
    return { defects: [], warnings: result.mesh!.check.findings.filter((f) => f.severity === 'warning').map((f) => f.message) };
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
  });

  // Fails on today's renderer: a caller's egress policy allows the mTLS port of every east-west
  // gateway of a network it calls into (src/phases/5-render/calico/app-policies.ts renderEgressPolicy,
  // `eastWestGatewaysOn(network)`), while Istio sends each endpoint through the gateway of the
  // endpoint's own cluster (pilot endpoints/ep_filters.go selectNetworkGateways). An undeclared call
  // through another gateway of that network passes Calico; the AuthorizationPolicy still denies it.
  it.fails('undeclared calls are denied at L4 wherever Calico can tell them from declared ones', () => {
    fc.assert(
      fc.property(meshFleetSpecs, (text) => {
        const result = outcome(text);
        if (result) checked.warnings++;
        if (result) expect(result.warnings).toEqual([]);
      }),
      RUNS,
    );
  });
});
