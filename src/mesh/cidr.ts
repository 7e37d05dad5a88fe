import { isIP } from 'node:net';

/** An address range: IPv4 or IPv6 prefix as a bigint and its length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
  readonly text: string;
}

/**
 * Parsed ranges by text, one object per text (contains() memoises by identity). One per mesh model
 * (its ModelMemo), so the table lives exactly as long as the model.
 */
export class CidrMemo {
  private readonly parsed = new Map<string, Cidr | undefined>();

  parse(text: string): Cidr | undefined {
    if (this.parsed.has(text)) return this.parsed.get(text);
    const cidr = parseCidr(text);
    this.parsed.set(text, cidr);
    return cidr;
  }
}

/** `10.0.0.0/16`, `fd00::/48`, or a bare address (a /32 or /128); undefined when not an IP range. Not memoised: a model parses through its CidrMemo. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length] = text.split('/');
  const family = isIP(address);
  let cidr: Cidr | undefined;
  if (family === 4 || family === 6) {
    const width = family === 4 ? 32 : 128;
    const bits = length === undefined ? width : Number(length);
    if (Number.isInteger(bits) && bits >= 0 && bits <= width) {
      const value = family === 4 ? ipv4(address) : ipv6(address);
      cidr = { family, base: value & maskOf(family, bits), bits, text };
    }
  }
  return cidr;
}

/** Whether every address of `inner` is in `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  // Memoised (a model's ranges are one object per text: CidrMemo): Calico's matching asks for the same few pairs again and again.
  let byInner = CONTAINS.get(outer);
  if (!byInner) CONTAINS.set(outer, (byInner = new WeakMap()));
  let result = byInner.get(inner);
  if (result === undefined) {
    result = outer.family === inner.family && outer.bits <= inner.bits && (inner.base & maskOf(outer.family, outer.bits)) === outer.base;
    byInner.set(inner, result);
  }
  return result;
}
const CONTAINS = new WeakMap<Cidr, WeakMap<Cidr, boolean>>();

/** The mask of a prefix length (made once per family and length). */
export function maskOf(family: 4 | 6, bits: number): bigint {
  const masks = MASKS[family];
  let mask = masks[bits];
  if (mask === undefined) {
    const width = family === 4 ? 32 : 128;
    masks[bits] = mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  }
  return mask;
}
const MASKS: Record<4 | 6, bigint[]> = { 4: [], 6: [] };

function ipv4(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6(address: string): bigint {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
