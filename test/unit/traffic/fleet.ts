import { parse } from 'yaml';
import { expect } from 'vitest';
import type { OutputTree } from '../../../src/phases/6-emit/index.js';
import { compileText } from '../../helpers/spec.js';

/**
 * A three-region fleet on three networks: na-1 and na-2 share `net-na` (pod IPs routable between
 * them), eu-1 and sea-1 have networks of their own; every cluster runs an east-west gateway.
 * `web` runs everywhere behind the `public` gateway and calls `checkout` (na-1, eu-1; a 90/10
 * canary split, a header match, retries, a timeout, failover from Asia to us-east1), which calls
 * `payments` (na-1 only; target port differs from the service port).
 */
export const THREE_REGIONS = `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: shop
clusters:
  - { name: na-1, region: us-east1, network: net-na, podCIDRs: [10.10.0.0/16], eastWestGateway: { addresses: [203.0.113.10] } }
  - { name: na-2, region: us-east1, network: net-na, podCIDRs: [10.11.0.0/16], eastWestGateway: { addresses: [203.0.113.11] } }
  - { name: eu-1, region: europe-west1, network: net-eu, podCIDRs: [10.20.0.0/16], eastWestGateway: { addresses: [203.0.113.20] } }
  - { name: sea-1, region: asia-southeast1, network: net-sea, podCIDRs: [10.30.0.0/16], eastWestGateway: { addresses: [203.0.113.30] } }
apps:
  - name: web
    namespace: shop
    image: example.com/web:1.0.0
    ports: [{ name: http, port: 8080 }]
  - name: checkout
    namespace: shop
    image: example.com/checkout:1.0.0
    replicas: 4
    ports: [{ name: grpc, port: 9090, protocol: GRPC }]
    versions:
      - { name: stable }
      - { name: canary, image: example.com/checkout:1.1.0-rc1 }
  - name: payments
    namespace: payments
    image: example.com/payments:1.0.0
    ports: [{ name: grpc, port: 9090, targetPort: 9443, protocol: GRPC }]
placement:
  - name: web-everywhere
    apps: { names: [web] }
  - name: checkout-na-eu
    apps: { names: [checkout] }
    clusters: { names: [na-1, eu-1] }
  - name: payments-na
    apps: { names: [payments] }
    clusters: { names: [na-1] }
gateways:
  - { name: public, hosts: [shop.example.com], tlsSecret: shop-tls }
traffic:
  - name: internet-to-web
    from: [{ ingress: public }]
    to: web
  - name: web-to-checkout
    from: [web]
    to: checkout
    split: { stable: 90, canary: 10 }
    match: [{ headers: { x-canary: { exact: "1" } }, version: canary }]
    retries: { attempts: 3, perTryTimeout: 2s, retryOn: 5xx }
    timeout: 5s
    failover: [{ from: asia-southeast1, to: us-east1 }]
  - name: checkout-to-payments
    from: [checkout]
    to: payments
`;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
}

/** Renders a spec that must have no errors. */
export function renderTree(text: string): OutputTree {
  const result = compileText(text);
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return result.tree!;
}

/** Every object rendered into one cluster's folder, in file order. */
export function objectsIn(tree: OutputTree, cluster: string): K8sObject[] {
  return [...tree].filter(([path]) => path.startsWith(`${cluster}/`) && !path.endsWith('/kustomization.yaml')).map(([, text]) => parse(text) as K8sObject);
}

/** `Kind namespace/name` (or `Kind name`) of each object, sorted: compact to assert on. */
export function inventory(objects: readonly K8sObject[], kinds?: readonly string[]): string[] {
  return objects
    .filter((o) => !kinds || kinds.includes(o.kind))
    .map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`)
    .sort();
}

export function find(objects: readonly K8sObject[], kind: string, name: string, namespace?: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
}

export function get(objects: readonly K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const object = find(objects, kind, name, namespace);
  expect(object, `${kind} ${namespace ?? ''}/${name}`).toBeDefined();
  return object!;
}
