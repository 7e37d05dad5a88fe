/**
 * Durations as the programs that read fleet's output parse them. Kubernetes (metav1.Duration),
 * Flux (`interval`) and the CEL rules of Istio's CRDs (`duration(self) >= duration('1ms')` on
 * VirtualService `timeout`, `retries.perTryTimeout`, `fault.delay.fixedDelay`, DestinationRule
 * `outlierDetection.interval` and `baseEjectionTime`) all parse with Go's time.ParseDuration into
 * an int64 of nanoseconds, which refuses anything longer than MAX_NANOSECONDS ("invalid duration").
 * Istio's validation also wants at least 1ms and whole milliseconds (pkg/config/validation
 * ValidateDuration: "duration must be greater than 1ms", "only durations to ms precision are supported").
 */

/** 2^63 - 1 ns = 2562047h47m16.854775807s, the longest time.Duration. */
export const MAX_NANOSECONDS = (1n << 63n) - 1n;
export const MAX_DURATION_TEXT = '2562047h47m16.854775807s';

const UNIT_NANOSECONDS: Readonly<Record<string, bigint>> = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/**
 * The nanoseconds of a duration the schema accepted (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`), exactly,
 * as BigInt; fractions of a nanosecond are dropped, as Go does.
 */
export function durationNanoseconds(text: string): bigint {
  let total = 0n;
  for (const [, whole, fraction = '', unit] of text.matchAll(/([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g)) {
    const scale = UNIT_NANOSECONDS[unit];
    total += BigInt(whole) * scale + (fraction === '' ? 0n : (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length));
  }
  return total;
}

/** What Go (and so Kubernetes, Flux, Istio) would refuse about a duration, or undefined. `istio`: also Istio's 1ms floor and precision. */
export function durationProblem(text: string, istio: boolean): string | undefined {
  const nanoseconds = durationNanoseconds(text);
  if (nanoseconds > MAX_NANOSECONDS) return `is longer than ${MAX_DURATION_TEXT}, the longest duration Kubernetes, Flux and Istio can read`;
  if (!istio) return undefined;
  if (nanoseconds < 1_000_000n) return 'is shorter than 1ms, the shortest Istio accepts';
  if (nanoseconds % 1_000_000n !== 0n) return 'is not a whole number of milliseconds, which Istio requires';
  return undefined;
}
