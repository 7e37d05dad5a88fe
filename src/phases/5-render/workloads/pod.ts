import type { App } from '../../../model/fleet.js';
import type { ProbeKind, ProbeSpec } from '../../../model/workload-spec.js';
import { securityContexts } from './security.js';

/**
 * What an app's settings add to its container (model/workload.ts): probes, `envFrom`, volume
 * mounts, the security context. Only what the spec says is rendered; nothing is invented.
 */
export function containerFields(app: App): Record<string, unknown> {
  const { workload } = app;
  const out: Record<string, unknown> = {};
  for (const kind of ['startup', 'liveness', 'readiness'] as const satisfies readonly ProbeKind[]) {
    const probe = workload.probes[kind];
    if (probe) out[`${kind}Probe`] = renderProbe(app, probe);
  }
  if (workload.configFrom.length) {
    out.envFrom = workload.configFrom.map((s) => ({
      ...(s.prefix !== undefined ? { prefix: s.prefix } : {}),
      ...(s.configMap !== undefined ? { configMapRef: ref(s.configMap, s.optional) } : { secretRef: ref(s.secret!, s.optional) }),
    }));
  }
  const mounts = [
    ...workload.volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.readOnly !== undefined ? { readOnly: v.readOnly } : {}), ...(v.subPath !== undefined ? { subPath: v.subPath } : {}) })),
    ...(app.stateful ? workload.storage.map((s) => ({ name: s.name, mountPath: s.mountPath })) : []),
  ];
  if (mounts.length) out.volumeMounts = mounts;
  const security = securityContexts(workload.securityProfile, workload.securityContext);
  if (security.container) out.securityContext = security.container;
  return out;
}

/**
 * What an app's settings add to its pod spec: security context, volumes, image pull secrets, the
 * spread within the cluster and the grace period. `selector` is the workload's own pod selector:
 * spreading counts only its pods.
 */
export function podFields(app: App, selector: Readonly<Record<string, string>>): Record<string, unknown> {
  const { workload } = app;
  const out: Record<string, unknown> = {};
  const security = securityContexts(workload.securityProfile, workload.securityContext);
  if (security.pod) out.securityContext = security.pod;
  if (workload.volumes.length) {
    out.volumes = workload.volumes.map((v) => ({
      name: v.name,
      ...(v.configMap !== undefined ? { configMap: { name: v.configMap } } : {}),
      ...(v.secret !== undefined ? { secret: { secretName: v.secret } } : {}),
      ...(v.emptyDir !== undefined ? { emptyDir: { ...(v.emptyDir.medium ? { medium: v.emptyDir.medium } : {}), ...(v.emptyDir.sizeLimit !== undefined ? { sizeLimit: String(v.emptyDir.sizeLimit) } : {}) } } : {}),
      ...(v.persistentVolumeClaim !== undefined ? { persistentVolumeClaim: { claimName: v.persistentVolumeClaim } } : {}),
    }));
  }
  if (workload.imagePullSecrets.length) out.imagePullSecrets = workload.imagePullSecrets.map((name) => ({ name }));
  if (workload.spreadWithinCluster !== 'none') out.topologySpreadConstraints = [spreadConstraint(app, selector)];
  if (workload.terminationGracePeriodSeconds !== undefined) out.terminationGracePeriodSeconds = workload.terminationGracePeriodSeconds;
  return out;
}

/**
 * One constraint over the well-known node label (kubernetes.io/docs/reference/labels-annotations-taints):
 * `maxSkew: 1`, and `ScheduleAnyway`, so a full or lost zone leaves pods running elsewhere in the
 * cluster rather than Pending (the scheduler still prefers the even spread). A Deployment's
 * constraint also matches on `pod-template-hash` (`matchLabelKeys`), so during a rollout the new
 * ReplicaSet's pods are spread among themselves instead of around the old ones, as the Kubernetes
 * docs recommend; StatefulSet pods carry no such label.
 */
function spreadConstraint(app: App, selector: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    maxSkew: 1,
    topologyKey: app.workload.spreadWithinCluster === 'zone' ? 'topology.kubernetes.io/zone' : 'kubernetes.io/hostname',
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { ...selector } },
    ...(app.stateful ? {} : { matchLabelKeys: ['pod-template-hash'] }),
  };
}

/**
 * A Kubernetes probe. A port named in the spec stays a name for HTTP and TCP (the kubelet finds the
 * container port of that name) and becomes its number for gRPC, whose `port` takes only a number.
 */
function renderProbe(app: App, probe: ProbeSpec): Record<string, unknown> {
  const timing = {
    ...(probe.initialDelaySeconds !== undefined ? { initialDelaySeconds: probe.initialDelaySeconds } : {}),
    ...(probe.periodSeconds !== undefined ? { periodSeconds: probe.periodSeconds } : {}),
    ...(probe.timeoutSeconds !== undefined ? { timeoutSeconds: probe.timeoutSeconds } : {}),
    ...(probe.successThreshold !== undefined ? { successThreshold: probe.successThreshold } : {}),
    ...(probe.failureThreshold !== undefined ? { failureThreshold: probe.failureThreshold } : {}),
  };
  if (probe.http) {
    const { path, port, scheme, headers } = probe.http;
    const httpGet = {
      path: path ?? '/',
      port,
      ...(scheme !== undefined ? { scheme } : {}),
      ...(headers ? { httpHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })) } : {}),
    };
    return { httpGet, ...timing };
  }
  if (probe.tcp) return { tcpSocket: { port: probe.tcp.port }, ...timing };
  if (probe.grpc) {
    const { port, service } = probe.grpc;
    const number = typeof port === 'number' ? port : app.ports.find((p) => p.name === port)!.targetPort;
    return { grpc: { port: number, ...(service !== undefined ? { service } : {}) }, ...timing };
  }
  return { exec: { command: [...probe.exec!] }, ...timing };
}

function ref(name: string, optional: boolean | undefined): Record<string, unknown> {
  return { name, ...(optional !== undefined ? { optional } : {}) };
}
