import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { itUpstream, upstreamProblems } from '../../helpers/upstream-schemas.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../../helpers/spec.js';

const withOverrides = (overrides: string) => `${MINIMAL_SPEC}overrides:\n${overrides}`;
const objectAt = (tree: ReadonlyMap<string, string> | undefined, path: string) => parse(tree!.get(path)!) as Record<string, any>;

describe('override patches', () => {
  const spec = withOverrides(`  - name: b-tweaks
    apps: { names: [web] }
    clusters: { names: [b-1] }
    patches:
      - { target: { kind: Deployment, name: web }, op: add, path: /spec/template/spec/containers/0/env, value: [{ name: REGION, value: b }] }
      - { target: { kind: Service }, op: replace, path: /spec/type, value: NodePort }
      - { target: { kind: Deployment }, op: test, path: /spec/replicas, value: 2 }
`);

  it('applies in the selected clusters only, after rendering, and records them in the plan', () => {
    const result = compileText(spec);
    expect(codesAt(result.diagnostics)).toEqual([]);
    const b = objectAt(result.tree, 'b-1/web/deployment.web.yaml');
    const a = objectAt(result.tree, 'a-1/web/deployment.web.yaml');
    expect(b.spec.template.spec.containers[0].env).toEqual([{ name: 'REGION', value: 'b' }]);
    expect(a.spec.template.spec.containers[0].env).toBeUndefined();
    expect(objectAt(result.tree, 'b-1/web/service.web.yaml').spec.type).toBe('NodePort');
    // The Service is one shared object for both clusters before patching: a-1's must stay ClusterIP.
    expect(objectAt(result.tree, 'a-1/web/service.web.yaml').spec.type).toBe('ClusterIP');
    const web = result.plan!.apps.find((p) => p.name === 'web')!;
    expect(web.workloads['b-1'].patches?.map((p) => p.summary)).toEqual(['add /spec/template/spec/containers/0/env on Deployment web', 'replace /spec/type on every Service', 'test /spec/replicas on every Deployment']);
    expect(web.workloads['a-1'].patches).toBeUndefined();
  });

  it('writes patched objects with sorted keys, the same bytes every run', () => {
    const first = compileText(spec).tree!.get('b-1/web/deployment.web.yaml')!;
    expect(compileText(spec).tree!.get('b-1/web/deployment.web.yaml')).toBe(first);
    const keys = Object.keys(parse(first).spec);
    expect(keys).toEqual([...keys].sort());
  });

  itUpstream('patched objects are still valid upstream', () => {
    const result = compileText(spec);
    const problems = ['b-1/web/deployment.web.yaml', 'b-1/web/service.web.yaml'].flatMap((p) => upstreamProblems(objectAt(result.tree, p)));
    expect(problems).toEqual([]);
  });

  it('a path that matches nothing is an error at the patch, naming the step and the object', () => {
    const result = compileText(
      withOverrides(`  - name: bad
    apps: { names: [web] }
    clusters: {}
    patches:
      - { target: { kind: Deployment }, op: replace, path: /spec/template/spec/containers/1/image, value: x }
`),
    );
    expect(codesAt(result.diagnostics)).toEqual(['render_patch_failed@26:60']);
    expect(result.diagnostics[0].message).toContain('/spec/template/spec/containers/1: /spec/template/spec/containers has 1 item(s), no index 1');
    expect(result.diagnostics[0].message).toContain('Deployment `web` in cluster a-1');
    expect(result.tree).toBeUndefined();
  });

  it('a target that selects nothing anywhere, a failed test, and a change of identity are errors', () => {
    const result = compileText(
      withOverrides(`  - name: bad
    apps: { names: [web] }
    clusters: {}
    patches:
      - { target: { kind: CronJob }, op: remove, path: /spec }
      - { target: { kind: Deployment }, op: test, path: /spec/replicas, value: 3 }
      - { target: { kind: Service }, op: replace, path: /metadata/name, value: other }
`),
    );
    expect(codesAt(result.diagnostics)).toEqual(['render_patch_no_target@26:19', 'render_patch_failed@27:80', 'render_patch_identity@28:57']);
  });

  it('op and its members must agree (validated before placement)', () => {
    const result = compileText(
      withOverrides(`  - name: bad
    apps: { names: [web] }
    clusters: {}
    patches:
      - { target: { kind: Service }, op: replace, path: /spec/type }
      - { target: { kind: Service }, op: copy, path: /spec/x, value: 1 }
`),
      { renderOutput: false },
    );
    expect(codesAt(result.diagnostics)).toEqual(['spec_patch_fields@26:42', 'spec_patch_fields@27:42', 'spec_patch_fields@27:63']);
  });
});
