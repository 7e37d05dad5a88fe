import { Command } from 'commander';
import { didYouMean } from '../../diagnostics/suggest.js';
import { appCallers, type CallTrace, ingressCallers, serviceOfApp, traceCall } from '../../mesh/index.js';
import { COMMON_EXIT_CODES, OUT_OPTION_HELP, QUIET_OPTION_HELP, withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';

/**
 * `fleet trace FROM TO`: a call followed through the mesh model of the rendered output
 * (docs/mesh-model.md), hop by hop, from every cluster FROM runs in, on every port of TO: the route,
 * the subset, the endpoints per cluster (directly or through which east-west gateway), Calico at
 * each end and at the gateway, then the destination's AuthorizationPolicy. Exit 0 when every call
 * is allowed, 1 when any is denied, 2 when it cannot trace (spec errors, unknown app, usage).
 */
export function traceCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('trace')
    .description('follow a call from one app (or ingress gateway) to another through the rendered Istio and Calico objects, hop by hop')
    .argument('<from>', 'the calling app (name or namespace/name), or ingress:<gateway>')
    .argument('<to>', 'the called app (name or namespace/name)')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('--cluster <name>', 'only from this cluster')
    .option('--port <port>', 'only this port of the destination (name or number)')
    .option('--format <format>', 'text or json', 'text')
    .option('-o, --out <dir>', OUT_OPTION_HELP)
    .option('-q, --quiet', QUIET_OPTION_HELP)
    .action((from: string, to: string, spec: string, options: { cluster?: string; port?: string; format: string; out?: string; quiet?: boolean }) => {
      if (options.format !== 'text' && options.format !== 'json') {
        io.err(`fleet: error: --format must be text or json, not \`${options.format}\`\n`);
        return setExit(EXIT.usage);
      }
      const result = compileSpec(spec, io, { outDir: outDirFor(spec, options.out), reporter: new Reporter(io, { quiet: options.quiet }), keepMeshModel: true });
      if (typeof result === 'number') return setExit(EXIT.usage);
      const model = result.mesh!.model;
      const apps = result.fleet!.apps;
      const find = (name: string) => apps.filter((a) => a.id === name || a.name === name);
      const unknown = (name: string, matches: number) => {
        const help =
          matches > 1
            ? [`\`${name}\` is an app in ${matches} namespaces: name one as namespace/name`]
            : didYouMean(
                name,
                apps.map((a) => a.name),
              );
        io.err(`fleet: error spec_unknown_app: ${matches > 1 ? `more than one app named \`${name}\`` : `no app named \`${name}\``}\n${help.map((h) => `  help: ${h}\n`).join('')}`);
        setExit(EXIT.usage);
      };
      const destinations = find(to);
      if (destinations.length !== 1) return unknown(to, destinations.length);
      const destination = destinations[0];
      let callers;
      if (from.startsWith('ingress:')) {
        const gateway = from.slice('ingress:'.length);
        if (!result.fleet!.gateways.some((g) => g.name === gateway)) {
          io.err(`fleet: error spec_unknown_gateway: no gateway named \`${gateway}\`\n`);
          return setExit(EXIT.usage);
        }
        callers = ingressCallers(model, gateway);
      } else {
        const sources = find(from);
        if (sources.length !== 1) return unknown(from, sources.length);
        callers = appCallers(model, sources[0].namespace, sources[0].name);
      }
      if (options.cluster) callers = callers.filter((c) => c.cluster === options.cluster);
      const service = serviceOfApp(model, destination.namespace, destination.name);
      if (!service) {
        io.err(`fleet: error: \`${destination.id}\` has no Service in any cluster (no ports): nothing can call it\n`);
        return setExit(EXIT.usage);
      }
      const ports = service.ports.filter((p) => !options.port || p.name === options.port || String(p.port) === options.port);
      if (callers.length === 0 || ports.length === 0) {
        io.err(`fleet: error: nothing to trace: ${callers.length === 0 ? `\`${from}\` runs in no cluster${options.cluster ? ` named ${options.cluster}` : ''}` : `\`${destination.id}\` has no port ${options.port}`}\n`);
        return setExit(EXIT.usage);
      }
      const calls = callers.flatMap((caller) => ports.map((port) => traceCall(model, caller, service, port)));
      const denied = calls.find((c) => !c.allowed);
      const verdict = denied ? `denied by ${denied.deniedBy}` : 'allowed';
      if (options.format === 'json') io.out(`${JSON.stringify({ from, to: destination.id, verdict: denied ? 'denied' : 'allowed', deniedBy: denied?.deniedBy, calls }, null, 2)}\n`);
      else io.out(formatTrace(from, destination.id, calls, verdict));
      setExit(denied ? 1 : EXIT.ok);
    });
  return withHelp(
    command,
    [
      ['fleet trace web checkout', 'how web reaches checkout from every cluster, and what allows it'],
      ['fleet trace web payments --cluster sea-1', 'from one cluster: which rule denies it'],
      ['fleet trace ingress:public web --format json', 'from an ingress gateway, as JSON'],
    ],
    [[0, 'every traced call is allowed'], [1, 'some call is denied (the first denial is named)'], [2, 'cannot trace: the spec has errors, no such app or gateway, or usage'], ...COMMON_EXIT_CODES.slice(1)],
  );
}

function formatTrace(from: string, to: string, calls: readonly CallTrace[], verdict: string): string {
  const lines: string[] = [`trace ${from} → ${to}`];
  for (const call of calls) {
    lines.push('', `${call.cluster} ${call.caller} → ${to} port ${call.port.name ?? ''} (${call.port.number}): ${call.allowed ? 'allowed' : 'denied'}`);
    lines.push(`  route: ${call.virtualService ? `VirtualService ${call.virtualService}` : 'no VirtualService: the whole service'}`);
    for (const note of call.notes) lines.push(`  note: ${note}`);
    for (const d of call.destinations) {
      lines.push(`  ${d.route}${d.condition ? ` (when ${d.condition})` : ''} → ${d.subset ? `subset ${d.subset}` : 'all pods'} weight ${d.weight}${d.destinationRule ? ` (DestinationRule ${d.destinationRule})` : ''}`);
      if (d.problem) lines.push(`    ${d.problem}`);
      for (const e of d.endpoints) {
        lines.push(
          `    ${e.cluster} ${e.workload} (${e.replicas} pod${e.replicas === 1 ? '' : 's'}, port ${e.targetPort}) ${e.path}${e.priority !== undefined ? `, locality priority ${e.priority}` : ''}: ${e.allowed ? 'allowed' : 'denied'}`,
        );
        for (const hop of e.hops) lines.push(`      ${hop.step.padEnd(8)}${hop.at}: ${hop.text}`);
        if (e.unroutable) lines.push(`      ${e.unroutable}`);
        if (e.crossNetwork) lines.push(`      note: ${e.crossNetwork}`);
      }
    }
  }
  lines.push('', verdict, '');
  return lines.join('\n');
}
