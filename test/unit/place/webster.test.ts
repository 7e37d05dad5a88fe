import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion, type Party } from '../../../src/phases/4-place/divide/webster.js';

const parties = (weights: Record<string, number>, seats: Record<string, number> = {}): Party[] =>
  Object.entries(weights).map(([name, weight]) => ({ name, weight, ...(seats[name] !== undefined ? { seats: seats[name] } : {}) }));
const seatsOf = (result: { seats: Map<string, number> }) => Object.fromEntries(result.seats);

/**
 * Table rows replayed from Karmada's own tests. Karmada breaks ties by fewer seats, then name in an
 * order set by the binding's UID parity; with an empty UID (and with a nil tie-breaker) it is name
 * ascending, which is fleet's rule, so these rows carry over as they are.
 */
describe('Webster / Sainte-Laguë', () => {
  // karmada#6735, the reason Karmada moved to Webster: 170/110/60 between clusters A, B, C.
  it.each([
    { seats: 5, want: { A: 2, B: 2, C: 1 } },
    { seats: 6, want: { A: 3, B: 2, C: 1 } },
  ])('karmada#6735: weights 170/110/60, $seats replicas', ({ seats, want }) => {
    expect(seatsOf(apportion(seats, parties({ A: 170, B: 110, C: 60 })))).toEqual(want);
  });

  // pkg/util/helper/webstermethod_test.go: Wikipedia's Sainte-Laguë example, round by round.
  const wikipedia = { PartyA: 100000, PartyB: 80000, PartyC: 30000, PartyD: 20000 };
  it.each([
    [1, [1, 0, 0, 0]],
    [2, [1, 1, 0, 0]],
    [3, [2, 1, 0, 0]],
    [4, [2, 1, 1, 0]],
    [5, [2, 2, 1, 0]],
    // Round 6 is an exact tie, A 100000/5 = D 20000/1 = 20000. The contract gives it to the party
    // with fewer seats (D), as Karmada's scheduler does with its tie-breaker; Karmada's test, from when
    // its nil tie-breaker preferred more votes, expects A (3, 2, 1, 0). Round 7 agrees again.
    [6, [2, 2, 1, 1]],
    [7, [3, 2, 1, 1]],
    [8, [3, 3, 1, 1]],
  ])('webstermethod_test: classic example, round %i', (seats, [a, b, c, d]) => {
    expect(seatsOf(apportion(seats, parties(wikipedia)))).toEqual({ PartyA: a, PartyB: b, PartyC: c, PartyD: d });
  });

  it.each<{ name: string; seats: number; weights: Record<string, number>; initial: Record<string, number>; want: Record<string, number> }>([
    { name: 'ExampleAllocateWebsterSeats', seats: 4, weights: { Alpha: 1200, Beta: 900, Gamma: 400 }, initial: {}, want: { Alpha: 2, Beta: 1, Gamma: 1 } },
    { name: 'no parties', seats: 1, weights: {}, initial: {}, want: {} },
    { name: 'no seats', seats: 0, weights: { PartyA: 100, PartyB: 200 }, initial: {}, want: { PartyA: 0, PartyB: 0 } },
    { name: 'tie broken by votes', seats: 1, weights: { PartyA: 1, PartyB: 2 }, initial: {}, want: { PartyA: 0, PartyB: 1 } },
    { name: 'tie broken by name', seats: 1, weights: { PartyA: 1, PartyB: 1 }, initial: {}, want: { PartyA: 1, PartyB: 0 } },
    { name: 'new parties join: only they gain', seats: 2, weights: { NewParty1: 1, NewParty2: 1, OldParty: 0 }, initial: { OldParty: 0 }, want: { NewParty1: 1, NewParty2: 1, OldParty: 0 } },
    { name: 'new and old parties compete', seats: 2, weights: { OldParty: 1, NewParty: 1 }, initial: { OldParty: 1 }, want: { NewParty: 2, OldParty: 1 } },
    { name: 'a seated party without votes gains nothing', seats: 2, weights: { PartyA: 100, PartyB: 0 }, initial: { PartyB: 3 }, want: { PartyA: 2, PartyB: 3 } },
  ])('webstermethod_test: $name', ({ seats, weights, initial, want }) => {
    expect(seatsOf(apportion(seats, parties(weights, initial)))).toEqual(want);
  });

  it('departs from Karmada on purpose: parties with weight 0 never gain a seat, even when all have 0', () => {
    // Karmada's heap hands the seat to PartyB (fewer seats); fleet leaves it unassigned, so the caller reports an error.
    const result = apportion(1, parties({ PartyA: 0, PartyB: 0 }, { PartyA: 2, PartyB: 1 }));
    expect(seatsOf(result)).toEqual({ PartyA: 2, PartyB: 1 });
    expect(result.unassigned).toBe(1);
  });

  it('breaks a full tie by fewer seats before name (the smaller cluster first, for HA)', () => {
    // a: 3/(2·1+1) = 1 and b: 1/(2·0+1) = 1 tie on priority; b holds fewer seats.
    expect(seatsOf(apportion(1, parties({ a: 3, b: 1 }, { a: 1 })))).toEqual({ a: 1, b: 1 });
  });

  it('compares priorities exactly, beyond float precision', () => {
    // 2^53+1 and 2^53 differ by one; as floats both are 2^53 and the name would wrongly decide.
    const result = apportion(1, [
      { name: 'a', weight: 2 ** 53 },
      { name: 'b', weight: Number(2n ** 53n) + 2 },
    ]);
    expect(seatsOf(result)).toEqual({ a: 0, b: 1 });
  });

  it('stops at max and reports the seats it could not give', () => {
    const result = apportion(5, [
      { name: 'a', weight: 10, max: 1 },
      { name: 'b', weight: 1, max: 2 },
    ]);
    expect(seatsOf(result)).toEqual({ a: 1, b: 2 });
    expect(result.unassigned).toBe(2);
  });

  it('records the order in which seats were given', () => {
    expect(apportion(5, parties({ A: 170, B: 110, C: 60 })).order).toEqual(['A', 'B', 'C', 'A', 'B']);
  });

  const weights = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 });

  it('gives out exactly the seats asked for when any party has weight', () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 200 }), (ws, seats) => {
        const result = apportion(
          seats,
          ws.map((weight, i) => ({ name: `p${i}`, weight })),
        );
        const given = [...result.seats.values()].reduce((a, b) => a + b, 0);
        expect(given + result.unassigned).toBe(seats);
        if (ws.some((w) => w > 0)) expect(result.unassigned).toBe(0);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('is house-monotone: one more seat never takes one from any party', () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 100 }), (ws, seats) => {
        const ps = ws.map((weight, i) => ({ name: `p${i}`, weight }));
        const before = apportion(seats, ps).seats;
        const after = apportion(seats + 1, ps).seats;
        for (const [name, n] of before) expect(after.get(name)!).toBeGreaterThanOrEqual(n);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('stays within one seat of each exact quota for two parties, and does not depend on input order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100 }), (wa, wb, seats) => {
        const forward = apportion(seats, [
          { name: 'a', weight: wa },
          { name: 'b', weight: wb },
        ]).seats;
        const backward = apportion(seats, [
          { name: 'b', weight: wb },
          { name: 'a', weight: wa },
        ]).seats;
        expect(backward).toEqual(forward);
        const quota = (seats * wa) / (wa + wb);
        expect(Math.abs(forward.get('a')! - quota)).toBeLessThanOrEqual(1);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
