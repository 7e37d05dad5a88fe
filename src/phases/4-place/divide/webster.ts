/** One party (cluster) in an apportionment. */
export interface Party {
  readonly name: string;
  /** A non-negative integer. Parties with weight 0 never gain seats. */
  readonly weight: number;
  /** Seats already held (a floor, or an earlier apportionment being continued). Default 0. */
  readonly seats?: number;
  /** The most seats this party may hold. Default: no limit. */
  readonly max?: number;
  /** Its place in the app's tie order (src/phases/4-place/tie-order.ts): lower wins a tie. Default 0. */
  readonly tie?: number;
  /**
   * Seats it held in the previous placement: while below them it wins a tie, so a division that
   * was valid before is reproduced exactly, whatever tie rule produced it. Default 0.
   */
  readonly previous?: number;
}

export interface Apportionment {
  /** Seats per party, every party listed, sorted by name. */
  readonly seats: Map<string, number>;
  /** Seats that could not be given because every party was at its `max` or had weight 0. */
  readonly unassigned: number;
  /** Who got each new seat, in order: the method's trace, for `fleet explain`. */
  readonly order: readonly string[];
}

/**
 * Webster / Sainte-Laguë apportionment of `seats` among `parties`, as Karmada's scheduler does it
 * since v1.16 (pkg/util/helper/webstermethod.go): each next seat goes to the party with the highest
 * `weight / (2·seats + 1)`. A tie goes to the party still below its previous seats (steadiness),
 * then to the party with fewer seats (Karmada's rule), then to the lower tie rank (the app's hash
 * order, KubeFed's rule; see tie-order.ts), then to the name that sorts first. Without previous
 * seats and tie ranks this is Karmada's order for an empty UID.
 *
 * Priorities are compared exactly, as cross products of integers, never as quotients. Continuing
 * from `seats` already held is the bounded divisor method, so floors and caps keep the method's
 * properties: it is house-monotone (more seats never take one from any party), and when no floor
 * binds the result is plain Webster.
 *
 * A binary heap keeps it O(seats · log parties).
 */
export function apportion(seats: number, parties: readonly Party[]): Apportionment {
  const state = parties.map((p) => ({ name: p.name, weight: p.weight, seats: p.seats ?? 0, max: p.max ?? Infinity, tie: p.tie ?? 0, previous: p.previous ?? 0 }));
  const heap = new Heap(
    state.filter((p) => p.weight > 0 && p.seats < p.max),
    outranks,
  );
  const order: string[] = [];
  let remaining = seats;
  for (; remaining > 0 && heap.size > 0; remaining--) {
    const best = heap.peek();
    best.seats++;
    order.push(best.name);
    if (best.seats >= best.max) heap.pop();
    else heap.siftDown(0);
  }
  state.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { seats: new Map(state.map((p) => [p.name, p.seats])), unassigned: remaining, order };
}

interface Seated {
  readonly name: string;
  readonly weight: number;
  seats: number;
  readonly tie?: number;
  readonly previous?: number;
}

/**
 * a before b: the higher weight/(2s+1); on a tie, the one below its previous seats, then fewer
 * seats, then the lower tie rank, then the name that sorts first.
 *
 * Why "below previous" reproduces a previous Webster result P: at any state s ≤ P short of P, a
 * party i with s_i < P_i has priority w_i/(2s_i+1) ≥ w_i/(2P_i−1), and P being a Webster result
 * means that is ≥ w_j/(2P_j+1) for every j, so some party below P always has the top priority, and
 * preferring it on ties never takes a party past P.
 */
export function outranks(a: Seated, b: Seated): boolean {
  const order = compareCross(a.weight, 2 * b.seats + 1, b.weight, 2 * a.seats + 1);
  if (order !== 0) return order > 0;
  const aBelow = a.seats < (a.previous ?? 0);
  const bBelow = b.seats < (b.previous ?? 0);
  if (aBelow !== bBelow) return aBelow;
  if (a.seats !== b.seats) return a.seats < b.seats;
  if ((a.tie ?? 0) !== (b.tie ?? 0)) return (a.tie ?? 0) < (b.tie ?? 0);
  return a.name < b.name;
}

/** Sign of x1·y1 − x2·y2 for non-negative integers, exact at any size. */
function compareCross(x1: number, y1: number, x2: number, y2: number): number {
  const left = x1 * y1;
  const right = x2 * y2;
  if (Number.isSafeInteger(left) && Number.isSafeInteger(right)) return left === right ? 0 : left > right ? 1 : -1;
  const l = BigInt(x1) * BigInt(y1);
  const r = BigInt(x2) * BigInt(y2);
  return l === r ? 0 : l > r ? 1 : -1;
}

/** A binary max-heap under `before`; the caller may change the top item and sift it back down. */
class Heap<T> {
  private readonly items: T[];

  constructor(
    items: readonly T[],
    private readonly before: (a: T, b: T) => boolean,
  ) {
    this.items = [...items];
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T {
    return this.items[0];
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  siftDown(index: number): void {
    const { items, before } = this;
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let top = i;
      if (left < items.length && before(items[left], items[top])) top = left;
      if (right < items.length && before(items[right], items[top])) top = right;
      if (top === i) return;
      [items[i], items[top]] = [items[top], items[i]];
      i = top;
    }
  }
}
