import fc from 'fast-check';
import { toYaml } from '../../src/phases/6-emit/yaml.js';

/**
 * Random fleet specs that are valid by construction (every app matched by a catch-all rule,
 * references resolve, split weights sum to 100) but otherwise varied: clusters with and without
 * topology, taints, capacity, some outside the mesh or on other network policy; an ingress gateway
 * now and then; apps with versions, ports, requests, the production workload fields
 * (probes, security, config, volumes, disruption budgets, autoscaling, storage); every replica
 * strategy; overrides of image, replicas, env and annotations.
 * Placement may still be infeasible (tainted or full clusters): that must be a located error.
 */
const REGIONS = ['us-east1', 'europe-west1', 'asia-southeast1'];

export const fleetSpecs = fc
  .record({
    clusterCount: fc.integer({ min: 1, max: 6 }),
    appCount: fc.integer({ min: 1, max: 6 }),
    seedBits: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 64, maxLength: 64 }),
  })
  .map(({ clusterCount, appCount, seedBits }) => {
    let i = 0;
    const pick = <T>(choices: readonly T[]): T => choices[seedBits[i++ % seedBits.length] % choices.length];
    const chance = (percent: number) => seedBits[i++ % seedBits.length] % 100 < percent;

    const clusters = Array.from({ length: clusterCount }, (_, c) => ({
      name: `c-${c}`,
      ...(chance(80) ? { region: pick(REGIONS) } : {}),
      ...(chance(50) ? { zone: `z-${c % 2}` } : {}),
      ...(chance(50) ? { network: pick(['net-a', 'net-b']) } : {}),
      ...(chance(40) ? { podCIDRs: [`10.${c}.0.0/16`] } : {}),
      labels: { env: pick(['prod', 'prod', 'dev']), tier: pick(['gold', 'silver']) },
      ...(chance(25) ? { taints: [{ key: 'maintenance', value: 'true', effect: pick(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }] } : {}),
      ...(chance(60) ? { capacity: { cpu: String(pick([2, 8, 32])), memory: `${pick([4, 16, 64])}Gi`, pods: pick([10, 100, 1000]) } } : {}),
      // Now and then a cluster outside the mesh, or on other network policy (docs/spec.md "Mesh and network policy per cluster").
      ...(chance(8) ? { mesh: 'none' } : {}),
      ...(chance(12) ? { networkPolicy: pick(['kubernetes', 'none']) } : {}),
    }));

    const apps = Array.from({ length: appCount }, (_, a) => {
      const versions = chance(30) ? [{ name: 'stable' }, { name: 'canary', image: `registry.example.com/app-${a}:2.0.0-rc.1` }] : undefined;
      const ports = chance(80) ? [{ name: 'http', port: 8080 }, ...(chance(30) ? [{ name: 'grpc', port: 9090, protocol: 'GRPC' }] : [])] : undefined;
      const resources = chance(60) ? { requests: { cpu: pick(['100m', '500m', '2']), memory: pick(['128Mi', '1Gi']) } } : undefined;
      return {
        name: `app-${a}`,
        namespace: pick(['ns-a', 'ns-b', `app-${a}`]),
        labels: { tier: pick(['web', 'api', 'data']) },
        image: `registry.example.com/app-${a}:1.${a}.0`,
        replicas: pick([0, 1, 2, 3, 5, 8, 13]),
        ...(ports ? { ports } : {}),
        ...(resources ? { resources } : {}),
        ...(chance(30) ? { env: { LOG_LEVEL: pick(['info', 'debug']), ENABLED: pick([true, 'yes', 'on']) } } : {}),
        ...(versions ? { versions } : {}),
        ...(chance(15) ? { stateful: true, ...(chance(60) ? { storage: [{ name: 'data', size: '1Gi', mountPath: '/data' }] } : {}), ...(chance(40) ? { replication: 'external' } : {}) } : {}),
        ...productionFields(a, ports !== undefined, resources !== undefined, chance, pick),
      };
    });

    const strategies = [
      { strategy: 'Duplicated' },
      { strategy: 'Divided' },
      {
        strategy: 'Divided',
        weights: [
          { clusters: { matchLabels: { tier: 'gold' } }, weight: 3 },
          { clusters: {}, weight: 1 },
        ],
      },
      { strategy: 'Divided', dynamic: 'AvailableReplicas' },
      { strategy: 'Aggregated' },
      { strategy: 'Divided', min: 1 },
      { strategy: 'Divided', max: 4 },
    ];
    const placement = [
      { name: 'catch-all', apps: {}, replicas: pick(strategies), ...(chance(30) ? { tolerations: [{ key: 'maintenance', operator: 'Exists' }] } : {}) },
      ...(chance(60)
        ? [
            {
              name: 'tiered',
              priority: 5,
              apps: { matchLabels: { tier: pick(['web', 'api', 'data']) } },
              clusters: chance(50) ? { matchLabels: { env: 'prod' } } : { matchExpressions: [{ key: 'region', operator: 'In', values: [pick(REGIONS)] }] },
              ...(chance(40) ? { fallback: [{ clusters: {} }] } : {}),
              ...(chance(30) ? { spread: [{ by: pick(['region', 'cluster', 'zone']), minGroups: 1, maxGroups: pick([1, 2, 3]) }] } : {}),
              replicas: pick(strategies),
            },
          ]
        : []),
    ];

    const served = apps.filter((a) => a.ports);
    const traffic = served.flatMap((to, t) =>
      chance(60)
        ? [
            {
              name: `to-${to.name}`,
              from: [pick(apps).name],
              to: to.name,
              ...(to.versions && chance(70) ? { split: { stable: 90, canary: 10 } } : {}),
              ...(chance(40) ? { retries: { attempts: 2, perTryTimeout: '1s' } } : {}),
              ...(chance(40) ? { timeout: `${t + 1}s` } : {}),
            },
          ]
        : [],
    );

    const overrides = chance(50)
      ? [
          {
            name: 'regional',
            apps: chance(50) ? {} : { matchLabels: { tier: pick(['web', 'api', 'data']) } },
            clusters: { matchLabels: { tier: pick(['gold', 'silver']) } },
            ...(chance(50) ? { image: chance(50) ? { registry: 'mirror.example.com/acme' } : { tag: '9.9.9' } } : {}),
            ...(chance(50) ? { replicas: pick([0, 1, 4, 7]) } : {}),
            ...(chance(40) ? { env: { REGION: 'x', LOG_LEVEL: 'warn' } } : {}),
            ...(chance(30) ? { annotations: { 'example.com/restart': 'yes' } } : {}),
          },
        ]
      : [];

    // Now and then an ingress gateway in some clusters, routing to one app.
    const entry = served.length > 0 && chance(30) ? pick(served) : undefined;
    const gateways = entry ? [{ name: 'public', hosts: ['shop.example.com'], ...(chance(50) ? { clusters: { names: clusters.filter((_, c) => c % 2 === 0).map((c) => c.name) } } : {}) }] : [];
    const ingress = entry ? [{ name: 'internet', from: [{ ingress: 'public' }], to: entry.name }] : [];
    return toYaml({ apiVersion: 'fleet/v1alpha1', kind: 'Fleet', metadata: { name: 'fuzz' }, clusters, apps, placement, overrides, gateways, traffic: [...traffic, ...ingress] });
  });

/** Some of the production workload fields (docs/spec.md "Production workloads"), each valid on its own and together. */
function productionFields(a: number, hasPorts: boolean, hasRequests: boolean, chance: (percent: number) => boolean, pick: <T>(choices: readonly T[]) => T): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (hasPorts && chance(30)) {
    fields.probes = {
      readiness: { http: { path: '/ready', port: 'http' }, periodSeconds: 5 },
      ...(chance(50) ? { liveness: { tcp: { port: 'http' }, initialDelaySeconds: 10 } } : {}),
      ...(chance(30) ? { startup: { exec: ['true'], failureThreshold: 30 } } : {}),
    };
  }
  if (chance(25)) {
    fields.securityProfile = 'restricted';
    if (chance(50)) fields.securityContext = { pod: { runAsUser: 1000 }, container: { readOnlyRootFilesystem: true } };
  }
  if (chance(20)) fields.configFrom = [{ configMap: `app-${a}-config` }, ...(chance(50) ? [{ secret: `app-${a}-secret`, optional: true }] : [])];
  if (chance(20)) fields.volumes = [{ name: 'tmp', emptyDir: {}, mountPath: '/tmp' }, ...(chance(50) ? [{ name: 'cfg', configMap: `app-${a}-config`, mountPath: '/etc/app', readOnly: true }] : [])];
  if (chance(15)) fields.imagePullSecrets = ['regcred'];
  if (chance(15)) fields.serviceAccount = { annotations: { 'iam.gke.io/gcp-service-account': `app-${a}@acme.iam.gserviceaccount.com` } };
  if (chance(20)) fields.spreadWithinCluster = pick(['zone', 'hostname']);
  if (chance(15)) fields.terminationGracePeriodSeconds = 45;
  if (chance(20)) fields.disruption = pick([{ maxUnavailable: 1 }, { minAvailable: '50%' }, { minAvailable: 2 }, { maxUnavailable: '25%' }]);
  if (hasRequests && chance(25)) fields.autoscaling = { min: pick([1, 2, 6]), max: pick([10, 30]), cpu: 70 };
  return fields;
}
