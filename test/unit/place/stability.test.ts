import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/model/spec.js';
import { errorCodes, placeFleet, placementOf, previousOf, replicasOf } from '../../helpers/fleet-builder.js';
import { compileText } from '../../helpers/spec.js';
import { ROOT } from '../../helpers/trees.js';

/** The committed default spec with one app's replicas changed by `delta`. */
function defaultSpec(app?: string, delta = 0): string {
  const text = readFileSync(join(ROOT, 'policies/fleet-spec.yaml'), 'utf8');
  if (!app) return text;
  const doc = parseDocument(text);
  const apps = doc.get('apps') as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
  const entry = apps.items.find((a) => a.get('name') === app)!;
  entry.set('replicas', Number(entry.get('replicas') ?? 1) + delta);
  return doc.toString();
}

const moved = (before: Record<string, number>, after: Record<string, number>) => {
  const clusters = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return Object.fromEntries(clusters.map((c) => [c, (after[c] ?? 0) - (before[c] ?? 0)]).filter(([, d]) => d !== 0));
};

describe('a one-replica change to the committed fleet moves only what it must', () => {
  const first = compileText(defaultSpec(), { renderOutput: false });
  const apps = first.plan!.apps;

  it('the default spec places every app', () => {
    expect(errorCodes(first)).toEqual([]);
    expect(apps.map((a) => a.name).sort()).toEqual(['cart', 'catalog', 'checkout', 'orders-db', 'payments', 'web']);
  });

  it.each(apps.map((a) => [a.name, a] as const))('%s: +1 adds one replica per copy and moves none; -1 only removes', (name, before) => {
    for (const delta of [1, -1]) {
      const next = compileText(defaultSpec(name, delta), { renderOutput: false, previous: previousOf(first) });
      expect(errorCodes(next)).toEqual([]);
      const diff = moved(before.clusters, replicasOf(next, name));
      const changes = Object.values(diff);
      if (before.strategy === 'Duplicated') {
        // Every cluster runs the new count: each changes by exactly delta.
        expect(changes).toEqual(Object.keys(before.clusters).map(() => delta));
      } else {
        expect(changes).toEqual([delta]);
      }
      // Every other app stays exactly where it was.
      for (const other of apps.filter((a) => a.name !== name)) expect(replicasOf(next, other.name)).toEqual(other.clusters);
    }
  });

  it('placing again with its own result as the previous placement changes nothing', () => {
    const again = compileText(defaultSpec(), { renderOutput: false, previous: previousOf(first) });
    expect(again.plan!.apps.map((a) => a.clusters)).toEqual(apps.map((a) => a.clusters));
    expect(placementOf(again, 'orders-db').steady?.mode).toBe('unchanged');
  });
});

describe('steady mode', () => {
  const twin: ClusterSpec[] = [
    { name: 'a', region: 'ra', capacity: { pods: 20 } },
    { name: 'b', region: 'rb', capacity: { pods: 20 } },
  ];
  const place = (rule: object, replicas: number, previous?: Record<string, number>, clusters = twin) =>
    placeFleet({ clusters, apps: [{ name: 'app', replicas }], placement: [{ name: 'rule', apps: {}, ...rule }] }, previous ? new Map([['default-ns/app', previous]]) : undefined);

  it("Aggregated prefers the clusters already used (fresh, the tie goes to the app's hash order, which ranks a first)", () => {
    expect(replicasOf(place({ replicas: { strategy: 'Aggregated' } }, 5), 'app')).toEqual({ a: 5 });
    expect(replicasOf(place({ replicas: { strategy: 'Aggregated' } }, 8, { b: 5 }), 'app')).toEqual({ b: 8 });
  });

  it('spread keeps the groups already used', () => {
    // Fresh, regions ra and rb tie and the app's tie order picks rb; a previous placement in ra keeps ra.
    expect(replicasOf(place({ spread: [{ by: 'region', minGroups: 1 }], replicas: { strategy: 'Divided' } }, 4), 'app')).toEqual({ b: 4 });
    expect(replicasOf(place({ spread: [{ by: 'region', minGroups: 1 }], replicas: { strategy: 'Divided' } }, 4, { a: 4 }), 'app')).toEqual({ a: 4 });
  });

  it('static weights are stateless: the previous placement does not change the division', () => {
    const result = place({ replicas: { strategy: 'Divided' } }, 4, { a: 1, b: 3 });
    expect(replicasOf(result, 'app')).toEqual({ a: 2, b: 2 });
    expect(placementOf(result, 'app').steady).toBeUndefined();
  });

  it('a cluster that became infeasible releases its replicas into the difference', () => {
    const tainted: ClusterSpec[] = [twin[0], { ...twin[1], taints: [{ key: 'drain', effect: 'NoExecute' }] }, { name: 'c', region: 'rc', capacity: { pods: 20 } }];
    const result = place({ replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }, 6, { a: 3, b: 3 }, tainted);
    // a keeps 3; b's 3 are divided by the room left, a 17 : c 20.
    expect(replicasOf(result, 'app')).toEqual({ a: 4, c: 2 });
    expect(placementOf(result, 'app').steady).toEqual({ mode: 'scale-up', previousTotal: 6, kept: 3, released: [{ cluster: 'b', replicas: 3, reason: 'had untolerated taint {drain:NoExecute}' }] });
  });
});

