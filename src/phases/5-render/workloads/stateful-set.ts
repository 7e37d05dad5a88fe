import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { headlessServiceName } from '../../../model/names.js';
import { DEFAULTS } from '../../3-resolve/defaults.js';
import { FleetObject } from '../fleet-object.js';
import { appLabels, selectorLabels } from '../labels.js';

/**
 * The fields a StatefulSet has beyond a Deployment's: its governing Service (the headless
 * `<app>-headless`, which gives each pod its DNS name), a claim template per `storage` entry, and
 * the policies of DEFAULTS.statefulSet written out. Claim templates cannot change once the
 * StatefulSet exists (Kubernetes refuses the update): see docs/spec.md on changing `storage`.
 */
export function statefulSetFields(app: App): Record<string, unknown> {
  const { statefulSet } = DEFAULTS;
  return {
    serviceName: headlessServiceName(app),
    podManagementPolicy: statefulSet.podManagementPolicy,
    updateStrategy: { ...statefulSet.updateStrategy },
    persistentVolumeClaimRetentionPolicy: { ...statefulSet.persistentVolumeClaimRetentionPolicy },
    ...(app.workload.storage.length
      ? {
          volumeClaimTemplates: app.workload.storage.map((s) => ({
            metadata: { name: s.name },
            spec: {
              accessModes: [...s.accessModes],
              resources: { requests: { storage: s.size } },
              ...(s.storageClass !== undefined ? { storageClassName: s.storageClass } : {}),
            },
          })),
        }
      : {}),
  };
}

/**
 * A stateful app's headless Service (`clusterIP: None`), where the app runs: the StatefulSet's
 * `serviceName`, so pod `<app>-0` answers at `<app>-0.<app>-headless.<namespace>.svc` in its
 * cluster. Its ports are the app's Service's, so the mesh knows their protocols.
 */
export function renderHeadlessService(scope: Construct, app: App, fleetName: string, source: ManifestSource): void {
  const name = headlessServiceName(app);
  new FleetObject(
    scope,
    `${app.namespace}/${name}/Service`,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: app.namespace, labels: appLabels(app, fleetName, app.labels) },
      spec: {
        clusterIP: 'None',
        selector: selectorLabels(app),
        ...(app.ports.length ? { ports: app.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP', appProtocol: p.protocol.toLowerCase() })) } : {}),
      },
    },
    source,
  );
}
