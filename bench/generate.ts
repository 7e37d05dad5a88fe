import type { AppSpec, ClusterSpec, FleetSpec, GatewaySpec, OverrideSpec, PlacementRuleSpec, TrafficRuleSpec, TrafficSource } from '../src/model/spec.js';

/**
 * A deterministic, realistic fleet of any size for benchmarks: the same (clusters, apps, seed)
 * always gives the same spec.
 *
 * Shape: four geographies of one to three regions each; clusters round-robin over them, with
 * env/edge/pool labels, capacity, and every tenth cluster tainted (maintenance: NoSchedule, unless
 * it is its geography's last, or capacity: PreferNoSchedule). A fleet of fewer than four clusters
 * uses as many geographies as it has clusters. Apps are spread over the geographies and four tiers, and each
 * (tier, geography) pair has its own placement rule, so every replica strategy runs:
 *   frontend  Duplicated on the geography's prod edge clusters (a quarter of them)
 *   backend   Divided by static weights (pool general 2, highmem 1), spread by zone
 *   worker    Divided by AvailableReplicas (capacity), tolerating the capacity taint
 *   data      Aggregated on highmem prod clusters, stateful, falling back to the whole geography
 * Half the frontends (one app in ten) have a stable and a canary version. Every app gets one
 * traffic rule: from one to `callers` (3) apps of its geography, or for a frontend from its own
 * ingress gateway (a gateway routes to one destination). Versioned apps add a split, a header
 * match, retries, a timeout, outlier detection and, where the geography has two regions, locality
 * failover. One override per geography rewrites the image registry and sets REGION. The spec
 * compiles without a diagnostic at every size.
 */
export interface FleetSize {
  readonly clusters: number;
  readonly apps: number;
  /** Most callers per traffic rule (each rule gets 1 to this many); 3 unless given. */
  readonly callers?: number;
}

const GEOS = [
  { geo: 'na', regions: ['us-east1', 'us-west2', 'us-central1'], provider: 'gcp' },
  { geo: 'eu', regions: ['europe-west1', 'europe-west4', 'europe-north1'], provider: 'gcp' },
  { geo: 'apac', regions: ['asia-southeast1', 'asia-northeast1'], provider: 'aws' },
  { geo: 'sa', regions: ['southamerica-east1'], provider: 'azure' },
] as const;

const TIERS = ['frontend', 'backend', 'backend', 'backend', 'worker', 'worker', 'data', 'backend', 'frontend', 'worker'] as const;
type Tier = (typeof TIERS)[number];

const WORDS = ['web', 'cart', 'catalog', 'search', 'orders', 'payments', 'ledger', 'users', 'auth', 'inventory', 'pricing', 'reviews', 'mailer', 'images', 'reports', 'billing'];

