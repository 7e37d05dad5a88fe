import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeshModel } from '../../../src/mesh/model.js';
import type { KubeObject } from '../../../src/model/manifest.js';
import { serviceOf, serviceOfApp } from '../../../src/mesh/istio-routing.js';
import { appCallers, callOutcome, ingressCallers, PacketClasses, summarizeCall, traceCall } from '../../../src/mesh/trace.js';
import { MeshDefectError } from '../../../src/mesh/report.js';
import { compileText } from '../../helpers/spec.js';
import { calico, deployment, folder, model, ns, service } from './helpers.js';
import { meshFleetSpecs } from './mesh-fleets.js';

/**
 * The check reads a call three ways (src/mesh/check.ts): summarizeCall for every declared call (the
 * (gateway, pod) pairs through east-west gateways folded), callOutcome endpoint by endpoint for
 * the undeclared sample, traceCall hop by hop for what it reports. On random mesh fleets, every
 * call from every caller to every app and port must get the same verdicts all three ways.
 */
function everyCall(model: MeshModel, gateways: readonly string[]) {
  const apps = new Map<string, { namespace: string; name: string }>();
  for (const view of model.clusters.values()) for (const w of view.workloads) if (w.labels.app) apps.set(`${w.namespace}/${w.labels.app}`, { namespace: w.namespace, name: w.labels.app });
  const callers = [...[...apps.values()].flatMap((a) => appCallers(model, a.namespace, a.name)), ...gateways.flatMap((g) => ingressCallers(model, g))];
  return [...apps.values()].flatMap((to) => {
    const service = serviceOfApp(model, to.namespace, to.name);
    return service ? callers.flatMap((caller) => service.ports.map((port) => ({ caller, service, port }))) : [];
  });
}

function modelOf(text: string): { model: MeshModel; gateways: string[] } | undefined {
  try {
    const result = compileText(text, { keepMeshModel: true });
    return result.mesh && { model: result.mesh.model, gateways: result.fleet!.gateways.map((g) => g.name) };
  } catch (error) {
    // A renderer defect: the model is not returned, and what the check found is another test's (properties.test.ts).
    if (error instanceof MeshDefectError) return undefined;
    throw error;
  }
}

describe('a call read in brief, endpoint by endpoint and hop by hop', () => {
  it('gives the same verdicts and the same packet classes', () => {
    let calls = 0;
    fc.assert(
      fc.property(meshFleetSpecs, (text) => {
        const built = modelOf(text);
        if (!built) return;
        for (const { caller, service, port } of everyCall(built.model, built.gateways)) {
          calls++;
          const trace = traceCall(built.model, caller, service, port);
          const outcome = callOutcome(built.model, caller, service, port);
          const classes = new PacketClasses();
          const summary = summarizeCall(built.model, caller, service, port, classes);
          const traced = trace.destinations.flatMap((d) => d.endpoints);
          const outcomes = outcome.destinations.flatMap((d) => d.endpoints);
          // Endpoint by endpoint: the trace's verdicts, and packet classes equal exactly when the trace's are.
          expect(outcomes.map((e) => [e.allowed, e.l4Allowed, e.l7Allowed, e.crossNetwork, e.unroutable])).toEqual(
            traced.map((e) => [e.allowed, e.l4Allowed, e.l7Allowed, e.crossNetwork !== undefined, e.unroutable !== undefined]),
          );
          for (const side of ['egressClass', 'ingressClass'] as const) {
            const pairs = new Set(outcomes.map((e, i) => `${e[side]} ${traced[i][side]}`));
            expect(new Set(outcomes.map((e) => e[side])).size).toBe(pairs.size);
            expect(new Set(traced.map((e) => e[side])).size).toBe(pairs.size);
          }
          // In brief: every endpoint allowed, some reached across networks, the same classes.
          const reached = outcome.destinations.filter((d) => d.problem === undefined).flatMap((d) => d.endpoints);
          expect([summary.allowed, summary.crossNetwork]).toEqual([reached.every((e) => e.allowed), reached.some((e) => e.crossNetwork)]);
          expect([summary.notes, summary.destinations.map((d) => [d.route, d.subset, d.weight, d.problem])]).toEqual([trace.notes, trace.destinations.map((d) => [d.route, d.subset, d.weight, d.problem])]);
          expect(classes.egress).toEqual(new Set(outcomes.flatMap((e) => (e.egressClass === undefined ? [] : [e.egressClass]))));
          expect(classes.ingress).toEqual(new Set(outcomes.flatMap((e) => (e.ingressClass === undefined ? [] : [e.ingressClass]))));
        }
      }),
      { seed: 77, numRuns: 25 },
    );
    expect(calls).toBeGreaterThan(100);
  });
});

