import { describe, expect, it } from 'vitest';
import { formatExplanation } from '../../src/report/explain.js';
import { compileText } from '../helpers/spec.js';
import { get, objectsIn, renderTree } from './traffic/fleet.js';

/** Two clusters, `api` with versions (stable on the app's image, canary pinned to its own), called from `web`. */
const spec = ({ versions = true, overrides = '', callersIn = '[a-1, b-1]' } = {}) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: decided }
clusters:
  - { name: a-1, region: r-a, podCIDRs: [10.1.0.0/16], labels: { geo: a } }
  - { name: b-1, region: r-b, podCIDRs: [10.2.0.0/16], labels: { geo: b } }
  - { name: c-1, region: r-c, podCIDRs: [10.3.0.0/16], labels: { geo: c } }
apps:
  - { name: web, image: ghcr.io/acme/web:1.0.0, ports: [{ name: http, port: 8080 }] }
  - name: api
    image: ghcr.io/acme/api:1.8.0
    replicas: 3
    ports: [{ name: http, port: 8080 }]
${versions ? '    versions: [{ name: stable }, { name: canary, image: ghcr.io/acme/api:1.9.0-rc1 }]\n' : ''}placement:
  - { name: web-where-asked, apps: { names: [web] }, clusters: { names: ${callersIn} } }
  - { name: api-in-a-and-b, apps: { names: [api] }, clusters: { names: [a-1, b-1] }, replicas: { strategy: Divided } }
overrides:
${overrides || '  []'}
traffic:
  - { name: web-to-api, from: [web], to: api${versions ? ', split: { stable: 90, canary: 10 }' : ''} }
`;

const images = (text: string, cluster: string) =>
  Object.fromEntries(
    objectsIn(renderTree(text), cluster)
      .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.app === 'api')
      .map((d) => [d.metadata.name, d.spec.template.spec.containers[0].image]),
  );

describe('image overrides rewrite each version on its own (issue 14.1)', () => {
  it('a registry override moves every version to the registry and keeps each its own tag', () => {
    const text = spec({ overrides: '  - { name: mirror, apps: { names: [api] }, clusters: { names: [b-1] }, image: { registry: europe-docker.pkg.dev/acme } }' });
    expect(images(text, 'a-1')).toEqual({ api: 'ghcr.io/acme/api:1.8.0', 'api-canary': 'ghcr.io/acme/api:1.9.0-rc1' });
    expect(images(text, 'b-1')).toEqual({ api: 'europe-docker.pkg.dev/acme/api:1.8.0', 'api-canary': 'europe-docker.pkg.dev/acme/api:1.9.0-rc1' });
  });

  it("a tag override retags the app's own image; a version pinned to another image keeps it", () => {
    const text = spec({ overrides: '  - { name: hotfix, apps: { names: [api] }, clusters: { names: [b-1] }, image: { tag: 1.8.1 } }' });
    expect(images(text, 'b-1')).toEqual({ api: 'ghcr.io/acme/api:1.8.1', 'api-canary': 'ghcr.io/acme/api:1.9.0-rc1' });
  });
});

describe('the plan is what is rendered (issue 15.1)', () => {
  const text = spec({ versions: false, overrides: '  - { name: more-in-b, apps: { names: [api] }, clusters: { names: [b-1] }, replicas: 7 }' });

  it('an override of replicas is in the plan, its decisions and the rendered Deployment', () => {
    const result = compileText(text);
    const api = result.plan!.apps.find((a) => a.name === 'api')!;
    const divided = api.divided!;
    expect(divided['a-1'] + divided['b-1']).toBe(3);
    expect(api.clusters).toEqual({ 'a-1': divided['a-1'], 'b-1': 7 });
    expect(api.decisions.find((d) => d.cluster === 'b-1')).toMatchObject({ replicas: 7, divided: divided['b-1'], replicasFrom: 'more-in-b' });
    expect(get(objectsIn(result.tree!, 'b-1'), 'Deployment', 'api', 'api').spec.replicas).toBe(7);
    const lock = JSON.parse(result.tree!.get('fleet.lock.json')!);
    expect(lock.placement.find((p: { name: string }) => p.name === 'api')).toEqual({ namespace: 'api', name: 'api', clusters: { 'a-1': divided['a-1'], 'b-1': 7 }, divided });
  });

  it('explain shows the override and what runs where', () => {
    const result = compileText(text);
    const explanation = formatExplanation(result.fleet!.apps.find((a) => a.name === 'api')!, result.plan!.apps.find((a) => a.name === 'api')!);
    expect(explanation).toContain(`override \`more-in-b\` sets 7 (placement divided ${result.plan!.apps.find((a) => a.name === 'api')!.divided!['b-1']})`);
    expect(explanation).toMatch(/b-1\s+api\s+7\s+ghcr.io\/acme\/api:1.8.0\s+more-in-b/);
  });
});

