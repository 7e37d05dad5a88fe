import { didYouMean } from '../../../diagnostics/suggest.js';
import type { AppSpec } from '../../../model/spec.js';
import type { ProbeKind } from '../../../model/workload-spec.js';
import type { Rule, RuleContext } from './rule.js';

const PROBE_HANDLERS = ['http', 'tcp', 'grpc', 'exec'] as const;
const VOLUME_SOURCES = ['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim'] as const;

/**
 * The fields that shape an app's pods, disruption budget, autoscaler and storage mean one thing
 * each, checked where they are written (docs/spec.md "Production workloads"). The schema has the
 * shapes; this rule has what a shape cannot say: exactly one handler or source, names that refer to
 * the app's ports, bounds in order, what Kubernetes' own validation would refuse at apply time
 * (a liveness probe's successThreshold), and what would silently do nothing (an autoscaler on a
 * resource the app requests none of).
 */
export const workloads: Rule = (context) => {
  for (const app of context.spec.apps) {
    checkProbes(app, context);
    checkConfigFrom(app, context);
    checkVolumes(app, context);
    checkStateful(app, context);
    checkDisruption(app, context);
    checkAutoscaling(app, context);
    checkSecurity(app, context);
  }
};

function checkProbes(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  const portNames = (app.ports ?? []).map((p) => p.name);
  for (const kind of ['readiness', 'liveness', 'startup'] as const satisfies readonly ProbeKind[]) {
    const probe = app.probes?.[kind];
    if (!probe) continue;
    const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined);
    if (handlers.length !== 1) {
      diagnostics.error(
        'spec_probe_handler',
        `the ${kind} probe of app \`${app.name}\` ${handlers.length === 0 ? 'says nothing to check' : `has ${handlers.map((h) => `\`${h}\``).join(' and ')}`}; a probe checks exactly one way`,
        sourceMap.keySpan(app.probes!, kind),
        ['give it one of `http: { path, port }`, `tcp: { port }`, `grpc: { port }` or `exec: [command, ...]`'],
      );
    }
    // Kubernetes' validation (ValidateProbe): liveness and startup probes must have successThreshold 1.
    if (kind !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
      diagnostics.error(
        'spec_probe_success_threshold',
        `the ${kind} probe of app \`${app.name}\` has successThreshold ${probe.successThreshold}; Kubernetes accepts only 1 for ${kind} probes`,
        sourceMap.valueSpan(probe, 'successThreshold'),
        ['remove `successThreshold` (a readiness probe may have more)'],
      );
    }
    for (const handler of ['http', 'tcp', 'grpc'] as const) {
      const target = probe[handler] as { port: string | number } | undefined;
      if (target === undefined || typeof target.port !== 'string' || portNames.includes(target.port)) continue;
      diagnostics.error(
        'spec_unknown_probe_port',
        `the ${kind} probe of app \`${app.name}\` names port \`${target.port}\`, which is not one of the app's ports${portNames.length ? ` (${portNames.map((n) => `\`${n}\``).join(', ')})` : ' (it has none)'}`,
        sourceMap.valueSpan(target, 'port'),
        [...didYouMean(target.port, portNames), "name a port from the app's `ports`, or give a container port number"],
      );
    }
  }
}

function checkConfigFrom(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  (app.configFrom ?? []).forEach((source, i) => {
    const given = (['configMap', 'secret'] as const).filter((k) => source[k] !== undefined);
    if (given.length === 1) return;
    diagnostics.error(
      'spec_config_source',
      `entry ${i + 1} of \`configFrom\` of app \`${app.name}\` names ${given.length === 0 ? 'neither a ConfigMap nor a Secret' : 'both a ConfigMap and a Secret'}`,
      sourceMap.valueSpan(app.configFrom!, i),
      ['write one entry per source: `{ configMap: <name> }` or `{ secret: <name> }`'],
    );
  });
}

function checkVolumes(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  const volumes = app.volumes ?? [];
  for (const volume of volumes) {
    const sources = VOLUME_SOURCES.filter((s) => volume[s] !== undefined);
    if (sources.length === 1) continue;
    diagnostics.error(
      'spec_volume_source',
      `volume \`${volume.name}\` of app \`${app.name}\` ${sources.length === 0 ? 'has no source' : `has ${sources.length} sources (${sources.map((s) => `\`${s}\``).join(', ')})`}`,
      sourceMap.valueSpan(volume, 'name'),
      ['give it exactly one of `configMap: <name>`, `secret: <name>`, `emptyDir: {}`, `persistentVolumeClaim: <name>`'],
    );
  }
  // Volumes and storage claims are all volumes of one pod: their names and mount paths are shared.
  const mounted = [...volumes.map((v) => ({ owner: v as object, name: v.name, mountPath: v.mountPath })), ...(app.storage ?? []).map((s) => ({ owner: s as object, name: s.name, mountPath: s.mountPath }))];
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const { owner, name, mountPath } of mounted) {
    if (names.has(name)) {
      diagnostics.error('spec_duplicate_name', `app \`${app.name}\` has two volumes named \`${name}\` (\`volumes\` and \`storage\` share the pod's volume names)`, sourceMap.valueSpan(owner, 'name'), [
        'each volume and storage entry needs its own name',
      ]);
    }
    if (paths.has(mountPath)) {
      diagnostics.error('spec_duplicate_mount_path', `app \`${app.name}\` mounts two volumes at \`${mountPath}\``, sourceMap.valueSpan(owner, 'mountPath'), ['give each volume its own `mountPath`']);
    }
    names.add(name);
    paths.add(mountPath);
  }
}

