import type { Construct } from 'constructs';
import { isIP } from 'node:net';
import type { Cluster, PlatformSettings } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { FleetObject } from '../fleet-object.js';
import { ISTIO_NAMESPACE, managedNamespaces, namespaceIs, namespacesIn } from './selectors.js';

/**
 * Calico policy `order` values: lower is evaluated first. Fixed per role, never computed, so a
 * change to one app never reorders another's policies; distinct for policies that select the same
 * pods (Calico's order among equal orders is by name only).
 */
export const ORDER = {
  /** The `fleet-platform` tier, before Kubernetes' `kube-admin` (1,000) and `default` (1,000,000) tiers. */
  platformTier: 100,
  /** In `fleet-platform`: DNS, sidecars to istiod, istiod itself, the east-west gateway. */
  dns: 100,
  istiodClients: 200,
  istiod: 300,
  eastWestGateway: 400,
  /** In `fleet-platform`, from `platform:`: scrapes of managed pods, and their telemetry collectors. */
  monitoring: 500,
  telemetry: 600,
  /** In `default`: the allow-lists of each app... */
  appIngress: 1000,
  appEgress: 1100,
  /** ...and, last, the default deny (it has no rules: what no policy allowed is dropped at the end of the tier). */
  defaultDeny: 10000,
} as const;

export const PLATFORM_TIER = 'fleet-platform';

/** A `selector` for pods with all these labels; none (every pod of the namespaces) for `{}`. */
function podsLabelled(labels: Readonly<Record<string, string>>): { selector?: string } {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? {} : { selector: keys.map((k) => `${k} == '${labels[k]}'`).join(' && ') };
}

/**
 * What every cluster holding fleet namespaces gets (R11), after research/traffic-anchors.md §7.1:
 *
 * - the `fleet-platform` tier (`defaultAction: Pass`): its allows are final, so no app policy can cut
 *   a pod off DNS or istiod; everything else passes on to the `default` tier;
 * - DNS (UDP and TCP 53 to kube-dns) and istiod (TCP 15012, xDS and certificates) for pods in managed
 *   namespaces; istiod's own ingress (15012 from them, 15017 webhooks from the API server, whose
 *   address varies by platform, so from anywhere);
 * - with several networks, the east-west gateway's mTLS port, from anywhere: remote callers arrive
 *   from addresses fleet cannot know (their nodes' NAT), and the port only accepts mesh mTLS;
 * - from `platform:` (defaults in phases/3-resolve/defaults.ts): NodeLocal DNSCache's addresses
 *   (`dns.mode: node-local`; its pods run on the host network, so Calico can only name their
 *   address), scrapes from the monitoring pods on the sidecar's metrics ports, and egress to the
 *   telemetry collectors the spec names;
 * - in a cluster outside the mesh (`mesh: none`), no istiod or east-west gateway policy;
 * - the default deny: every managed namespace, ingress and egress. System namespaces are not managed,
 *   so kube-system, calico-system and istio-system are never isolated by fleet.
 */
export function renderCalicoBaseline(scope: Construct, cluster: Cluster, multiNetwork: boolean, platform: PlatformSettings, labels: Record<string, string>, source: ManifestSource): void {
  const object = (kind: string, name: string, spec: Record<string, unknown>) => new FleetObject(scope, `${kind}/${name}`, { apiVersion: 'projectcalico.org/v3', kind, metadata: { name, labels }, spec }, source);
  const tcp = (ports: number[], peer?: Record<string, unknown>) => ({ action: 'Allow', protocol: 'TCP', destination: { ...peer, ports } });
  const istiod = { namespaceSelector: namespaceIs(ISTIO_NAMESPACE), selector: "app == 'istiod'" };

  object('Tier', PLATFORM_TIER, { order: ORDER.platformTier, defaultAction: 'Pass' });
  const kubeDns = { namespaceSelector: namespaceIs('kube-system'), selector: "k8s-app == 'kube-dns'", ports: [53] };
  const nodeLocal = { nets: platform.dns.nodeLocalAddresses.map((a) => `${a}/${isIP(a) === 6 ? 128 : 32}`), ports: [53] };
  object('GlobalNetworkPolicy', `${PLATFORM_TIER}.dns`, {
    tier: PLATFORM_TIER,
    order: ORDER.dns,
    namespaceSelector: managedNamespaces,
    types: ['Egress'],
    egress: [
      { action: 'Allow', protocol: 'UDP', destination: kubeDns },
      { action: 'Allow', protocol: 'TCP', destination: kubeDns },
      ...(platform.dns.mode === 'node-local'
        ? [
            { action: 'Allow', protocol: 'UDP', destination: nodeLocal },
            { action: 'Allow', protocol: 'TCP', destination: nodeLocal },
          ]
        : []),
    ],
  });
  // Istio's control plane only where Istio runs (`mesh`).
  if (cluster.mesh === 'istio') {
    object('GlobalNetworkPolicy', `${PLATFORM_TIER}.istiod-clients`, {
      tier: PLATFORM_TIER,
      order: ORDER.istiodClients,
      namespaceSelector: managedNamespaces,
      types: ['Egress'],
      egress: [tcp([15012], istiod)],
    });
    object('GlobalNetworkPolicy', `${PLATFORM_TIER}.istiod`, {
      tier: PLATFORM_TIER,
      order: ORDER.istiod,
      ...istiod,
      types: ['Ingress'],
      ingress: [{ ...tcp([15012]), source: { namespaceSelector: managedNamespaces } }, tcp([15017])],
    });
  }
  if (multiNetwork && cluster.eastWestGateway) {
    object('GlobalNetworkPolicy', `${PLATFORM_TIER}.eastwest-gateway`, {
      tier: PLATFORM_TIER,
      order: ORDER.eastWestGateway,
      namespaceSelector: namespaceIs(ISTIO_NAMESPACE),
      selector: "istio == 'eastwestgateway'",
      types: ['Ingress'],
      ingress: [tcp([cluster.eastWestGateway.port])],
    });
  }
  const { monitoring } = platform;
  if (monitoring.ports.length > 0) {
    object('GlobalNetworkPolicy', `${PLATFORM_TIER}.monitoring`, {
      tier: PLATFORM_TIER,
      order: ORDER.monitoring,
      namespaceSelector: managedNamespaces,
      types: ['Ingress'],
      ingress: [{ ...tcp([...monitoring.ports].sort((a, b) => a - b)), source: { namespaceSelector: namespacesIn(monitoring.namespaces), ...podsLabelled(monitoring.podLabels) } }],
    });
  }
  if (platform.telemetry.length > 0) {
    object('GlobalNetworkPolicy', `${PLATFORM_TIER}.telemetry`, {
      tier: PLATFORM_TIER,
      order: ORDER.telemetry,
      namespaceSelector: managedNamespaces,
      types: ['Egress'],
      egress: platform.telemetry.map((c) => ({
        ...tcp(
          [...c.ports].sort((a, b) => a - b),
          { namespaceSelector: namespaceIs(c.namespace), ...podsLabelled(c.podLabels) },
        ),
        metadata: { annotations: { 'fleet.io/collector': c.name } },
      })),
    });
  }
  object('GlobalNetworkPolicy', 'fleet-default-deny', { order: ORDER.defaultDeny, namespaceSelector: managedNamespaces, types: ['Ingress', 'Egress'] });
}
