import { describe, expect, it } from 'vitest';
import { generateFleet, withFleetWideApp } from '../../bench/generate.js';
import { toYaml } from '../../src/phases/6-emit/index.js';
import { compileText } from '../helpers/spec.js';

/** The bench's fleets (bench/generate.ts) compile without a diagnostic at every size, small fleets included: `npm run bench -- --sizes 5x50` measures a fleet, not an error report. */
describe('the bench fleet generator', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 9])('gives a fleet of %i cluster(s) that compiles without a diagnostic', (clusters) => {
    const spec = generateFleet({ clusters, apps: clusters * 8 }, clusters);
    const result = compileText(toYaml(spec));
    expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    expect(result.plan?.apps.length).toBe(clusters * 8);
  });

  it('adds an app that runs in every cluster, tainted ones included, without a diagnostic', () => {
    const spec = generateFleet({ clusters: 14, apps: 60 });
    const result = compileText(toYaml(withFleetWideApp(spec, '1.0.0')));
    expect(result.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    const agent = result.plan!.apps.find((app) => app.name === 'node-agent')!;
    expect(Object.keys(agent.clusters).sort()).toEqual(spec.clusters.map((c) => c.name).sort());
    const tainted = spec.clusters.filter((c) => c.taints?.some((t) => t.effect === 'NoSchedule'));
    expect(tainted.length, 'tainted clusters among them').toBeGreaterThan(0);
  });
});
