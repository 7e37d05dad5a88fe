import type { Construct } from 'constructs';
import type { ManifestSource } from '../../../model/manifest.js';
import type { IngressGateway } from '../../../model/traffic.js';
import { FleetObject } from '../fleet-object.js';

/**
 * The Istio Gateway (R6) in every cluster that runs the ingress gateway: one server for the
 * gateway's hosts, HTTPS terminating TLS with the gateway's secret when it has one, else HTTP. The
 * gateway pods themselves (Istio's gateway Helm chart) are the platform's, not fleet's.
 */
export function renderGateway(scope: Construct, gateway: IngressGateway, labels: Record<string, string>, source: ManifestSource): void {
  const https = gateway.tlsSecret !== undefined;
  new FleetObject(
    scope,
    `Gateway/${gateway.namespace}/${gateway.name}`,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: gateway.name, namespace: gateway.namespace, labels },
      spec: {
        selector: { ...gateway.selector },
        servers: [
          {
            port: { number: gateway.port, name: https ? 'https' : 'http', protocol: https ? 'HTTPS' : 'HTTP' },
            hosts: [...gateway.hosts],
            tls: https ? { mode: 'SIMPLE', credentialName: gateway.tlsSecret } : undefined,
          },
        ],
      },
    },
    source,
  );
}