/** mulberry32: a tiny seeded PRNG, good enough to vary a benchmark deterministically. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateFleet({ clusters: clusterCount, apps: appCount, callers = 3 }: FleetSize, seed = 1): FleetSpec {
  const rand = random(seed);
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];

  const clusters: ClusterSpec[] = [];
  for (let i = 0; i < clusterCount; i++) {
    const g = GEOS[i % GEOS.length];
    const n = Math.floor(i / GEOS.length);
    const region = g.regions[n % g.regions.length];
    clusters.push({
      name: `${g.geo}-${String(i).padStart(3, '0')}`,
      region,
      zone: `${region}-${'abc'[n % 3]}`,
      provider: g.provider,
      network: `net-${g.geo}`,
      podCIDRs: [`10.${Math.floor(i / 16)}.${(i % 16) * 16}.0/20`],
      eastWestGateway: { addresses: [`198.18.${Math.floor(i / 256)}.${i % 256}`] },
      labels: { env: n % 10 === 9 ? 'staging' : 'prod', geo: g.geo, edge: n % 4 === 0 ? 'true' : 'false', pool: n % 3 === 2 ? 'highmem' : 'general' },
      // Never the last cluster of its geography: the geography keeps a cluster its apps can run on.
      ...(i % 10 === 3 && i + GEOS.length < clusterCount ? { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } : {}),
      ...(i % 10 === 5 ? { taints: [{ key: 'capacity', value: 'constrained', effect: 'PreferNoSchedule' }] } : {}),
      capacity: { cpu: String(int(64, 192)), memory: `${int(256, 768)}Gi`, pods: int(800, 2000) },
    });
  }

  const apps: AppSpec[] = [];
  const tierOf = new Map<string, Tier>();
  const geoOf = new Map<string, string>();
  const teams = Math.max(1, Math.round(appCount / 12));
  // Apps live in the geographies that have clusters (all four from four clusters on).
  const geos = GEOS.slice(0, Math.max(1, Math.min(GEOS.length, clusterCount)));
  for (let i = 0; i < appCount; i++) {
    const geo = geos[i % geos.length].geo;
    const tier = TIERS[Math.floor(i / geos.length) % TIERS.length];
    const team = `team-${String(int(0, teams - 1)).padStart(3, '0')}`;
    const name = `${WORDS[i % WORDS.length]}-${i}`;
    const image = `ghcr.io/acme/${name}:${int(1, 9)}.${int(0, 20)}.${int(0, 9)}`;
    // Frontends run on every edge cluster of their geography with 2 to 4 replicas, so both versions have replicas everywhere.
    const versioned = tier === 'frontend' && Math.floor(i / geos.length) % TIERS.length === 0;
    const port = tier === 'data' ? { name: 'postgres', port: 5432, protocol: 'TCP' as const } : tier === 'backend' && i % 3 === 0 ? { name: 'grpc', port: 9090, protocol: 'GRPC' as const } : { name: 'http', port: 8080 };
    apps.push({
      name,
      namespace: team,
      labels: { tier, geo, team },
      ...(i % 5 === 0 ? { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' } } : {}),
      image,
      replicas: tier === 'frontend' ? int(2, 4) : tier === 'data' ? 3 : int(4, 16),
      ports: [port, ...(tier !== 'data' && i % 4 === 0 ? [{ name: 'metrics', port: 9102 }] : [])],
      resources: { requests: { cpu: `${pick([100, 250, 500, 1000])}m`, memory: `${pick([128, 256, 512, 1024])}Mi` }, limits: { memory: `${pick([512, 1024, 2048])}Mi` } },
      env: { LOG_LEVEL: pick(['info', 'debug', 'warn']), ...(i % 3 === 0 ? { FEATURE_FLAGS: 'on', WORKERS: int(1, 8) } : {}) },
      ...(versioned
        ? {
            versions: [
              { name: 'stable', image },
              { name: 'canary', image: image.replace(/:.*/, `:${int(10, 12)}.0.0-rc1`) },
            ],
          }
        : {}),
      ...(tier === 'data' ? { stateful: true } : {}),
    });
    tierOf.set(name, tier);
    geoOf.set(name, geo);
  }

  const placement = geos.flatMap(({ geo }): PlacementRuleSpec[] => [
    {
      name: `frontend-${geo}`,
      apps: { matchLabels: { tier: 'frontend', geo } },
      clusters: { matchLabels: { geo, env: 'prod', edge: 'true' } },
      fallback: [{ clusters: { matchLabels: { geo } } }],
      replicas: { strategy: 'Duplicated' },
    },
    {
      name: `backend-${geo}`,
      apps: { matchLabels: { tier: 'backend', geo } },
      clusters: { matchLabels: { geo }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      fallback: [{ clusters: { matchLabels: { geo } } }],
      spread: [{ by: 'zone' }],
      replicas: {
        strategy: 'Divided',
        weights: [
          { clusters: { matchLabels: { pool: 'general' } }, weight: 2 },
          { clusters: { matchLabels: { pool: 'highmem' } }, weight: 1 },
        ],
      },
    },
    {
      name: `worker-${geo}`,
      apps: { matchLabels: { tier: 'worker', geo } },
      clusters: { matchLabels: { geo } },
      tolerations: [{ key: 'capacity', operator: 'Exists' }],
      replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' },
    },
    {
      name: `data-${geo}`,
      apps: { matchLabels: { tier: 'data', geo } },
      clusters: { matchLabels: { geo, env: 'prod', pool: 'highmem' } },
      fallback: [{ clusters: { matchLabels: { geo } } }],
      replicas: { strategy: 'Aggregated' },
    },
  ]);

  const overrides: OverrideSpec[] = geos.map(({ geo }) => ({
    name: `registry-${geo}`,
    apps: { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['data'] }] },
    clusters: { matchLabels: { geo } },
    image: { registry: `${geo}-docker.pkg.dev/acme` },
    env: { REGION: geo },
  }));

  // An ingress gateway routes to one destination: each frontend is public under its own host.
  const gateways: GatewaySpec[] = apps
    .filter((app) => tierOf.get(app.name) === 'frontend')
    .map((app) => ({
      name: `public-${app.name}`,
      hosts: [`${app.name}.${geoOf.get(app.name)}.shop.example.com`],
      clusters: { matchLabels: { geo: geoOf.get(app.name)!, edge: 'true' } },
      tlsSecret: `${app.name}-tls`,
    }));

  const appsByGeo = new Map<string, AppSpec[]>(GEOS.map((g) => [g.geo, []]));
  for (const app of apps) appsByGeo.get(geoOf.get(app.name)!)!.push(app);
  const regionsByGeo = new Map<string, string[]>(GEOS.map((g) => [g.geo, g.regions.filter((r) => clusters.some((c) => c.region === r))]));
  const traffic: TrafficRuleSpec[] = [];
  for (const app of apps) {
    const geo = geoOf.get(app.name)!;
    const neighbours = appsByGeo.get(geo)!.filter((a) => a !== app);
    const ingress = tierOf.get(app.name) === 'frontend';
    const callerNames = ingress || neighbours.length === 0 ? [] : [...new Set(Array.from({ length: int(1, callers) }, () => pick(neighbours).name))].sort();
    if (!ingress && callerNames.length === 0) continue;
    const from: TrafficSource[] = ingress ? [{ ingress: `public-${app.name}` }] : [...callerNames, ...(app.labels!.team.endsWith('7') ? [{ apps: { matchLabels: { team: app.labels!.team } } }] : [])];
    const rule: TrafficRuleSpec = { name: `to-${app.name}`, from, to: app.name, ports: [app.ports![0].name] };
    if (app.versions) {
      const regions = regionsByGeo.get(geo)!;
      Object.assign(rule, {
        split: { stable: 90, canary: 10 },
        match: [{ headers: { 'x-canary': { exact: '1' } }, version: 'canary' }],
        retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx,unavailable,cancelled' },
        timeout: '5s',
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' },
        ...(regions.length > 1 ? { failover: [{ from: regions[0], to: regions[1] }] } : {}),
      });
    } else if (rand() < 0.3 && app.ports![0].protocol !== 'TCP') {
      rule.timeout = `${int(1, 10)}s`;
    }
    traffic.push(rule);
  }

  return { apiVersion: 'fleet/v1alpha1', kind: 'Fleet', metadata: { name: 'bench' }, clusters, apps, placement, overrides, gateways, traffic };
}

