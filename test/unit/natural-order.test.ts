import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naturalCompare } from '../../src/model/natural-order.js';
import { formatExplanation } from '../../src/report/explain.js';
import { formatPlan } from '../../src/report/plan.js';
import { placeFleet, placementOf } from '../helpers/fleet-builder.js';

describe('natural order of names', () => {
  it('reads runs of digits as numbers: c2 before c10', () => {
    expect(['c10', 'c2', 'c1', 'c13', 'c0', 'eu-10', 'eu-9', 'b'].sort(naturalCompare)).toEqual(['b', 'c0', 'c1', 'c2', 'c10', 'c13', 'eu-9', 'eu-10']);
  });

  it('is total and locale-free: equal numbers with different zeros, and huge numbers, still have one order', () => {
    expect(['c02', 'c2', 'c002'].sort(naturalCompare)).toEqual(['c002', 'c02', 'c2']);
    expect(naturalCompare('n99999999999999999999', 'n100000000000000000000')).toBeLessThan(0);
  });

  it('is a strict total order (antisymmetric, transitive, 0 only for equal strings)', () => {
    const name = fc.stringMatching(/^[a-c0-9-]{0,6}$/);
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(naturalCompare(a, b)) + Math.sign(naturalCompare(b, a))).toBe(0);
        expect(naturalCompare(a, b) === 0).toBe(a === b);
        if (naturalCompare(a, b) < 0 && naturalCompare(b, c) < 0) expect(naturalCompare(a, c)).toBeLessThan(0);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('orders as cutting each name into runs of digits and of other characters does (the definition, written the slow way)', () => {
    const name = fc.oneof(fc.stringMatching(/^[a-c0-9-]{0,8}$/), fc.stringMatching(/^(?:0{0,3}[0-9]{1,3}|[a-z]{1,2}|é|-){0,4}$/));
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(naturalCompare(a, b)).toBe(byChunks(a, b));
      }),
      { seed: 7, numRuns: 3000 },
    );
  });
});

/** The order by its definition: the names cut into chunks, compared chunk by chunk. */
function byChunks(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? [];
  const right = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i], right[i]];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const [p, q] = [x.replace(/^0+(?=\d)/, ''), y.replace(/^0+(?=\d)/, '')];
      if (p.length !== q.length) return p.length - q.length;
      if (p !== q) return p < q ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

describe('fleet plan and fleet explain list clusters in natural order', () => {
  const clusters = ['c0', 'c1', 'c2', 'c10', 'c11'].map((name) => ({ name }));
  const result = placeFleet({ clusters, apps: [{ name: 'app', replicas: 10 }], placement: [{ name: 'rule', apps: {}, replicas: { strategy: 'Divided' } }] });

  it('fleet plan: the columns', () => {
    // The CLI passes the fleet's clusters sorted by code units (c0, c1, c10, c11, c2).
    const header = formatPlan(result.plan!, ['c0', 'c1', 'c10', 'c11', 'c2'], 'text').split('\n')[0];
    expect(header.split(/\s+/)).toEqual(['APP', 'RULE', 'STRATEGY', 'c0', 'c1', 'c2', 'c10', 'c11', 'TOTAL']);
    expect(formatPlan(result.plan!, ['c10', 'c2'], 'markdown').split('\n')[0]).toBe('| APP | RULE | STRATEGY | c2 | c10 | TOTAL |');
  });

  it('fleet explain: the cluster table, the apportionment and the workloads', () => {
    const text = formatExplanation(result.fleet!.apps[0], placementOf(result, 'app'));
    // The first column of the table under `header`, up to the blank line that ends it.
    const rows = (header: RegExp) => {
      const lines = text.split('\n');
      const start = lines.findIndex((line) => header.test(line));
      const end = lines.indexOf('', start);
      return lines.slice(start + 1, end).map((line) => line.trim().split(/\s+/)[0]);
    };
    expect(rows(/^CLUSTER\s+REPLICAS\s+WEIGHT\s+WHY/)).toEqual(['c0', 'c1', 'c2', 'c10', 'c11']);
    expect(rows(/^ {2}CLUSTER\s+DEPLOYMENT/)).toEqual(['c0', 'c1', 'c2', 'c10', 'c11']);
    const shares = text
      .split('\n')
      .filter((line) => /^ {2}c\d+: weight/.test(line))
      .map((line) => line.trim().split(':')[0]);
    expect(shares).toEqual(['c0', 'c1', 'c2', 'c10', 'c11']);
  });
});
