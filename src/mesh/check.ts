import type { TrafficEdge, TrafficGraph } from '../model/traffic.js';
import { calicoVerdict, type LocalWorkload } from './calico.js';
import { applyPlan } from './flux-order.js';
import type { MeshCaller } from './istio-routing.js';
import { serviceOf } from './istio-routing.js';
import { cmp, type MeshModel, type Service } from './model.js';
import { appCallers, callOutcome, type CallSummary, type CallTrace, type EndpointOutcome, type EndpointTrace, ingressCallers, PacketClasses, summarizeCall, traceCall, workloadEndpoint } from './trace.js';
import type { DiagnosticCode } from '../diagnostics/catalog.js';

/**
 * The compile-time check of the rendered output against the spec's traffic graph, on the mesh
 * model (docs/mesh-model.md "The check"):
 *
 * 1. every declared edge works from every cluster where its caller runs, on every declared port:
 *    a route, the declared split's subsets with endpoints, and every endpoint Istio may send to
 *    allowed at L4 (each Calico hop) and L7;
 * 2. a deterministic sample of the pairs the spec does not declare (all of them in small fleets) is
 *    denied at L7, and at L4 wherever Calico can tell the packet from every declared one (across
 *    clusters Calico sees addresses only: the AuthorizationPolicy is the one gate there, by design);
 * 3. platform traffic: DNS and istiod from every managed workload, webhooks to istiod;
 * 4. Flux can apply every cluster's folders in its own order.
 *
 * Findings are `renderer` defects (the output does not do what the spec says although it could:
 * a bug in fleet) or `spec` problems (what the spec asks cannot work, e.g. pods on a network without
 * an east-west gateway), the latter with a diagnostic code.
 */

export interface MeshFinding {
  readonly kind: 'renderer' | 'spec';
  /**
   * `error`: a declared call fails, an undeclared one passes L7, platform traffic is cut, or Flux
   * cannot apply. `warning`: an undeclared call passes Calico where Calico could have told it
   * apart (the AuthorizationPolicy still denies it): defence in depth is thinner than it could be.
   */
  readonly severity?: 'error' | 'warning';
  /** For spec problems: the diagnostic code (docs/diagnostics.md). */
  readonly code?: DiagnosticCode;
  readonly message: string;
  /** The declared edge it is about, for locating a spec problem. */
  readonly edge?: TrafficEdge;
}

export interface MeshCheckOptions {
  /** Most undeclared (caller, destination) pairs to check; all of them when the fleet has fewer. */
  readonly undeclaredPairs?: number;
  /**
   * Most declared calls (caller cluster × port) to trace; all of them when the fleet has fewer
   * (default 6,000, a 40 × 400 fleet's worth). Above it each edge keeps a share of its caller
   * clusters: one on each network first, then an even stride (deterministic).
   */
  readonly declaredCalls?: number;
  /**
   * Calls checked between two forget()s of the model's scratch tables (ModelMemo; default 1,000).
   * What the check works out about a call (verdicts by peer, layouts, sides) is seldom asked again
   * a thousand calls later, and kept it would grow with the fleet: dropped as the check goes, the
   * check's memory is that of a thousand calls. The findings are the same for any value.
   */
  readonly forgetEvery?: number;
}

export interface MeshCheckResult {
  /** Sorted by kind, then message. */
  readonly findings: readonly MeshFinding[];
  readonly declaredCalls: number;
  readonly undeclaredPairs: number;
}

