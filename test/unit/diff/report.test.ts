import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/model/manifest.js';
import { COMMENT_BUDGET, COMMENT_MARKER, diffTrees, formatMarkdown, formatText, type DiffReportContext } from '../../../src/report/diff/index.js';
import { calicoPolicy, deployment, namespace, service, tree, virtualService } from './build.js';

const context: DiffReportContext = { base: 'main@1a2b3c4', head: 'working tree', spec: 'policies', version: '0.0.0', outputCheck: { outDir: 'out', upToDate: true, differing: 0 } };
const clusters = (n: number) => Array.from({ length: n }, (_, i) => `c-${String(i + 1).padStart(3, '0')}`);
const everywhere = (names: readonly string[], objects: (cluster: string) => KubeObject[]) => Object.fromEntries(names.map((c) => [c, objects(c)]));
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('the Markdown report', () => {
  it('has the header, the clusters table, the placement matrix with replica moves and the details', () => {
    const base = tree({ objects: { 'na-1': [deployment('web', 4)], 'eu-1': [deployment('web', 2)], 'sea-1': [deployment('web', 1)] }, placement: { 'shop/web': { 'na-1': 4, 'eu-1': 2, 'sea-1': 1 } } });
    const head = tree({ objects: { 'na-1': [deployment('web', 3)], 'eu-1': [deployment('web', 3)], 'sea-1': [deployment('web', 1)] }, placement: { 'shop/web': { 'na-1': 3, 'eu-1': 3, 'sea-1': 1 } } });
    const text = formatMarkdown(diffTrees(base, head), context);
    expect(text).toContain('`main@1a2b3c4` → `working tree` · spec `policies` · fleet 0.0.0<br>✅ committed `out/` matches the spec');
    expect(text).toContain('| na-1 | 0 | 1 | 0 | shop/web 4 → 3 |');
    expect(text).toContain('| eu-1 | 0 | 1 | 0 | shop/web 2 → 3 |');
    expect(text).toContain('_1 cluster unchanged: sea-1._');
    expect(text).toContain('| App | eu-1 | na-1 | Total |');
    expect(text).toContain('| shop/web | 2 → 3 | 4 → 3 | 7 |');
    expect(text).toContain('<details><summary><b>na-1</b>: 1 changed</summary>');
    expect(text).toMatch(/```diff\n- spec\.replicas: 4\n\+ spec\.replicas: 3\n```/);
  });

  it('says plainly when there is nothing to review, and when the committed output is stale', () => {
    const t = tree({ objects: { 'na-1': [deployment('web', 3)] } });
    const stale = { ...context, outputCheck: { outDir: 'out', upToDate: false, differing: 3 } };
    const text = formatMarkdown(diffTrees(t, t), stale);
    expect(text).toContain('**No changes**: the spec renders the same objects and placement as `main@1a2b3c4`.');
    expect(text).toContain('❌ committed `out/` does not match the spec (3 files differ)');
  });

  it('shows an identical change on many clusters once', () => {
    const names = clusters(12);
    const base = tree({ objects: everywhere(names, () => [deployment('web', 3, { image: 'example.com/web:1.0.0' })]) });
    const head = tree({ objects: everywhere(names, () => [deployment('web', 3, { image: 'example.com/web:1.1.0' })]) });
    const text = formatMarkdown(diffTrees(base, head), context);
    expect(text).toContain('- ✎ `Deployment shop/web` · `apps.web` — same change on 12 clusters (c-001, c-002');
    expect(count(text, '+ spec.template.spec.containers[name=web].image: example.com/web:1.1.0')).toBe(1);
    expect(text).not.toContain('### Details by cluster');
  });

  it('keeps changes that differ per cluster apart', () => {
    const base = tree({ objects: { a: [deployment('web', 1)], b: [deployment('web', 1)] } });
    const head = tree({ objects: { a: [deployment('web', 2)], b: [deployment('web', 3)] } });
    const text = formatMarkdown(diffTrees(base, head), context);
    expect(text).not.toContain('same change');
    expect(text).toContain('<b>a</b>: 1 changed');
    expect(text).toContain('<b>b</b>: 1 changed');
  });

  it('folds the same finding on several clusters into one line, and draws small traffic shifts', () => {
    const names = clusters(5);
    const base = tree({ objects: everywhere(names, () => [virtualService('checkout', { stable: 90, canary: 10 })]) });
    const head = tree({ objects: everywhere(names, () => [virtualService('checkout', { stable: 50, canary: 50 })]) });
    const text = formatMarkdown(diffTrees(base, head), context);
    expect(count(text, '🔀 **Traffic shift**')).toBe(1);
    expect(text).toContain('🔀 **Traffic shift** `VirtualService shop/checkout` on 5 clusters (c-001, c-002, c-003, c-004, c-005) — `default`: stable 90 → 50, canary 10 → 50 · `apps.checkout`');
    expect(text).toContain('```mermaid\nflowchart LR\n  vs0["shop/checkout · default<br/>5 clusters"]\n  vs0 -->|"90 → 50"| d0_0["stable"]\n  vs0 -->|"10 → 50"| d0_1["canary"]\n```');
  });

  it('lists what needs attention most severe first', () => {
    const base = tree({ objects: { 'na-1': [namespace('old'), virtualService('checkout', { stable: 90, canary: 10 }), deployment('cart', 1), service('cart')] }, placement: { 'shop/cart': { 'na-1': 1 } } });
    const head = tree({ objects: { 'na-1': [virtualService('checkout', { stable: 80, canary: 20 })] } });
    const text = formatMarkdown(diffTrees(base, head), context);
    const order = ['➖ **Prune** `shop/cart` on na-1 — leaves the cluster', '📁 **Namespace** `Namespace old`', '🔀 **Traffic shift**'].map((s) => text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('the size budget', () => {
  // 300 clusters, each with its own 10 changed Deployments and a policy that opens up: far over a comment (14 times
  // its budget). The number of clusters is what overflows every level but those that cut lists to their first
  // entries: the others list each changed cluster and the attention it needs.
  const names = clusters(300);
  const apps = 10;
  const objects = (replicas: number, extraRule: boolean) => (cluster: string) => [
    ...Array.from({ length: apps }, (_, i) => deployment(`app-${i}`, replicas + Number(cluster.slice(2)), { image: `example.com/app-${i}:${replicas}.0.0-${cluster}` })),
    calicoPolicy(
      'web-ingress',
      { ingress: [{ action: 'Allow', source: { selector: "app == 'lb'" } }, ...(extraRule ? [{ action: 'Allow', source: { nets: [`10.${Number(cluster.slice(2)) % 250}.0.0/16`] } }] : [])] },
      { app: 'web' },
    ),
  ];
  const diff = diffTrees(
    tree({ objects: everywhere(names, objects(1, false)), placement: Object.fromEntries(Array.from({ length: apps }, (_, i) => [`shop/app-${i}`, Object.fromEntries(names.map((c) => [c, 1]))])) }),
    tree({ objects: everywhere(names, objects(2, true)), placement: Object.fromEntries(Array.from({ length: apps }, (_, i) => [`shop/app-${i}`, Object.fromEntries(names.map((c) => [c, 2]))])) }),
  );

  it('without a limit, the report is far larger than a GitHub comment', () => {
    expect(formatMarkdown(diff, context, { maxLength: 0 }).length).toBeGreaterThan(10 * COMMENT_BUDGET);
  });

  it('fits a GitHub comment by default, keeps the summary and says what was cut', () => {
    const text = formatMarkdown(diff, context);
    expect(text.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(COMMENT_BUDGET).toBeLessThan(65_536);
    expect(text).toMatch(/> ✂️ \*\*Shortened\*\* to fit a GitHub comment \(65,000 characters\): per-cluster details are cut, and each table and list shows its first \d+ entries\./);
    expect(text).toContain('**300 clusters changed** · 0 added, 3300 changed, 0 removed · placement of 10 apps changed');
    expect(text).toContain('### ⚠️ Needs attention');
    expect(text).toMatch(/_… and \d+ more changed clusters \(cut\)\._/);
    expect(text).not.toContain('<details>');
  });

  it('still fits, and says so, under a budget too small for any level', () => {
    const text = formatMarkdown(diff, context, { maxLength: 2_000 });
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text).toContain('✂️ **Cut at 2,000 characters.**');
  });

  it('keeps the comment marker and stays within the smallest budget the CLI accepts (500)', () => {
    const text = formatMarkdown(diff, context, { maxLength: 500 });
    expect(text.length).toBeLessThanOrEqual(500);
    expect(text.startsWith(COMMENT_MARKER)).toBe(true);
  });

  it('drops field values before dropping details when that is enough', () => {
    const small = diffTrees(
      tree({ objects: { a: [deployment('web', 1, { image: `example.com/${'x'.repeat(3000)}:1` })] } }),
      tree({ objects: { a: [deployment('web', 1, { image: `example.com/${'y'.repeat(3000)}:1` })] } }),
    );
    const text = formatMarkdown(small, context, { maxLength: 3_000 });
    expect(text).toContain('per-object diffs are cut down to the names of the changed fields');
    expect(text).toContain('Fields: `spec.template.spec.containers[name=web].image`');
  });
});

describe('the text report', () => {
  it('lists clusters, placement moves, findings and every field change', () => {
    const base = tree({ objects: { 'na-1': [deployment('web', 4)] }, placement: { 'shop/web': { 'na-1': 4 } } });
    const head = tree({ objects: { 'na-1': [deployment('web', 3)] }, placement: { 'shop/web': { 'na-1': 3 } } });
    const text = formatText(diffTrees(base, head), context);
    expect(text).toBe(
      [
        'fleet diff: main@1a2b3c4 → working tree (spec policies)',
        'committed out/ matches the spec',
        '',
        'CLUSTER  ADDED  CHANGED  REMOVED  PLACEMENT',
        'na-1         0        1        0  shop/web 4 → 3',
        '',
        'placement:',
        'APP        na-1  TOTAL',
        'shop/web  4 → 3  4 → 3',
        '',
        'changes:',
        '  ~ Deployment shop/web on na-1 (apps.web)',
        '      spec.replicas: 4 → 3',
        '',
      ].join('\n'),
    );
  });
});
