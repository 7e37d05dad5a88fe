import fc from 'fast-check';
import { toYaml } from '../../../src/phases/6-emit/yaml.js';

/**
 * Random valid fleets shaped for the mesh model: one to three networks (or none), each cluster with
 * pod CIDRs and, on some networks, an east-west gateway (in most of their clusters); apps with one or two ports and sometimes a
 * stable/canary split, placed everywhere or pinned to some of the clusters; traffic rules between random apps (some by selector), some from an ingress
 * gateway; locality failover and outlier detection now and then.
 */
const REGIONS = ['us-east1', 'europe-west1', 'asia-southeast1'];

export const meshFleetSpecs = fc
  .record({
    clusterCount: fc.integer({ min: 1, max: 5 }),
    appCount: fc.integer({ min: 2, max: 6 }),
    bits: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 96, maxLength: 96 }),
  })
  .map(({ clusterCount, appCount, bits }) => {
    let i = 0;
    const pick = <T>(choices: readonly T[]): T => choices[bits[i++ % bits.length] % choices.length];
    const chance = (percent: number) => bits[i++ % bits.length] % 100 < percent;
    const networks = pick([[], ['net-a'], ['net-a', 'net-b'], ['net-a', 'net-b', 'net-c']]);
    const gatewayless = networks.length > 1 && chance(20) ? pick(networks) : undefined;
    const clusters = Array.from({ length: clusterCount }, (_, c) => {
      const network = networks.length > 0 ? pick(networks) : undefined;
      return {
        name: `c-${c}`,
        region: pick(REGIONS),
        ...(network ? { network } : {}),
        podCIDRs: [`10.${c}.0.0/16`],
        // Not every cluster of a network runs its gateway: the others' pods are reached through it.
        ...(network && network !== gatewayless && chance(70) ? { eastWestGateway: { addresses: [`203.0.113.${c + 1}`] } } : {}),
        labels: { env: 'prod' },
      };
    });
    const apps = Array.from({ length: appCount }, (_, a) => ({
      name: `app-${a}`,
      namespace: pick(['ns-a', 'ns-b']),
      labels: { tier: pick(['web', 'api']) },
      image: `registry.example.com/app-${a}:1.0.0`,
      replicas: pick([2, 3, 6]),
      ports: [{ name: 'http', port: 8080 }, ...(chance(30) ? [{ name: 'grpc', port: 9090, protocol: 'GRPC' }] : [])],
      ...(chance(30) ? { versions: [{ name: 'stable' }, { name: 'canary', replicas: 1 }] } : {}),
    }));
    // Some apps pinned to some of the clusters: apps absent from clusters that run a gateway or callers.
    const pinned = apps
      .filter(() => chance(35))
      .map((app) => {
        const names = clusters.filter(() => chance(50)).map((c) => c.name);
        return { name: `pin-${app.name}`, priority: 1, apps: { names: [app.name] }, clusters: { names: names.length > 0 ? names : [pick(clusters).name] } };
      });
    const placement = [{ name: 'spread', apps: {}, replicas: pick([{ strategy: 'Duplicated' }, { strategy: 'Divided' }]) }, ...pinned];
    const gateways = chance(40) ? [{ name: 'public', hosts: ['shop.example.com'] }] : [];
    const traffic = apps.flatMap((to, _t) => {
      if (!chance(70)) return [];
      const callers = apps.filter((a) => a.name !== to.name);
      const from = chance(20) ? [{ apps: { matchLabels: { tier: pick(['web', 'api']) } } }] : [pick(callers).name];
      const split = to.versions && chance(70) ? { split: { stable: 90, canary: 10 } } : {};
      const used = [...new Set(clusters.map((c) => c.region))];
      const failover = used.length > 1 && chance(20) ? { failover: [{ from: used[0], to: used[1] }] } : {};
      const rule = { name: `to-${to.name}`, from, to: to.name, ...split, ...(failover.failover && failover.failover[0].from !== failover.failover[0].to ? failover : {}) };
      return [rule];
    });
    const ingress = gateways.length > 0 ? [{ name: 'internet', from: [{ ingress: 'public' }], to: apps[0].name, ports: ['http'] }] : [];
    return toYaml({ apiVersion: 'fleet/v1alpha1', kind: 'Fleet', metadata: { name: 'mesh' }, clusters, apps, placement, gateways, traffic: [...traffic, ...ingress] });
  });
