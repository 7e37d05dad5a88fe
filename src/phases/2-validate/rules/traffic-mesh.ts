import type { TrafficRuleSpec } from '../../../model/spec.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * Envoy's gRPC retry conditions (`x-envoy-retry-grpc-on`): a gRPC server reports these as a
 * `grpc-status` in an HTTP 200 response, so HTTP conditions such as `5xx` never match them.
 */
const GRPC_RETRY_ON = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'];

/**
 * Istio's `retryOn` when a rule sets none (istio/api networking/v1alpha3/virtual_service.proto,
 * `HTTPRetry.retry_on`; pilot route/retry/retry.go `defaultRetryOn`). A `retryOn` replaces it whole.
 */
const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';

/**
 * Traffic rules that Istio would accept but that do not do what they say in a multi-primary,
 * multi-network mesh (docs/traffic.md, "Checks"):
 *
 * - `tls: DISABLE` is refused: every app fleet renders runs a sidecar and is named in an
 *   AuthorizationPolicy by its callers' mTLS principals; plaintext carries no principal, so every
 *   call would be denied; a STRICT PeerAuthentication (`mesh.mtls`) refuses plaintext outright; and
 *   Istio drops endpoints on other networks when mTLS is off (pilot xds/endpoints/ep_filters.go,
 *   `EndpointsByNetworkFilter`: "Cross-network traffic relies on mTLS for SNI routing").
 * - A `retryOn` on a rule to a GRPC port that names no gRPC condition: it replaces Istio's default,
 *   which retries `unavailable` and `cancelled`, so gRPC errors are no longer retried (warning).
 * - Retries that cannot fit in the rule's `timeout`: the route timeout bounds every try together
 *   (HTTPRetry.attempts: "the actual number of retries attempted also depends on the specified
 *   request timeout"), so tries beyond it are cut without a word (warning).
 */
export const trafficMesh: Rule = (context) => {
  const { spec, sourceMap, diagnostics } = context;
  const appsByName = new Map(spec.apps.map((a) => [a.name, a]));
  for (const rule of spec.traffic) {
    if (rule.tls === 'DISABLE') {
      diagnostics.error(
        'traffic_tls_disabled',
        `rule \`${rule.name}\` turns mTLS off, but \`${rule.to}\`'s AuthorizationPolicy admits callers by their mTLS identity, which plaintext does not carry, so every call would be denied`,
        sourceMap.valueSpan(rule, 'tls'),
        [
          'remove `tls` (the default is `ISTIO_MUTUAL`): every app fleet renders runs an Istio sidecar, which encrypts and authenticates the call for it',
          "plaintext is also refused by the namespace's STRICT PeerAuthentication (`mesh.mtls`), and cannot cross networks through an east-west gateway",
        ],
      );
    }

    const retries = rule.retries;
    if (!retries || (retries.attempts ?? 0) === 0) continue;
    const destination = appsByName.get(rule.to);
    const grpcPorts = (destination?.ports ?? []).filter((p) => p.protocol === 'GRPC' && (rule.ports?.includes(p.name) ?? true));
    if (retries.retryOn !== undefined && grpcPorts.length > 0 && !retryOnConditions(retries.retryOn).some((c) => GRPC_RETRY_ON.includes(c))) {
      diagnostics.warning(
        'traffic_grpc_retry_on',
        `\`retryOn: ${retries.retryOn}\` replaces Istio's default (\`${ISTIO_DEFAULT_RETRY_ON}\`) and names no gRPC condition, so calls to GRPC port \`${grpcPorts[0].name}\` of \`${rule.to}\` are not retried on gRPC errors (a gRPC server reports them in an HTTP 200 response)`,
        sourceMap.valueSpan(retries, 'retryOn'),
        [`add the gRPC conditions to retry, as Istio's default does: \`retryOn: "${retries.retryOn},unavailable,cancelled"\``],
      );
    }
    checkRetryBudget(rule, retries, context);
  }
};

function checkRetryBudget(rule: TrafficRuleSpec, retries: NonNullable<TrafficRuleSpec['retries']>, { sourceMap, diagnostics }: RuleContext): void {
  if (rule.timeout === undefined || retries.perTryTimeout === undefined) return;
  const timeout = milliseconds(rule.timeout);
  const perTry = milliseconds(retries.perTryTimeout);
  const tries = 1 + (retries.attempts ?? 0);
  // A zero timeout or perTryTimeout turns that timeout off (Envoy route and retry policy): nothing is cut.
  if (timeout <= 0 || perTry <= 0 || tries * perTry <= timeout) return;
  // When every try times out: `full` tries run to their perTryTimeout, one more may be cut short, the rest never start.
  const full = Math.floor(timeout / perTry);
  const cut = timeout % perTry > 0 ? 1 : 0;
  const never = tries - full - cut;
  const outcome = [
    full === 0 ? 'no try runs in full' : `${full} ${full === 1 ? 'try runs' : 'tries run'} in full`,
    ...(cut ? ['the next is cut short'] : []),
    ...(never > 0 ? [`${never} never ${never === 1 ? 'starts' : 'start'}`] : []),
  ];
  const said = outcome.length === 1 ? outcome[0] : `${outcome.slice(0, -1).join(', ')} and ${outcome[outcome.length - 1]}`;
  diagnostics.warning(
    'traffic_retries_exceed_timeout',
    `${tries} tries (1 + ${retries.attempts} attempts) of up to ${retries.perTryTimeout} take up to ${format(tries * perTry)}, longer than the rule's \`timeout: ${rule.timeout}\`, which bounds them all: when every try times out, ${said}`,
    sourceMap.valueSpan(retries, 'perTryTimeout'),
    [`raise \`timeout\` to at least ${format(tries * perTry)}, or lower \`attempts\` or \`perTryTimeout\` so that (1 + attempts) × perTryTimeout ≤ timeout`],
    [{ span: sourceMap.valueSpan(rule, 'timeout')!, label: 'the timeout of all tries together' }],
  );
}

function retryOnConditions(retryOn: string): string[] {
  return retryOn.split(',').map((c) => c.trim());
}

/** A duration as the schema allows it (`500ms`, `2s`, `1.5m`, `1h30m`), in milliseconds. */
function milliseconds(duration: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, value, suffix] of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) total += Number(value) * unit[suffix];
  return total;
}

function format(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
