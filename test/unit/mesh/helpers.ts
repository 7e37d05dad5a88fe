import type { KubeObject, RenderedCluster } from '../../../src/model/manifest.js';
import { buildMeshModel, type MeshFacts, type MeshModel } from '../../../src/mesh/model.js';

/** A rendered folder from plain objects. */
export function folder(cluster: string, objects: readonly KubeObject[]): RenderedCluster {
  return { cluster, manifests: objects.map((object) => ({ object, source: { file: 'test', entry: 'test' } })) };
}

export function model(folders: readonly RenderedCluster[], facts: Partial<MeshFacts> & Pick<MeshFacts, 'clusters'>): MeshModel {
  return buildMeshModel(folders, { ingressGateways: [], trustDomain: 'cluster.local', ...facts });
}

export const ns = (name: string, labels: Record<string, string> = { 'fleet.io/managed': 'true', 'istio-injection': 'enabled' }): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export const deployment = (namespace: string, name: string, labels: Record<string, string>, ports: Record<string, number> = { http: 8080 }, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { serviceAccountName: labels.app, containers: [{ name: 'c', ports: Object.entries(ports).map(([n, p]) => ({ name: n, containerPort: p })) }] } },
  },
});

export const service = (namespace: string, name: string, ports: { name: string; port: number; appProtocol?: string }[] = [{ name: 'http', port: 8080, appProtocol: 'http' }]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app: name }, ports: ports.map((p) => ({ ...p, targetPort: p.name, protocol: 'TCP' })) },
});

export const calico = (kind: string, name: string, spec: Record<string, unknown>, namespace?: string): KubeObject => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
});