export function checkMesh(model: MeshModel, graph: TrafficGraph, options: MeshCheckOptions = {}): MeshCheckResult {
  const afterEachCall = forgetting(model, options.forgetEvery ?? 1000);
  const findings = new Map<string, MeshFinding>();
  const add = (finding: MeshFinding) => findings.set(`${finding.kind}\0${finding.code ?? ''}\0${finding.message}`, finding);
  // What Calico sees of the declared calls at each end.
  const declaredClasses = new PacketClasses();
  const declared = new Set<string>();
  let declaredCalls = 0;

  const budget = options.declaredCalls ?? 6000;
  const totalCalls = graph.edges.reduce((n, edge) => n + callersOf(model, edge).length * edge.ports.length, 0);
  const share = totalCalls <= budget ? 1 : budget / totalCalls;
  // Above the budget, the clusters whose calls are all traced: an even stride (the undeclared pairs are checked from these).
  const names = [...model.clusters.keys()];
  const traced = new Set(share === 1 ? names : Array.from({ length: Math.max(1, Math.ceil(names.length * share)) }, (_, k) => names[Math.floor((k * names.length) / Math.max(1, Math.ceil(names.length * share)))]));
  const running = appsWithPods(model);
  for (const edge of graph.edges) {
    const [namespace, name] = edge.to.split('/');
    const service = serviceOf(model, hostOf(namespace, name));
    const who = 'app' in edge.caller ? edge.caller.app : `ingress:${edge.caller.ingress}`;
    for (const port of edge.ports) declared.add(`${who}\0${edge.to}\0${port}`);
    if (!service) {
      add({ kind: 'renderer', message: `rule ${edge.rule.name}: no cluster holds a Service for ${edge.to}` });
      continue;
    }
    // Scaled to zero wherever it runs (overrides with `replicas: 0`): no endpoint answers, as the spec says (traffic_destination_scaled_to_zero).
    if (!running.has(edge.to)) continue;
    for (const caller of share === 1 ? callersOf(model, edge) : sampleCallers(model, callersOf(model, edge), traced)) {
      for (const portName of edge.ports) {
        const port = service.ports.find((p) => p.name === portName);
        if (!port) {
          add({ kind: 'renderer', message: `rule ${edge.rule.name}: Service ${edge.to} has no port ${portName}` });
          continue;
        }
        declaredCalls++;
        afterEachCall();
        // The verdicts in brief; the call is traced hop by hop only when something is to be reported (the same verdicts, named).
        const summary = summarizeCall(model, caller, service, port, declaredClasses);
        if (mayFindDeclared(edge, summary)) judgeDeclared(model, edge, caller, service, traceCall(model, caller, service, port), add);
      }
    }
  }

  const sample = undeclaredSample(model, declared, options.undeclaredPairs ?? 400, traced);
  for (const { caller, service, port, label } of sample) {
    afterEachCall();
    // Calico could tell the packet from every declared one: a class at either end that no declared call has.
    const distinct = (e: EndpointOutcome) => !declaredClasses.egress.has(e.egressClass!) || !declaredClasses.ingress.has(e.ingressClass!);
    const outcomes = endpointsOf(callOutcome(model, caller, service, port));
    if (!outcomes.some((e) => e.l7Allowed || (e.l4Allowed && distinct(e)))) continue;
    // The trace lists the same endpoints in the same order, with every hop named.
    for (const [i, e] of endpointsOf(traceCall(model, caller, service, port)).entries()) {
      const where = `undeclared ${label} from ${caller.cluster} to ${e.cluster} (${e.path})`;
      if (e.l7Allowed) add({ kind: 'renderer', message: `${where} is allowed at L7: ${e.hops.find((h) => h.step === 'l7')?.text}` });
      if (e.l4Allowed && distinct(outcomes[i])) {
        const l4 = e.hops.filter((h) => h.step === 'egress' || h.step === 'ingress').map((h) => `${h.at}: ${h.text}`);
        add({ kind: 'renderer', severity: e.l7Allowed ? 'error' : 'warning', message: `${where} is allowed at L4 although Calico could tell it from every declared call: ${l4.join('; ')}` });
      }
    }
  }

  checkPlatform(model, add, afterEachCall);
  for (const view of model.clusters.values()) {
    for (const problem of applyPlan(
      view,
      model.facts.ingressGateways.map((g) => g.namespace),
    ).problems)
      add({ kind: 'renderer', message: problem.message });
  }

  model.forget();
  const sorted = [...findings.values()].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.message, b.message));
  return { findings: sorted, declaredCalls, undeclaredPairs: sample.length };
}

function judgeDeclared(model: MeshModel, edge: TrafficEdge, caller: MeshCaller, service: Service, call: CallTrace, add: (f: MeshFinding) => void): void {
  const at = `rule ${edge.rule.name}: ${caller.describe} in ${caller.cluster} → ${service.namespace}/${service.name}:${call.port.name ?? call.port.number}`;
  for (const note of call.notes) if (!note.startsWith('UDP')) add({ kind: 'renderer', edge, message: `${at}: ${note}` });
  for (const d of call.destinations) {
    if (d.problem) add({ kind: 'renderer', edge, message: `${at}: route ${d.route}: ${d.problem}` });
    for (const e of d.endpoints) {
      if (e.crossNetwork) {
        const from = model.cluster(caller.cluster).facts.network;
        const to = model.cluster(e.cluster).facts.network;
        add({
          kind: 'spec',
          severity: 'warning',
          code: 'traffic_cross_network_without_gateway',
          edge,
          message: `callers of rule \`${edge.rule.name}\` on network \`${from}\` reach \`${service.name}\` on network \`${to}\` at its pod IPs (that network has no east-west gateway): this works only if the two networks route pod addresses to each other`,
        });
      }
      if (e.allowed) continue;
      if (e.unroutable) {
        add({
          kind: 'spec',
          code: 'traffic_plaintext_across_networks',
          edge,
          message: `rule \`${edge.rule.name}\` calls \`${service.name}\` without mTLS, so Istio drops its endpoints on other networks (${e.cluster} from ${caller.cluster}): cross-network traffic relies on mTLS`,
        });
        continue;
      }
      add({ kind: 'renderer', edge, message: `${at}: route ${d.route}${d.subset ? ` subset ${d.subset}` : ''} to ${e.cluster} ${e.workload} (${e.path}): ${e.deniedBy?.at}: ${e.deniedBy?.text}` });
    }
  }
  const split = splitMismatch(edge, call);
  if (split) add({ kind: 'renderer', edge, message: `${at}: ${split}` });
}

