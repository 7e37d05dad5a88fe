import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/trees.js';
import { compileText } from '../../helpers/spec.js';
import { objectsIn, renderTree, type K8sObject } from '../traffic/fleet.js';

/**
 * The Pod Security Standards' "restricted" checks, as kubernetes.io/docs/concepts/security/pod-security-standards
 * lists them (the baseline controls included, since restricted includes baseline), over one pod
 * template. Each problem names the control it breaks.
 */
function restrictedViolations(pod: any): string[] {
  const problems: string[] = [];
  const containers: any[] = [...(pod.containers ?? []), ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
  const podContext = pod.securityContext ?? {};
  // Baseline: host namespaces, privileged containers, capabilities, hostPath, host ports.
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[field] === true) problems.push(`Host Namespaces: ${field}`);
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) problems.push(`Privileged Containers: ${c.name}`);
    if ((c.ports ?? []).some((p: any) => p.hostPort !== undefined && p.hostPort !== 0)) problems.push(`Host Ports: ${c.name}`);
    // Restricted: Privilege Escalation.
    if (sc.allowPrivilegeEscalation !== false) problems.push(`Privilege Escalation: ${c.name} must set allowPrivilegeEscalation: false`);
    // Restricted: Running as Non-root (pod level, or every container), and not as UID 0.
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && podContext.runAsNonRoot !== true)) problems.push(`Running as Non-root: ${c.name}`);
    if (sc.runAsUser === 0) problems.push(`Running as Non-root user: ${c.name}`);
    // Restricted: Seccomp (pod level, or every container), RuntimeDefault or Localhost.
    const seccomp = sc.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`Seccomp: ${c.name} has ${seccomp ?? 'none'}`);
    // Restricted: Capabilities: drop ALL, add at most NET_BIND_SERVICE.
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`Capabilities: ${c.name} must drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`Capabilities: ${c.name} adds ${added.join(', ')}`);
  }
  if (podContext.runAsUser === 0) problems.push('Running as Non-root user: pod');
  // Restricted: Volume Types.
  const allowed = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'name']);
  for (const volume of pod.volumes ?? []) for (const key of Object.keys(volume)) if (!allowed.has(key)) problems.push(`Volume Types: ${volume.name} is ${key}`);
  return problems;
}

const podTemplates = (objects: readonly K8sObject[]) => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').map((o) => ({ name: `${o.kind} ${o.metadata.name}`, pod: o.spec.template.spec }));

describe('securityProfile: restricted passes the Pod Security Standards "restricted" checks', () => {
  const text = readFileSync(join(ROOT, 'examples/production-workloads/fleet-spec.yaml'), 'utf8');
  const tree = renderTree(text);

  it('every pod template of the example (all its apps ask for the profile) has no violation, in every cluster', () => {
    const templates = ['us-1', 'eu-1'].flatMap((cluster) => podTemplates(objectsIn(tree, cluster)));
    expect(templates.map((t) => t.name).sort()).toEqual(['Deployment api', 'Deployment api', 'Deployment web', 'Deployment web', 'StatefulSet orders-db']);
    for (const { name, pod } of templates) expect(restrictedViolations(pod), name).toEqual([]);
  });

  it('the checker fails a pod rendered without the profile (so the test above asserts something)', () => {
    const plain = renderTree(text.replaceAll('    securityProfile: restricted\n', ''));
    const [api] = podTemplates(objectsIn(plain, 'us-1')).filter((t) => t.name === 'Deployment api');
    expect(restrictedViolations(api.pod)).toEqual(['Privilege Escalation: api must set allowPrivilegeEscalation: false', 'Running as Non-root: api', 'Seccomp: api has none', 'Capabilities: api must drop ALL']);
  });

  it('exact fields win over the profile, merged field by field; the ones that undo it are warned about at their line', () => {
    const weakened = text.replace('securityContext: { container: { readOnlyRootFilesystem: true } }', 'securityContext: { container: { capabilities: { add: [NET_BIND_SERVICE, NET_ADMIN] } } }');
    const result = compileText(weakened);
    const [api] = podTemplates(objectsIn(result.tree!, 'us-1')).filter((t) => t.name === 'Deployment api');
    expect(api.pod.containers[0].securityContext.capabilities).toEqual({ add: ['NET_BIND_SERVICE', 'NET_ADMIN'], drop: ['ALL'] });
    expect(restrictedViolations(api.pod)).toEqual(['Capabilities: api adds NET_ADMIN']);
    const warnings = result.diagnostics.filter((d) => d.code === 'spec_security_profile_weakened');
    expect(warnings.map((d) => d.span?.start.line)).toEqual([text.split('\n').findIndex((l) => l.includes('securityContext: { container:')) + 1]);
  });
});
