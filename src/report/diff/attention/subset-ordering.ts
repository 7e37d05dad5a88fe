import type { KubeObject } from '../../../model/manifest.js';
import { deepEqual } from '../fields.js';
import { objectLabel, type Attention, type ObjectChange } from '../model.js';
import type { TreeIndex, TreeObject } from '../objects.js';
import { qualify, specOf, type Detector } from './detector.js';

const ADVICE_ADD = 'make before break: ship the DestinationRule subset in one change and the route in the next';
const ADVICE_REMOVE = 'remove the route in one change and the subset in the next';

/**
 * Istio make-before-break (istio.io, traffic management best practices): a VirtualService that
 * routes to a subset must reach the proxies after the DestinationRule that defines it, and stop
 * routing to it before the subset goes. Within one Flux apply the order holds, but proxies receive
 * config as each object lands, so a route and its subset changing together risks 503s. Reported
 * per cluster, where the VirtualService (networking.istio.io `spec.{http,tcp,tls}[].route[]` and
 * mirrors) and the DestinationRule (`spec.host`, `spec.subsets[]`) change in the same diff.
 */
export const subsetOrdering: Detector = ({ before, after, changes }) => {
  const changed = new Map(changes.map((c) => [c.key, c]));
  const clusters = new Set(changes.filter((c) => c.kind === 'VirtualService' || c.kind === 'DestinationRule').map((c) => c.cluster));
  const findings: Attention[] = [];
  for (const cluster of clusters) {
    const [rulesBefore, rulesAfter] = [destinationRules(before, cluster), destinationRules(after, cluster)];
    const finding = (vs: ObjectChange, rule: TreeObject | undefined, message: string): Attention => ({
      kind: 'subset-ordering',
      cluster,
      subject: objectLabel(vs),
      message,
      specPath: vs.specPath,
      keys: [vs.key, ...(rule && changed.has(rule.key) ? [rule.key] : [])],
    });

    for (const vs of virtualServices(after, cluster)) {
      const change = changed.get(vs.key);
      if (!change) continue;
      for (const { host, subset } of subsetReferences(vs.object)) {
        const [ruleBefore, ruleAfter] = [rulesBefore.get(host), rulesAfter.get(host)];
        const [defBefore, defAfter] = [subsetOf(ruleBefore, subset), subsetOf(ruleAfter, subset)];
        if (defAfter === undefined) {
          findings.push(finding(change, ruleAfter, `routes to subset \`${subset}\` of ${host}, which no DestinationRule on the cluster defines: those requests fail (503)`));
        } else if (ruleAfter && changed.has(ruleAfter.key) && !deepEqual(defBefore, defAfter)) {
          const what = defBefore === undefined ? 'adds' : 'changes';
          findings.push(finding(change, ruleAfter, `routes to subset \`${subset}\` that ${labelOf(ruleAfter.object)} ${what} in the same change: proxies may get the route first and return 503s; ${ADVICE_ADD}`));
        }
      }
    }

    const routesAfter = new Map(virtualServices(after, cluster).map((vs) => [vs.key, vs]));
    for (const vs of virtualServices(before, cluster)) {
      const stillRouted = new Set(subsetReferences(routesAfter.get(vs.key)?.object).map((r) => `${r.host}|${r.subset}`));
      for (const { host, subset } of subsetReferences(vs.object)) {
        const [ruleBefore, ruleAfter] = [rulesBefore.get(host), rulesAfter.get(host)];
        if (stillRouted.has(`${host}|${subset}`) || !ruleBefore || !changed.has(ruleBefore.key)) continue;
        if (subsetOf(ruleBefore, subset) !== undefined && subsetOf(ruleAfter, subset) === undefined) {
          const change = changed.get(vs.key) ?? changed.get(ruleBefore.key)!;
          findings.push(finding(change, ruleBefore, `stops routing to subset \`${subset}\` in the same change that ${labelOf(ruleBefore.object)} drops it: proxies still on the old route get 503s; ${ADVICE_REMOVE}`));
        }
      }
    }
  }
  return findings;
};

function labelOf(object: KubeObject): string {
  return objectLabel({ apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });
}

function virtualServices(index: TreeIndex, cluster: string): TreeObject[] {
  return index.objectsOf(cluster, 'VirtualService').filter((o) => o.object.apiVersion.startsWith('networking.istio.io/'));
}

/** The cluster's DestinationRules by fully qualified host. */
function destinationRules(index: TreeIndex, cluster: string): Map<string, TreeObject> {
  const rules = new Map<string, TreeObject>();
  for (const o of index.objectsOf(cluster, 'DestinationRule')) {
    if (!o.object.apiVersion.startsWith('networking.istio.io/')) continue;
    const host = specOf(o.object).host;
    if (typeof host === 'string') rules.set(qualify(host, o.object.metadata.namespace), o);
  }
  return rules;
}

function subsetOf(rule: TreeObject | undefined, name: string): unknown {
  const subsets = specOf(rule?.object).subsets;
  return Array.isArray(subsets) ? subsets.find((s) => s?.name === name) : undefined;
}

/** Every (host, subset) a VirtualService sends requests to: routes and mirrors. */
function subsetReferences(vs: KubeObject | undefined): { host: string; subset: string }[] {
  if (!vs) return [];
  const spec = specOf(vs);
  const destinations: any[] = [];
  for (const protocol of ['http', 'tcp', 'tls']) {
    for (const rule of Array.isArray(spec[protocol]) ? spec[protocol] : []) {
      for (const route of Array.isArray(rule?.route) ? rule.route : []) destinations.push(route?.destination);
      destinations.push(rule?.mirror, ...(Array.isArray(rule?.mirrors) ? rule.mirrors.map((m: any) => m?.destination) : []));
    }
  }
  const seen = new Map<string, { host: string; subset: string }>();
  for (const d of destinations) {
    if (typeof d?.host !== 'string' || typeof d.subset !== 'string') continue;
    const host = qualify(d.host, vs.metadata.namespace);
    seen.set(`${host}|${d.subset}`, { host, subset: d.subset });
  }
  return [...seen.values()];
}
