/**
 * Kubernetes quantities as exact integers of nano-units (1 = 1e-9), so capacity arithmetic never
 * rounds: `250m` CPU = 250_000_000n, `1Gi` memory = 1073741824_000_000_000n.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
const SUFFIX_NANOS: Record<string, bigint> = {
  n: 1n,
  u: 1_000n,
  m: 1_000_000n,
  '': 1_000_000_000n,
  k: 10n ** 12n,
  M: 10n ** 15n,
  G: 10n ** 18n,
  T: 10n ** 21n,
  P: 10n ** 24n,
  E: 10n ** 27n,
  Ki: 2n ** 10n * 10n ** 9n,
  Mi: 2n ** 20n * 10n ** 9n,
  Gi: 2n ** 30n * 10n ** 9n,
  Ti: 2n ** 40n * 10n ** 9n,
  Pi: 2n ** 50n * 10n ** 9n,
  Ei: 2n ** 60n * 10n ** 9n,
};

const QUANTITY = /^\+?([0-9]+)(?:\.([0-9]*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([-+]?[0-9]+))?$/;

/** Parses a quantity to nano-units (rounded down below 1n); undefined when it is not a quantity. */
export function parseQuantity(quantity: string | number): bigint | undefined {
  const match = QUANTITY.exec(String(quantity));
  if (!match) return undefined;
  const [, whole, fraction = '', suffix = '', exponent] = match;
  const digits = BigInt(whole + fraction);
  let scale = suffix === '' && exponent === undefined ? SUFFIX_NANOS[''] : (SUFFIX_NANOS[suffix] ?? SUFFIX_NANOS['']);
  let denominator = 10n ** BigInt(fraction.length);
  if (exponent !== undefined) {
    const e = Number(exponent);
    if (Math.abs(e) > 30) return undefined;
    if (e >= 0) scale *= 10n ** BigInt(e);
    else denominator *= 10n ** BigInt(-e);
  }
  return (digits * scale) / denominator;
}