describe('stateful apps', () => {
  const clusters: ClusterSpec[] = [
    { name: 'a', region: 'ra', labels: { tier: 'db' }, capacity: { pods: 20 } },
    { name: 'b', region: 'rb', labels: { tier: 'db' }, capacity: { pods: 20 } },
  ];
  const spec = (opts: { stateful?: boolean; allowMoveFrom?: string[]; replicas?: number; clusters?: ClusterSpec[] } = {}) =>
    `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: test }
clusters:
${(opts.clusters ?? clusters).map((c) => `  - ${JSON.stringify(c)}`).join('\n')}
apps:
  - name: db
    image: example.com/db:1.0.0
    replicas: ${opts.replicas ?? 3}
    stateful: ${opts.stateful ?? true}
${opts.allowMoveFrom ? `    allowMoveFrom: ${JSON.stringify(opts.allowMoveFrom)}\n` : ''}placement:
  - name: db
    apps: {}
    clusters: { matchLabels: { tier: db } }
    replicas: { strategy: Aggregated }
`;
  const previous = new Map([['db/db', { a: 3 }]]);
  const moveAway: ClusterSpec[] = [{ ...clusters[0], labels: { tier: 'old' } }, clusters[1]];

  it('is never moved off a cluster it runs on: an error at the app that names the cluster', () => {
    const result = compileText(spec({ clusters: moveAway }), { renderOutput: false, previous });
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.span?.start.line])).toEqual([['placement_stateful_move', 'error', 8]]);
    expect(result.diagnostics[0].message).toBe('stateful app `db` would be moved off a (3 → 0); fleet does not move a stateful app without your say-so');
    expect(result.diagnostics[0].help?.[0]).toBe('if the move is intended, add `allowMoveFrom: [a]` to the app for this change (and remove it once it is committed)');
  });

  it('moves when the cluster is listed in allowMoveFrom, or when the app is not stateful', () => {
    expect(errorCodes(compileText(spec({ clusters: moveAway, allowMoveFrom: ['a'] }), { renderOutput: false, previous }))).toEqual([]);
    expect(errorCodes(compileText(spec({ clusters: moveAway, stateful: false }), { renderOutput: false, previous }))).toEqual([]);
  });

  it('scaling down in place is not a move', () => {
    const result = compileText(spec({ replicas: 1 }), { renderOutput: false, previous: new Map([['db/db', { a: 2, b: 2 }]]) });
    expect(errorCodes(result)).toEqual([]);
    expect(replicasOf(result, 'db')).toEqual({ a: 1 });
  });

  it('a cluster removed from the fleet is a warning: it cannot be listed in allowMoveFrom', () => {
    const result = compileText(spec({ clusters: [clusters[1]] }), { renderOutput: false, previous });
    expect(result.diagnostics.map((d) => [d.code, d.severity])).toEqual([['placement_stateful_cluster_removed', 'warning']]);
  });

  it('fleet explain says so', async () => {
    const { formatExplanation } = await import('../../../src/report/explain.js');
    const result = compileText(spec(), { renderOutput: false, previous });
    const text = formatExplanation(result.fleet!.apps[0], placementOf(result, 'db'));
    expect(text).toContain('stateful: yes: never moved off a cluster it runs on (a: 3) unless the cluster is listed in allowMoveFrom; allowMoveFrom: none');
  });
});
