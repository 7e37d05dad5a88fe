import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { checkMesh } from '../../../src/mesh/check.js';
import { MeshDefectError } from '../../../src/mesh/report.js';
import { load } from '../../../src/phases/1-load/index.js';
import { validate } from '../../../src/phases/2-validate/index.js';
import { buildTrafficGraph, resolve } from '../../../src/phases/3-resolve/index.js';
import { compileText } from '../../helpers/spec.js';
import { meshFleetSpecs } from './mesh-fleets.js';

/**
 * The check drops the model's scratch tables as it goes (MeshCheckOptions.forgetEvery, ModelMemo):
 * what it finds must not depend on when. On random mesh fleets, a check that forgets after every
 * call finds exactly what one that never forgets finds: the same findings (renderer defects,
 * the L4 warnings that compare packet classes across calls, spec problems) and the same counts.
 */
function modelAndTraffic(text: string) {
  let result: ReturnType<typeof compileText>;
  try {
    result = compileText(text, { keepMeshModel: true });
  } catch (error) {
    // A renderer defect is properties.test.ts' to report; the check runs again below either way.
    if (error instanceof MeshDefectError) return undefined;
    throw error;
  }
  if (!result.mesh) return undefined;
  const files = [{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text }];
  const diagnostics = new DiagnosticBag();
  const loaded = load(files, diagnostics);
  const fleet = resolve(validate(loaded, diagnostics).spec, loaded.sourceMap, diagnostics);
  return { model: result.mesh.model, traffic: buildTrafficGraph(fleet, loaded.sourceMap, diagnostics) };
}

describe('the mesh check forgetting its scratch tables', () => {
  it('finds the same after every call as never', () => {
    let checked = 0;
    fc.assert(
      fc.property(meshFleetSpecs, (text) => {
        const fleet = modelAndTraffic(text);
        if (!fleet) return;
        const never = checkMesh(fleet.model, fleet.traffic, { forgetEvery: Number.POSITIVE_INFINITY });
        const always = checkMesh(fleet.model, fleet.traffic, { forgetEvery: 1 });
        expect(always).toEqual(never);
        // A fleet may declare no call at all (no traffic rule drawn): it checks nothing here.
        if (never.declaredCalls > 0) checked++;
      }),
      { seed: 7, numRuns: 25 },
    );
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