function checkStateful(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  if (app.stateful) return;
  if (app.storage) {
    diagnostics.error('spec_storage_not_stateful', `app \`${app.name}\` has \`storage\`, which only a stateful app has (a claim per pod needs a StatefulSet)`, sourceMap.keySpan(app, 'storage'), [
      'set `stateful: true`, or mount an existing claim with `volumes: [{ name, persistentVolumeClaim: <claim>, mountPath }]`',
    ]);
  }
  if (app.replication) {
    diagnostics.warning('spec_replication_unused', `\`replication\` only matters for stateful apps; \`${app.name}\` is not stateful`, sourceMap.keySpan(app, 'replication'), ['remove it, or set `stateful: true`']);
  }
}

function checkDisruption(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  const disruption = app.disruption;
  if (!disruption) return;
  const given = (['maxUnavailable', 'minAvailable'] as const).filter((k) => disruption[k] !== undefined);
  if (given.length !== 1) {
    diagnostics.error(
      'spec_disruption_budget',
      `the \`disruption\` of app \`${app.name}\` ${given.length === 0 ? 'sets no budget' : 'sets both `maxUnavailable` and `minAvailable`'}; a PodDisruptionBudget takes exactly one`,
      sourceMap.keySpan(app, 'disruption'),
      ['write `disruption: { maxUnavailable: 1 }` (at most one pod of a cluster evicted at a time) or `disruption: { minAvailable: "50%" }`'],
    );
  }
}

function checkAutoscaling(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  const autoscaling = app.autoscaling;
  if (!autoscaling) return;
  if (autoscaling.min > autoscaling.max) {
    diagnostics.error('spec_autoscaling_bounds', `app \`${app.name}\` autoscales between min ${autoscaling.min} and max ${autoscaling.max}: min is above max`, sourceMap.valueSpan(autoscaling, 'min'), [
      'lower `min` or raise `max`',
    ]);
  }
  // The HPA computes utilization as a percentage of the pods' requests; with none it reports
  // FailedGetResourceMetric and never scales (Kubernetes HPA docs, "Support for resource metrics").
  const requests = app.resources?.requests ?? {};
  const metrics: ['cpu' | 'memory', boolean][] = [
    ['cpu', autoscaling.cpu !== undefined || autoscaling.memory === undefined],
    ['memory', autoscaling.memory !== undefined],
  ];
  for (const [resource, used] of metrics) {
    if (!used || requests[resource] !== undefined) continue;
    const written = autoscaling[resource] !== undefined;
    diagnostics.error(
      'spec_autoscaling_no_request',
      `app \`${app.name}\` autoscales on ${resource}${written ? '' : ' (the default metric)'} but requests no ${resource}; the autoscaler measures use as a share of the request, so it would never scale`,
      written ? sourceMap.valueSpan(autoscaling, resource) : sourceMap.keySpan(app, 'autoscaling'),
      [`add \`resources: { requests: { ${resource}: ... } }\` to the app${written ? '' : ', or name the metric you mean (`memory: 80`)'}`],
    );
  }
}

/**
 * Exact fields that undo a part of the restricted profile: the pods would then be refused in a
 * namespace that enforces it. They win, as documented; the warning says what they undo. The checks
 * are the Pod Security Standards' restricted (and baseline) controls on these fields
 * (kubernetes.io/docs/concepts/security/pod-security-standards).
 */
function checkSecurity(app: AppSpec, { sourceMap, diagnostics }: RuleContext): void {
  if (app.securityProfile !== 'restricted') return;
  const { pod, container } = app.securityContext ?? {};
  const weakened = (owner: object, field: string, what: string) =>
    diagnostics.warning(
      'spec_security_profile_weakened',
      `app \`${app.name}\` asks for the restricted security profile, but its \`securityContext\` ${what}; Pod Security admission refuses such pods where \`restricted\` is enforced`,
      sourceMap.valueSpan(owner, field),
      [`remove the field to keep the profile, or drop \`securityProfile: restricted\` if the app needs it`],
    );
  for (const [owner, level] of [
    [pod, 'pod'],
    [container, 'container'],
  ] as const) {
    if (!owner) continue;
    if (owner.runAsNonRoot === false) weakened(owner, 'runAsNonRoot', `lets the ${level} run as root (\`runAsNonRoot: false\`)`);
    if (owner.runAsUser === 0) weakened(owner, 'runAsUser', `runs the ${level} as root (\`runAsUser: 0\`)`);
    if (owner.seccompProfile?.type === 'Unconfined') weakened(owner.seccompProfile, 'type', `turns seccomp off (\`Unconfined\`)`);
  }
  if (!container) return;
  if (container.allowPrivilegeEscalation === true) weakened(container, 'allowPrivilegeEscalation', 'allows privilege escalation');
  if (container.privileged === true) weakened(container, 'privileged', 'makes the container privileged');
  const added = (container.capabilities?.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE');
  if (added.length) weakened(container.capabilities!, 'add', `adds ${added.map((c) => `\`${c}\``).join(', ')} (only \`NET_BIND_SERVICE\` may be added)`);
  const drop = container.capabilities?.drop;
  if (drop && !drop.includes('ALL')) weakened(container.capabilities!, 'drop', "replaces the profile's `drop: [ALL]` with a list without `ALL`");
}