/** Whether judgeDeclared may find anything in a call: a note, a destination problem, an endpoint reached across networks or refused, a split off the rule's. */
function mayFindDeclared(edge: TrafficEdge, call: CallSummary): boolean {
  if (call.notes.some((note) => !note.startsWith('UDP'))) return true;
  if (call.destinations.some((d) => d.problem) || call.crossNetwork || !call.allowed) return true;
  return splitMismatch(edge, call) !== undefined;
}

/** The declared split reaches its subsets: the route that takes this caller's other requests carries exactly the positive weights. */
function splitMismatch(edge: TrafficEdge, call: CallSummary | CallTrace): string | undefined {
  const split = edge.routing.split;
  if (!split || call.destinations.length === 0 || call.notes.some((n) => n.includes('UDP'))) return undefined;
  const last = call.destinations[call.destinations.length - 1].route;
  const got = Object.fromEntries(call.destinations.filter((d) => d.route === last).map((d) => [d.subset ?? '', d.weight]));
  const want = Object.fromEntries(Object.entries(split).filter(([, w]) => w > 0));
  const lone = Object.keys(want).length === 1;
  const same = Object.keys(want).length === Object.keys(got).length && Object.entries(want).every(([v, w]) => got[v] === (lone ? 100 : w));
  return same ? undefined : `the route ${last} splits ${JSON.stringify(got)}, the rule says ${JSON.stringify(want)}`;
}

function endpointsOf<E extends EndpointOutcome | EndpointTrace>(call: { readonly destinations: readonly { readonly endpoints: readonly E[] }[] }): E[] {
  return call.destinations.flatMap((d) => d.endpoints);
}

function callersOf(model: MeshModel, edge: TrafficEdge): MeshCaller[] {
  if ('ingress' in edge.caller) return ingressCallers(model, edge.caller.ingress);
  const [namespace, name] = edge.caller.app.split('/');
  return model.memo(`callers ${edge.caller.app}`, () => distinctCallers(appCallers(model, namespace, name)));
}

/** The callers in fully traced clusters, and at least one on each network (first by cluster name). */
function sampleCallers(model: MeshModel, callers: readonly MeshCaller[], traced: ReadonlySet<string>): MeshCaller[] {
  const sorted = [...callers].sort((a, b) => cmp(a.cluster, b.cluster));
  const networks = new Set<string>();
  return sorted.filter((caller) => {
    const network = model.cluster(caller.cluster).facts.network;
    const first = !networks.has(network);
    networks.add(network);
    return first || traced.has(caller.cluster);
  });
}

/** One caller per cluster and pod labels that routing or policy may tell apart. */
function distinctCallers(callers: MeshCaller[]): MeshCaller[] {
  const seen = new Map<string, MeshCaller>();
  for (const c of callers) seen.set(`${c.cluster}\0${JSON.stringify(c.labels)}`, c);
  return [...seen.values()];
}

/**
 * Undeclared (caller app, destination port) pairs, deterministically: every pair when there are at
 * most `limit`, else an even stride through them. Each is checked from the first and the last
 * fully traced cluster its caller runs in.
 */
