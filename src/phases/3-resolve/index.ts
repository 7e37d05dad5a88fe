import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { App, Cluster, FluxSettings, MeshSettings, PlatformSettings, ResolvedFleet } from '../../model/fleet.js';
import type { AppSpec, ClusterSpec, EnvMap, FleetSpec, FluxSpec, MeshSpec, PlacementRuleSpec, PlatformSpec } from '../../model/spec.js';
import type { SourceMap } from '../1-load/index.js';
import { DEFAULTS } from './defaults.js';
import { parseQuantity } from './quantity.js';
import { appMatches, specificity } from './selectors.js';
import { resolveWorkload } from './workload.js';

export { DEFAULTS } from './defaults.js';
export { affinityMatches, affinityMismatch, appMatches, clusterAttribute, formatLabels } from './selectors.js';
export { parseQuantity } from './quantity.js';
export { buildTrafficGraph, canonical } from './traffic-graph.js';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Phase 3: defaults applied, every app bound to the placement rule that governs it.
 * Input order never matters: clusters and apps come out sorted.
 */
export function resolve(spec: FleetSpec, sourceMap: SourceMap, diagnostics: DiagnosticBag): ResolvedFleet {
  const mesh = resolveMesh(spec.mesh);
  const platform = resolvePlatform(spec.platform);
  const clusters = spec.clusters.map((c) => resolveCluster(c, mesh, platform)).sort(byName);
  const rules = [...spec.placement].sort(byPrecedence);
  const apps: App[] = [];
  for (const appSpec of spec.apps) {
    const partial = resolveApp(appSpec);
    const matching = rules.filter((rule) => appMatches(partial, rule.apps));
    if (matching.length === 0) {
      diagnostics.error('placement_no_rule', `app \`${partial.name}\` is selected by no placement rule, so fleet does not know where to run it`, sourceMap.valueSpan(appSpec, 'name'), [
        `add a placement rule with \`apps: { names: [${partial.name}] }\`, or give the app labels an existing rule selects`,
      ]);
      continue;
    }
    const [winner, runnerUp] = matching;
    if (runnerUp && equalPrecedence(winner, runnerUp)) {
      // Only the names told the two apart: the spec does not say which rule the author meant.
      diagnostics.warning(
        'placement_ambiguous_rules',
        `app \`${partial.name}\` is selected by rules \`${winner.name}\` and \`${runnerUp.name}\` with the same priority and an equally specific selector; \`${winner.name}\` wins only because its name sorts first`,
        sourceMap.valueSpan(runnerUp, 'apps'),
        [`give the rule you mean a higher \`priority\`, or narrow the other rule's \`apps\` selector`],
        [{ span: sourceMap.valueSpan(winner, 'apps')!, label: `rule \`${winner.name}\` selects it here` }],
      );
    }
    apps.push({ ...partial, placementRule: winner, shadowedRules: matching.slice(1).map((r) => r.name) });
  }
  apps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { name: spec.metadata.name, clusters, apps, overrides: spec.overrides, gateways: spec.gateways, traffic: spec.traffic, flux: spec.flux && resolveFlux(spec.flux), mesh, platform };
}

function resolveMesh(spec: MeshSpec | undefined): MeshSettings {
  return { mtls: spec?.mtls ?? DEFAULTS.mtls, revision: spec?.revision, provider: spec?.provider ?? DEFAULTS.meshProvider, spec };
}

function resolvePlatform(spec: PlatformSpec | undefined): PlatformSettings {
  const defaults = DEFAULTS.platform;
  const monitoring = spec?.monitoring;
  return {
    dns: { mode: spec?.dns?.mode ?? defaults.dns.mode, nodeLocalAddresses: spec?.dns?.nodeLocalAddresses ?? defaults.dns.nodeLocalAddresses },
    monitoring: { namespaces: monitoring?.namespaces ?? defaults.monitoring.namespaces, podLabels: monitoring?.podLabels ?? defaults.monitoring.podLabels, ports: monitoring?.ports ?? defaults.monitoring.ports },
    telemetry: [...(spec?.telemetry ?? [])].sort(byName),
    networkPolicy: spec?.networkPolicy ?? DEFAULTS.networkPolicy,
    spec,
  };
}

