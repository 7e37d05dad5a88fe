import type { ContainerSecurityContextSpec, PodSecurityContextSpec, SecurityContextSpec } from '../../../model/workload-spec.js';

/**
 * The Pod Security Standards' restricted profile as fields
 * (kubernetes.io/docs/concepts/security/pod-security-standards, "Restricted"): the pod runs as
 * non-root with the runtime's default seccomp profile, set on the pod so an injected container (the
 * Istio sidecar) inherits them; the app's container cannot escalate privileges and drops every
 * capability. The profile's other controls (no host namespaces, host ports, privileged containers,
 * hostPath or other volume types outside its list) hold because fleet renders none of those.
 */
export const RESTRICTED = {
  pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } satisfies PodSecurityContextSpec,
  container: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } satisfies ContainerSecurityContextSpec,
} as const;

/**
 * The pod and container security contexts: the profile's fields, then the exact fields written
 * over them (objects merged key by key, so `capabilities: { add: [NET_BIND_SERVICE] }` keeps the
 * profile's `drop: [ALL]`; a list replaces the profile's list). Absent when neither says anything.
 */
export function securityContexts(profile: 'restricted' | undefined, exact: SecurityContextSpec): { pod?: Record<string, unknown>; container?: Record<string, unknown> } {
  const base = profile === 'restricted' ? RESTRICTED : { pod: {}, container: {} };
  const pod = merged(base.pod, exact.pod ?? {});
  const container = merged(base.container, exact.container ?? {});
  return { ...(Object.keys(pod).length ? { pod } : {}), ...(Object.keys(container).length ? { container } : {}) };
}

function merged(base: object, over: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = out[key];
    out[key] = isObject(before) && isObject(value) ? merged(before, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