describe('adding versions to a running app keeps the pods that serve it (issue 14.6)', () => {
  const before = objectsIn(renderTree(spec({ versions: false })), 'a-1');
  const after = objectsIn(renderTree(spec()), 'a-1');

  it("the first version's Deployment is the app's Deployment, with the same immutable selector", () => {
    const was = get(before, 'Deployment', 'api', 'api');
    const is = get(after, 'Deployment', 'api', 'api');
    expect(is.spec.selector).toEqual(was.spec.selector);
    expect(
      after
        .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.app === 'api')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['api', 'api-canary']);
  });

  it('the pods running before versions were added are in the first subset, so the split has endpoints at once', () => {
    const oldPods = get(before, 'Deployment', 'api', 'api').spec.template.metadata.labels as Record<string, string>;
    const subsets = get(after, 'DestinationRule', 'api', 'api').spec.subsets as { name: string; labels: Record<string, string> }[];
    const matches = (labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => oldPods[k] === v);
    expect(subsets.filter((s) => matches(s.labels)).map((s) => s.name)).toEqual(['stable']);
  });

  it('no two Deployments select the same pods', () => {
    const deployments = after.filter((o) => o.kind === 'Deployment' && o.metadata.labels?.app === 'api');
    expect(deployments.length).toBeGreaterThan(1);
    for (const d of deployments) {
      const selected = deployments.filter((other) => Object.entries(d.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => other.spec.template.metadata.labels[k] === v));
      expect(selected.map((s) => s.metadata.name)).toEqual([d.metadata.name]);
    }
  });
});

describe('DestinationRule subsets where the destination runs (issue 14.2)', () => {
  it('is rendered where the destination runs even when none of its callers run there', () => {
    // web runs only in c-1; api only in a-1 and b-1: their east-west gateways build subset clusters from their own DestinationRules.
    const tree = renderTree(spec({ callersIn: '[c-1]' }));
    for (const cluster of ['a-1', 'b-1', 'c-1']) {
      const dr = get(objectsIn(tree, cluster), 'DestinationRule', 'api', 'api');
      expect(
        dr.spec.subsets.map((s: { name: string }) => s.name),
        cluster,
      ).toEqual(['stable', 'canary']);
    }
  });
});

describe('overrides people need (issue 16.11)', () => {
  const text = spec({
    versions: false,
    overrides: `  - name: eu-tuning
    apps: { names: [api] }
    clusters: { names: [b-1] }
    image: { repository: api-eu }
    command: [/bin/api, serve]
    args: [--region, eu]
    resources: { requests: { cpu: 500m }, limits: { memory: 1Gi } }
    workloadAnnotations: { example.com/owner: eu-team }`,
  });

  it('resources, command, args, the repository name and annotations on the workload itself, only where selected', () => {
    const tree = renderTree(text);
    const [a, b] = ['a-1', 'b-1'].map((cluster) => get(objectsIn(tree, cluster), 'Deployment', 'api', 'api'));
    const container = b.spec.template.spec.containers[0];
    expect(container).toMatchObject({ image: 'ghcr.io/acme/api-eu:1.8.0', command: ['/bin/api', 'serve'], args: ['--region', 'eu'], resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } } });
    // On the Deployment, not on its pods: a change there restarts nothing.
    expect((b.metadata as { annotations?: unknown }).annotations).toEqual({ 'example.com/owner': 'eu-team' });
    expect(b.spec.template.metadata.annotations).toBeUndefined();
    expect(a.spec.template.spec.containers[0]).toEqual({ name: 'api', image: 'ghcr.io/acme/api:1.8.0', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });
    expect((a.metadata as { annotations?: unknown }).annotations).toBeUndefined();
  });

  it('are decided in the plan, as rendered', () => {
    const workload = compileText(text).plan!.apps.find((app) => app.name === 'api')!.workloads['b-1'];
    expect(workload.container).toEqual({ command: ['/bin/api', 'serve'], args: ['--region', 'eu'], resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } } });
    expect(workload.workloadAnnotations).toEqual({ 'example.com/owner': 'eu-team' });
    expect(workload.deployments[0].image).toBe('ghcr.io/acme/api-eu:1.8.0');
  });
});