function resolveFlux(spec: FluxSpec): FluxSettings {
  const defaults = DEFAULTS.flux;
  return {
    name: spec.name ?? defaults.name,
    path: spec.path ?? defaults.path,
    interval: spec.interval ?? defaults.interval,
    sourceRef: { kind: spec.sourceRef?.kind ?? defaults.sourceRef.kind, name: spec.sourceRef?.name ?? defaults.sourceRef.name },
    dependsOn: { istio: spec.dependsOn?.istio ?? defaults.dependsOn.istio, calico: spec.dependsOn?.calico ?? defaults.dependsOn.calico },
    spec,
  };
}

/** Rule precedence: higher priority, then the more specific app selector, then rule name. */
function byPrecedence(a: PlacementRuleSpec, b: PlacementRuleSpec): number {
  return (b.priority ?? DEFAULTS.priority) - (a.priority ?? DEFAULTS.priority) || specificity(b.apps) - specificity(a.apps) || byName(a, b);
}

/**
 * Whether only the rule names can order two rules (docs/placement.md): the same priority and an
 * equally specific app selector. Rules that differ in either are ordered by the spec, not by chance.
 */
function equalPrecedence(a: PlacementRuleSpec, b: PlacementRuleSpec): boolean {
  return (a.priority ?? DEFAULTS.priority) === (b.priority ?? DEFAULTS.priority) && specificity(a.apps) === specificity(b.apps);
}

function resolveCluster(spec: ClusterSpec, mesh: MeshSettings, platform: PlatformSettings): Cluster {
  const capacity = spec.capacity ?? {};
  return {
    name: spec.name,
    region: spec.region,
    zone: spec.zone,
    provider: spec.provider,
    network: spec.network,
    podCIDRs: spec.podCIDRs ?? [],
    eastWestGateway: spec.eastWestGateway && { addresses: spec.eastWestGateway.addresses, port: spec.eastWestGateway.port ?? DEFAULTS.eastWestGatewayPort },
    labels: { ...spec.labels },
    taints: spec.taints ?? [],
    capacity: {
      cpu: capacity.cpu === undefined ? undefined : parseQuantity(capacity.cpu),
      memory: capacity.memory === undefined ? undefined : parseQuantity(capacity.memory),
      pods: capacity.pods,
    },
    mesh: spec.mesh ?? mesh.provider,
    networkPolicy: spec.networkPolicy ?? platform.networkPolicy,
    spec,
  };
}

function resolveApp(spec: AppSpec): Omit<App, 'placementRule' | 'shadowedRules'> {
  const namespace = spec.namespace ?? DEFAULTS.namespace(spec.name);
  const image = spec.image ?? spec.versions?.[0]?.image ?? '';
  return {
    name: spec.name,
    namespace,
    id: `${namespace}/${spec.name}`,
    labels: { ...spec.labels },
    annotations: { ...spec.annotations },
    image,
    command: spec.command,
    args: spec.args,
    replicas: spec.replicas ?? DEFAULTS.replicas,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? DEFAULTS.portProtocol })),
    resources: { requests: stringValues(spec.resources?.requests), limits: stringValues(spec.resources?.limits) },
    env: envEntries(spec.env),
    versions: (spec.versions ?? []).map((v) => ({ name: v.name, image: v.image ?? image, env: envEntries(v.env), replicas: v.replicas })),
    stateful: spec.stateful ?? false,
    allowMoveFrom: spec.allowMoveFrom ?? [],
    manifests: [],
    workload: resolveWorkload(spec),
    spec,
  };
}

export function envEntries(env: EnvMap | undefined): [string, string][] {
  return Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]);
}

function stringValues(map: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, String(v)]));
}