function undeclaredSample(model: MeshModel, declared: ReadonlySet<string>, limit: number, traced: ReadonlySet<string>): { caller: MeshCaller; service: Service; port: Service['ports'][number]; label: string }[] {
  const apps = new Map<string, { namespace: string; name: string }>();
  const services = new Map<string, Service>();
  for (const view of model.clusters.values()) {
    for (const w of view.workloads) if (w.labels.app && w.replicas > 0) apps.set(`${w.namespace}/${w.labels.app}`, { namespace: w.namespace, name: w.labels.app });
    // One Service per app (the one named after it, else the first by name): the pair is about the app, whichever Service selects its pods.
    for (const s of [...view.services.values()].sort((a, b) => cmp(a.name, b.name))) {
      const app = s.selector?.app;
      if (!app || s.ports.length === 0) continue;
      const id = `${s.namespace}/${app}`;
      if (!services.has(id) || s.name === app) services.set(id, s);
    }
  }
  const callerIds = [...apps.keys()].sort();
  const destinationIds = [...services.keys()].sort();
  // An even stride through the (caller, destination) grid, without listing it (apps² pairs at fleet scale).
  const total = callerIds.length * destinationIds.length;
  const chosen: [string, string, string][] = [];
  const step = Math.max(1, total / limit);
  for (let k = 0; k * step < total && chosen.length < limit; k++) {
    // The stride walks the grid diagonally (destination index shifted by the caller's), so every caller meets several destinations.
    const index = Math.floor(k * step);
    const i = index % callerIds.length;
    const from = callerIds[i];
    const to = destinationIds[(Math.floor(index / callerIds.length) + i) % destinationIds.length];
    if (from === to) continue;
    const port = services.get(to)!.ports[0];
    if (!port.name || declared.has(`${from}\0${to}\0${port.name}`)) continue;
    chosen.push([from, to, port.name]);
  }
  const byApp = new Map<string, MeshCaller[]>();
  const callersOfApp = (id: string, app: { namespace: string; name: string }) => {
    let callers = byApp.get(id);
    if (!callers) byApp.set(id, (callers = appCallers(model, app.namespace, app.name)));
    return callers;
  };
  return chosen.flatMap(([from, to, portName]) => {
    // `to` is an app id; its Service's first port was checked against the declared set.
    const app = apps.get(from)!;
    // Only from clusters whose declared calls were all traced: the L4 comparison needs every declared packet class there.
    const callers = callersOfApp(from, app)
      .filter((c) => traced.has(c.cluster))
      .sort((a, b) => cmp(a.cluster, b.cluster));
    const picked = callers.length <= 2 ? callers : [callers[0], callers[callers.length - 1]];
    const service = services.get(to)!;
    const port = service.ports.find((p) => p.name === portName)!;
    return picked.map((caller) => ({ caller, service, port, label: `${from} → ${to}:${portName}` }));
  });
}

/** Platform pods as Calico sees them (docs/traffic.md "Assumptions"). */
const KUBE_DNS: LocalWorkload = { kind: 'workload', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns', describe: 'kube-system/kube-dns' };
const ISTIOD: LocalWorkload = { kind: 'workload', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot' }, serviceAccount: 'istiod', describe: 'istio-system/istiod' };

/** DNS (UDP and TCP 53) and istiod (TCP 15012) from every workload of a managed namespace; webhooks (15017) to istiod from anywhere. */
function checkPlatform(model: MeshModel, add: (f: MeshFinding) => void, afterEachCall: () => void): void {
  for (const view of model.clusters.values()) {
    const seen = new Set<string>();
    const webhook = calicoVerdict(view, ISTIOD, 'Ingress', { kind: 'address', describe: 'the API server' }, 'TCP', 15017);
    if (!webhook.allowed) add({ kind: 'renderer', message: `${view.name}: the API server cannot reach istiod's webhooks (TCP 15017): ${webhook.text}` });
    for (const workload of view.workloads) {
      if (workload.replicas <= 0) continue;
      const pod = workloadEndpoint(model, workload);
      const key = `${pod.namespace}\0${JSON.stringify(pod.labels)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      afterEachCall();
      const checks: [string, ReturnType<typeof calicoVerdict>][] = [
        ['DNS over UDP 53', calicoVerdict(view, pod, 'Egress', KUBE_DNS, 'UDP', 53)],
        ['DNS over TCP 53', calicoVerdict(view, pod, 'Egress', KUBE_DNS, 'TCP', 53)],
        ['DNS over UDP 53 (at kube-dns)', calicoVerdict(view, KUBE_DNS, 'Ingress', pod, 'UDP', 53)],
        ['istiod (TCP 15012)', calicoVerdict(view, pod, 'Egress', ISTIOD, 'TCP', 15012)],
        ['istiod (TCP 15012, at istiod)', calicoVerdict(view, ISTIOD, 'Ingress', pod, 'TCP', 15012)],
      ];
      for (const [what, verdict] of checks) if (!verdict.allowed) add({ kind: 'renderer', message: `${view.name}: ${pod.describe} cannot reach ${what}: ${verdict.text}` });
    }
  }
}

/** A function to call after each call checked: every `every` calls, the model forgets its scratch tables. */
function forgetting(model: MeshModel, every: number): () => void {
  let calls = 0;
  return () => {
    if (++calls < every) return;
    calls = 0;
    model.forget();
  };
}

function hostOf(namespace: string, name: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** The apps (`namespace/name`) that run pods somewhere: a workload labelled with the app, with replicas. */
function appsWithPods(model: MeshModel): Set<string> {
  const running = new Set<string>();
  for (const view of model.clusters.values()) for (const w of view.workloads) if (w.labels.app && w.replicas > 0) running.add(`${w.namespace}/${w.labels.app}`);
  return running;
}
