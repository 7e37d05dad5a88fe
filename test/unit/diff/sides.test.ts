import { describe, expect, it } from 'vitest';
import { LOCK_FILE, type OutputTree } from '../../../src/phases/6-emit/index.js';
import { diffSides, diffTrees, type DiffSide } from '../../../src/report/diff/index.js';
import { authorizationPolicy, deployment, namespace, service, tree } from './build.js';

/**
 * diffSides reads only what it must: the files whose identities differ between the sides, and,
 * for a finding that looks around a cluster, that cluster's files of the kind it asks about. So a
 * one-app change in a tree of 100,000 files reads a handful of them (the base need not even hold
 * the others' texts).
 */
function counted(tree: OutputTree): { side: DiffSide; read: Set<string> } {
  const read = new Set<string>();
  return {
    read,
    side: {
      files: new Map([...tree].map(([path, text]) => [path, `id:${text}`])),
      text: (path) => {
        read.add(path);
        return tree.get(path)!;
      },
    },
  };
}

const apps = (image: string) => [
  namespace('shop'),
  deployment('web', 3, { image }),
  service('web'),
  deployment('cart', 2),
  service('cart'),
  authorizationPolicy('cart', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }),
];

describe('diffSides', () => {
  const base = tree({ objects: { 'na-1': apps('example.com/web:1.0.0'), 'eu-1': apps('example.com/web:1.0.0') }, placement: { 'shop/web': { 'na-1': 3, 'eu-1': 3 } } });
  const head = tree({ objects: { 'na-1': apps('example.com/web:1.1.0'), 'eu-1': apps('example.com/web:1.0.0') }, placement: { 'shop/web': { 'na-1': 3, 'eu-1': 3 } } });

  it('reads only the files that differ (and the locks), and reports what diffTrees reports', () => {
    const [before, after] = [counted(base), counted(head)];
    const diff = diffSides(before.side, after.side);
    expect(diff).toEqual(diffTrees(base, head));
    expect(diff.changes.map((c) => `${c.cluster} ${c.kind} ${c.name}`)).toEqual(['na-1 Deployment web']);
    expect(diff.clusters).toEqual(['eu-1', 'na-1']);
    expect([...before.read].sort()).toEqual([LOCK_FILE, 'na-1/shop/deployment.web.yaml']);
    expect([...after.read].sort()).toEqual([LOCK_FILE, 'na-1/shop/deployment.web.yaml']);
  });

  it('reads the files of one kind on one cluster when a finding asks what else is there', () => {
    // The AuthorizationPolicy of cart goes on na-1 while cart still runs there: is another ALLOW policy left in the namespace? Does cart still run?
    const without = tree({
      objects: { 'na-1': apps('example.com/web:1.0.0').filter((o) => o.kind !== 'AuthorizationPolicy'), 'eu-1': apps('example.com/web:1.0.0') },
      placement: { 'shop/web': { 'na-1': 3, 'eu-1': 3 } },
    });
    const [before, after] = [counted(base), counted(without)];
    const diff = diffSides(before.side, after.side);
    expect(diff).toEqual(diffTrees(base, without));
    expect(diff.attention.map((a) => `${a.kind} ${a.cluster} ${a.subject}`)).toEqual(['prune na-1 shop/cart', 'policy-widening na-1 AuthorizationPolicy shop/cart']);
    expect([...after.read].sort()).toEqual([LOCK_FILE, 'na-1/shop/deployment.cart.yaml', 'na-1/shop/deployment.web.yaml']);
  });
});
