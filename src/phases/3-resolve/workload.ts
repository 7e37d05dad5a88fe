import type { AppSpec } from '../../model/spec.js';
import type { AutoscalingSettings, WorkloadSettings } from '../../model/workload.js';
import { DEFAULTS } from './defaults.js';

/** An app's pod, disruption, autoscaling and storage settings with the defaults of DEFAULTS applied. */
export function resolveWorkload(spec: AppSpec): WorkloadSettings {
  return {
    probes: spec.probes ?? {},
    securityProfile: spec.securityProfile,
    securityContext: spec.securityContext ?? {},
    configFrom: spec.configFrom ?? [],
    volumes: spec.volumes ?? [],
    imagePullSecrets: spec.imagePullSecrets ?? [],
    serviceAccountAnnotations: spec.serviceAccount?.annotations ?? {},
    spreadWithinCluster: spec.spreadWithinCluster ?? DEFAULTS.spreadWithinCluster,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    disruption: spec.disruption,
    autoscaling: spec.autoscaling && resolveAutoscaling(spec.autoscaling),
    storage: (spec.storage ?? []).map((s) => ({
      name: s.name,
      size: String(s.size),
      ...(s.storageClass !== undefined ? { storageClass: s.storageClass } : {}),
      accessModes: s.accessModes ?? DEFAULTS.storageAccessModes,
      mountPath: s.mountPath,
    })),
    replication: spec.replication ?? DEFAULTS.replication,
  };
}

function resolveAutoscaling(spec: NonNullable<AppSpec['autoscaling']>): AutoscalingSettings {
  const noMetric = spec.cpu === undefined && spec.memory === undefined;
  return {
    min: spec.min,
    max: spec.max,
    ...(noMetric ? { cpu: DEFAULTS.autoscalingCpu } : {}),
    ...(spec.cpu !== undefined ? { cpu: spec.cpu } : {}),
    ...(spec.memory !== undefined ? { memory: spec.memory } : {}),
  };
}
