import type { GatewaySpec, Labels, LocalityMode, PortProtocol, TrafficRuleSpec } from './spec.js';

/**
 * The traffic graph: who may call whom, on which ports, routed how. Built once from the spec's
 * `traffic:` rules (phases/3-resolve/traffic-graph.ts), independent of placement; rendering decides
 * from it and the placement which cluster gets which Istio and Calico object (docs/traffic.md).
 */
export interface TrafficGraph {
  /** Sorted by destination app id, then caller, then rule name. */
  readonly edges: readonly TrafficEdge[];
  /** Client-side policy per destination app id (one DestinationRule each), for every destination. */
  readonly policies: ReadonlyMap<string, DestinationPolicy>;
  /** The ingress gateways some rule routes through, sorted by name. */
  readonly gateways: readonly IngressGateway[];
}

/** A caller: an app of the fleet (by id, `namespace/name`) or an ingress gateway (by name). */
export type Caller = { readonly app: string } | { readonly ingress: string };

/** One caller allowed to call one destination, from one rule. */
export interface TrafficEdge {
  readonly caller: Caller;
  /** The destination app's id. */
  readonly to: string;
  /** Names of the destination's ports this edge may use, in the destination's port order. */
  readonly ports: readonly string[];
  /** How the caller's requests are routed: Istio VirtualService routes. */
  readonly routing: Routing;
  /** The rule as written, for diagnostics and file headers. */
  readonly rule: TrafficRuleSpec;
  /** The entry of `rule.from` that named this caller, for diagnostics. */
  readonly fromIndex: number;
}

/** The per-request part of a rule (VirtualService); absent fields are not set. */
export type Routing = Pick<TrafficRuleSpec, 'split' | 'match' | 'retries' | 'timeout' | 'fault' | 'mirror'>;

/**
 * The destination-wide part of the rules to one app (DestinationRule): merged over every rule to
 * it, since a host has one DestinationRule; two rules that set a field differently are an error.
 */
export interface DestinationPolicy {
  readonly tls: 'ISTIO_MUTUAL' | 'DISABLE';
  readonly connectionPool?: TrafficRuleSpec['connectionPool'];
  readonly outlierDetection?: TrafficRuleSpec['outlierDetection'];
  /** True when `outlierDetection` is fleet's default, added because `failover` needs it. */
  readonly defaultOutlierDetection: boolean;
  readonly failover?: TrafficRuleSpec['failover'];
  /** Whether callers prefer nearby endpoints (default `Nearest`); what that renders depends on where the destination runs (istio/locality.ts). */
  readonly locality: LocalityMode;
}

/** An ingress gateway with every default applied. */
export interface IngressGateway {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the gateway pods. */
  readonly selector: Labels;
  /** The gateway pods' service account: their mesh identity. */
  readonly serviceAccount: string;
  readonly hosts: readonly string[];
  readonly port: number;
  readonly tlsSecret?: string;
  /** Clusters that run the gateway (its `clusters` affinity), sorted by name. */
  readonly clusters: readonly string[];
  /** The gateway as written. */
  readonly spec: GatewaySpec;
}

export function callerKey(caller: Caller): string {
  return 'app' in caller ? `app:${caller.app}` : `ingress:${caller.ingress}`;
}

/** Port protocols Istio routes per request (VirtualService `http` routes); the others are routed as TCP connections. */
export const HTTP_PROTOCOLS: readonly PortProtocol[] = ['HTTP', 'HTTP2', 'GRPC'];
