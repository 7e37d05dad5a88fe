import { didYouMean } from '../../../diagnostics/suggest.js';
import type { PortSpec } from '../../../model/spec.js';
import { HTTP_PROTOCOLS } from '../../../model/traffic.js';
import { checkNames } from './references.js';
import type { Rule } from './rule.js';

/** Rule fields Istio applies per HTTP request: they do nothing on a TCP port. */
const HTTP_ONLY_FIELDS = ['match', 'retries', 'timeout', 'fault', 'mirror'] as const;

const isHttp = (port: PortSpec) => HTTP_PROTOCOLS.includes(port.protocol ?? 'HTTP');

/**
 * Traffic rules name real apps, gateways, ports and versions, their weights add up, ingress rules
 * reach one HTTP port, every field does something, and no rule calls an app that says it takes no
 * calls (`callers: none`: a contradiction, so an error whichever was meant).
 */
export const traffic: Rule = (context) => {
  const { spec, sourceMap, diagnostics, broken } = context;
  const appsByName = new Map(spec.apps.map((a) => [a.name, a]));
  const gateways = spec.gateways.map((g) => g.name);
  const regions = new Set(spec.clusters.map((c) => c.region).filter((r): r is string => r !== undefined));

  for (const rule of spec.traffic) {
    const names = rule.from.filter((s): s is string => typeof s === 'string');
    if (names.length > 0) checkNames(context, rule, 'from', 'app');
    rule.from.forEach((source) => {
      if (typeof source === 'object' && 'ingress' in source && !gateways.includes(source.ingress) && !broken.gateways.has(source.ingress)) {
        diagnostics.error('spec_unknown_gateway', `unknown gateway \`${source.ingress}\``, sourceMap.valueSpan(source, 'ingress'), [
          ...didYouMean(source.ingress, gateways),
          gateways.length === 0 ? 'declare it under `gateways:`' : `known gateways: ${gateways.join(', ')}`,
        ]);
      }
      if (typeof source === 'object' && 'apps' in source) checkNames(context, source.apps, 'names', 'app');
    });

    const destination = appsByName.get(rule.to);
    if (!destination) {
      if (!broken.apps.has(rule.to)) {
        diagnostics.error('spec_unknown_app', `unknown app \`${rule.to}\``, sourceMap.valueSpan(rule, 'to'), didYouMean(rule.to, appsByName.keys()));
      }
      continue;
    }
    if (destination.callers === 'none') {
      const declared = sourceMap.valueSpan(destination, 'callers');
      diagnostics.error(
        'traffic_callers_none_called',
        `rule \`${rule.name}\` lets its callers call \`${destination.name}\`, but \`${destination.name}\` says it takes no calls (\`callers: none\`)`,
        sourceMap.valueSpan(rule, 'to'),
        [`remove \`callers: none\` from \`${destination.name}\` if it is meant to be called, or remove the rule`],
        declared ? [{ span: declared, label: `\`${destination.name}\` takes no calls` }] : undefined,
      );
    }
    const portNames = (destination.ports ?? []).map((p) => p.name);
    (rule.ports ?? []).forEach((port, i) => {
      if (!portNames.includes(port)) {
        diagnostics.error('spec_unknown_port', `app \`${destination.name}\` has no port named \`${port}\``, sourceMap.valueSpan(rule.ports!, i), [
          ...didYouMean(port, portNames),
          portNames.length ? `its ports: ${portNames.join(', ')}` : "declare it under the app's `ports:`",
        ]);
      }
    });
    if ((destination.ports ?? []).length === 0) {
      diagnostics.error('spec_unknown_port', `app \`${destination.name}\` has no ports, so nothing can call it`, sourceMap.valueSpan(rule, 'to'), ['add `ports:` to the app']);
    }
    const targeted = (destination.ports ?? []).filter((p) => rule.ports?.includes(p.name) ?? true);
    const ingress = rule.from.findIndex((source) => typeof source === 'object' && 'ingress' in source);
    if (ingress !== -1 && targeted.length > 0 && (targeted.length !== 1 || !isHttp(targeted[0]))) {
      // A gateway's HTTP route sends each request to one destination port.
      const http = targeted.filter(isHttp).map((p) => p.name);
      diagnostics.error(
        'traffic_invalid_ingress_port',
        targeted.length === 1
          ? `ingress traffic needs an HTTP port, and port \`${targeted[0].name}\` of \`${destination.name}\` is ${targeted[0].protocol}`
          : `ingress traffic goes to one port, and this rule reaches ${targeted.length} ports of \`${destination.name}\``,
        sourceMap.valueSpan(rule.from, ingress),
        [http.length > 0 ? `name one HTTP port: \`ports: [${http[0]}]\`` : `give \`${destination.name}\` an HTTP, HTTP2 or GRPC port for the gateway to call`],
      );
    }
    if (rule.fault && !rule.fault.delay && !rule.fault.abort) {
      diagnostics.error('traffic_invalid_fault', 'a fault needs a `delay`, an `abort`, or both', sourceMap.keySpan(rule, 'fault'), ['add `delay: { fixedDelay: 2s }` or `abort: { httpStatus: 503 }`, or remove `fault`']);
    }
    const httpOnly = HTTP_ONLY_FIELDS.find((field) => rule[field] !== undefined);
    if (httpOnly && targeted.length > 0 && !targeted.some(isHttp)) {
      diagnostics.warning(
        'traffic_http_fields_ignored',
        `\`${httpOnly}\` applies to HTTP requests, and this rule only reaches ${targeted.map((p) => `${p.protocol} port \`${p.name}\``).join(', ')}; Istio ignores it`,
        sourceMap.keySpan(rule, httpOnly),
        ["remove it, or set the port's `protocol` to HTTP, HTTP2 or GRPC if it speaks one"],
      );
    }

    const versions = (destination.versions ?? []).map((v) => v.name);
    const checkVersion = (owner: object, field: string, version: string) => {
      if (versions.includes(version)) return;
      diagnostics.error('spec_unknown_version', `app \`${destination.name}\` has no version \`${version}\``, owner === rule.split ? sourceMap.keySpan(owner, field) : sourceMap.valueSpan(owner, field), [
        ...didYouMean(version, versions),
        versions.length ? `its versions: ${versions.join(', ')}` : "declare it under the app's `versions:`",
      ]);
    };
    if (rule.split) {
      for (const version of Object.keys(rule.split)) checkVersion(rule.split, version, version);
      const weights = Object.values(rule.split);
      const total = weights.reduce((a, b) => a + b, 0);
      Object.entries(rule.split).forEach(([version, weight]) => {
        if (weight < 0) diagnostics.error('traffic_invalid_weight', `split weight for \`${version}\` is negative`, sourceMap.valueSpan(rule.split!, version));
      });
      if (weights.every((w) => w === 0)) {
        diagnostics.error('traffic_invalid_weight', `every split weight of traffic rule \`${rule.name}\` is 0`, sourceMap.valueSpan(rule, 'split'), ['give the version that should take traffic a positive weight']);
      } else if (total !== 100) {
        diagnostics.error('traffic_invalid_weight', `split weights of traffic rule \`${rule.name}\` add up to ${total}, not 100`, sourceMap.valueSpan(rule, 'split'), ['weights are percentages: make them sum to 100']);
      }
    }
    for (const route of rule.match ?? []) checkVersion(route, 'version', route.version);
    if (rule.mirror) checkVersion(rule.mirror, 'version', rule.mirror.version);

    for (const failover of rule.failover ?? []) {
      if (failover.from === failover.to) {
        diagnostics.error('traffic_invalid_failover', `failover from \`${failover.from}\` to itself`, sourceMap.valueSpan(failover, 'to'), ['name the region traffic should fail over to (Istio rejects equal regions)']);
      }
      for (const field of ['from', 'to'] as const) {
        if (!regions.has(failover[field])) {
          diagnostics.error('traffic_unknown_region', `no cluster is in region \`${failover[field]}\``, sourceMap.valueSpan(failover, field), [
            ...didYouMean(failover[field], regions),
            `regions in the fleet: ${[...regions].sort().join(', ') || 'none'}`,
          ]);
        }
      }
    }
  }
};