/**
 * Cluster a (network n1) calls api, which runs in b and c (network n2, each with an east-west
 * gateway): through either gateway, to either cluster's pods (R-I10). b's pods let in the gateway
 * of b and, unless `bLetsInC` is false, the pods of c; c's let in both, and c's sidecars authorize
 * the service account `cAuthorizes`.
 */
function relayFleet(bLetsInC: boolean, cAuthorizes = 'web') {
  const facts = {
    clusters: ['a', 'b', 'c'].map((name, i) => ({ name, network: name === 'a' ? 'n1' : 'n2', podCIDRs: [`10.${i + 1}.0.0/16`], eastWestGateway: { addresses: [`198.18.0.${i + 1}`], port: 15443 } })),
  };
  const defaultDeny = calico('GlobalNetworkPolicy', 'default-deny', { order: 10000, namespaceSelector: "fleet.io/managed == 'true'", types: ['Ingress', 'Egress'] });
  const podsOf = (cluster: string, cidr: string) => calico('GlobalNetworkSet', `pods-${cluster}`, { nets: [cidr] });
  const sets = [podsOf('b', '10.2.0.0/16'), podsOf('c', '10.3.0.0/16')].map((set, i) => ({ ...set, metadata: { ...set.metadata, labels: { 'fleet.io/cluster': ['b', 'c'][i] } } }));
  const from = (clusters: string[]) => ({
    action: 'Allow',
    protocol: 'TCP',
    source: { namespaceSelector: 'global()', selector: `fleet.io/cluster in {${clusters.map((c) => `'${c}'`).join(', ')}}` },
    destination: { ports: [8080] },
  });
  const fromGateway = { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "projectcalico.org/name == 'istio-system'", selector: "istio == 'eastwestgateway'" }, destination: { ports: [8080] } };
  const apiIngress = (clusters: string[]) => calico('NetworkPolicy', 'api-ingress', { selector: "app == 'api'", types: ['Ingress'], ingress: [fromGateway, ...(clusters.length > 0 ? [from(clusters)] : [])] }, 'shop');
  const webEgress = calico(
    'NetworkPolicy',
    'web-egress',
    { selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { nets: ['198.18.0.2/32', '198.18.0.3/32'], ports: [15443] } }] },
    'shop',
  );
  const api = [service('shop', 'api'), deployment('shop', 'api', { app: 'api' })];
  const authorize = (account: string): KubeObject => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'api', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [`cluster.local/ns/shop/sa/${account}`] } }] }] },
  });
  const m = model(
    [
      folder('a', [ns('shop'), defaultDeny, webEgress, deployment('shop', 'web', { app: 'web' })]),
      folder('b', [ns('shop'), defaultDeny, ...sets, ...api, apiIngress(bLetsInC ? ['c'] : [])]),
      folder('c', [ns('shop'), defaultDeny, ...sets, ...api, apiIngress(['b']), authorize(cAuthorizes)]),
    ],
    facts,
  );
  const apiService = serviceOf(m, 'api.shop.svc.cluster.local')!;
  return { m, web: appCallers(m, 'shop', 'web')[0], api: apiService, port: apiService.ports[0] };
}

describe('calls through east-west gateways, in brief', () => {
  it('are refused when one (gateway, pod) pair is, and the trace names the hop', () => {
    const { m, web, api, port } = relayFleet(false);
    const summary = summarizeCall(m, web, api, port, new PacketClasses());
    const trace = traceCall(m, web, api, port);
    expect(trace.destinations[0].endpoints.map((e) => `${e.path} → ${e.cluster}: ${e.allowed}`)).toEqual([
      'via east-west gateway of b → b: true',
      'via east-west gateway of b → c: true',
      'via east-west gateway of c → b: false',
      'via east-west gateway of c → c: true',
    ]);
    expect(trace.deniedBy).toBe('b shop/api: denied by NetworkPolicy shop/api-ingress (end of tier default)');
    expect(summary.allowed).toBe(false);
  });

  it("are refused when one pod group's sidecar refuses the caller", () => {
    const { m, web, api, port } = relayFleet(true, 'cart');
    expect(traceCall(m, web, api, port).destinations[0].endpoints.map((e) => `${e.path} → ${e.cluster}: ${e.allowed}`)).toEqual([
      'via east-west gateway of b → b: true',
      'via east-west gateway of b → c: false',
      'via east-west gateway of c → b: true',
      'via east-west gateway of c → c: false',
    ]);
    expect(summarizeCall(m, web, api, port, new PacketClasses()).allowed).toBe(false);
  });

  it('are allowed when every pair is, with a packet class per gateway at egress and per pair at ingress', () => {
    const { m, web, api, port } = relayFleet(true);
    const classes = new PacketClasses();
    const summary = summarizeCall(m, web, api, port, classes);
    expect(traceCall(m, web, api, port).allowed).toBe(true);
    expect([summary.allowed, classes.egress.size, classes.ingress.size]).toEqual([true, 2, 4]);
  });
});