/** The same fleet with one app's image tag bumped: the smallest realistic change. */
export function changeOneApp(spec: FleetSpec): FleetSpec {
  const index = spec.apps.findIndex((app, i) => i >= spec.apps.length / 2 && !app.versions);
  if (index < 0) throw new Error('the fleet is too small for a one-app change: every app of the second half of its apps is versioned (give it more apps)');
  const apps = spec.apps.map((app, i) => (i === index ? { ...app, image: app.image!.replace(/:.*/, ':99.0.0') } : app));
  return { ...spec, apps };
}

/**
 * The same fleet with one more caller on one traffic rule (an app of the rule's geography that did
 * not call it yet): the policy both sides of the call render change wherever the two apps run.
 */
export function changeOneTrafficRule(spec: FleetSpec): FleetSpec {
  const geoOf = new Map(spec.apps.map((app) => [app.name, app.labels?.geo]));
  const index = spec.traffic.findIndex((rule, i) => i >= spec.traffic.length / 2 && rule.from.every((source) => typeof source === 'string'));
  if (index < 0) throw new Error(`the fleet is too small for a traffic-rule change: none of the second half of its ${spec.traffic.length} traffic rule(s) has only apps as callers (give it more apps)`);
  const rule = spec.traffic[index];
  const caller = spec.apps.find((app) => app.name !== rule.to && geoOf.get(app.name) === geoOf.get(rule.to) && !rule.from.includes(app.name));
  if (!caller) throw new Error(`the fleet is too small for a traffic-rule change: no app of ${rule.to}'s geography is left to call it (give it more apps)`);
  const traffic = spec.traffic.map((r, i) => (i === index ? { ...r, from: [...(r.from as string[]), caller.name].sort() } : r));
  return { ...spec, traffic };
}

/**
 * The fleet plus one app that runs in every cluster (a node agent, Duplicated, tolerating the
 * taints; called by nothing), with image tag `tag`: the largest one-app change, which touches every
 * cluster. Bench it as two specs, one per tag.
 */
export function withFleetWideApp(spec: FleetSpec, tag: string): FleetSpec {
  const agent = { name: 'node-agent', namespace: 'platform', image: `registry.example.com/node-agent:${tag}`, replicas: 2, labels: { tier: 'agent' }, ports: [{ name: 'http', port: 8080 }], callers: 'none' as const };
  const everywhere = {
    name: 'agent-everywhere',
    apps: { matchLabels: { tier: 'agent' } },
    clusters: {},
    tolerations: [{ key: 'maintenance', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
    replicas: { strategy: 'Duplicated' as const },
  };
  return { ...spec, apps: [...spec.apps, agent], placement: [...spec.placement, everywhere] };
}
