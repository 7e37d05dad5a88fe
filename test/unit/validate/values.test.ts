import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { durationNanoseconds, durationProblem, MAX_NANOSECONDS } from '../../../src/phases/2-validate/duration.js';
import { parseImageReference } from '../../../src/phases/2-validate/image-reference.js';
import { re2Problem } from '../../../src/phases/2-validate/re2.js';
import { DURATION_FIELDS } from '../../../src/phases/2-validate/rules/values.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../../helpers/spec.js';

/** Issue 18, item 19: values of the right form that the cluster, Istio or Envoy would refuse. */
describe('image references (distribution/reference)', () => {
  it.each([
    'nginx',
    'library/nginx:1.27',
    'ghcr.io/acme/web:1.8.0',
    'localhost:5000/team/app_x__y--z:v1.2-rc.1',
    '[::1]:5000/app',
    `ghcr.io/acme/web:1.0@sha256:${'0a'.repeat(32)}`,
    `ghcr.io/acme/web@sha256:${'f'.repeat(64)}`,
  ])('accepts %s', (image) => expect(parseImageReference(image)).not.toHaveProperty('problem'));

  it.each([
    ['ghcr.io/acme/web:1.0 ;rm -rf', 'a space'],
    ['ghcr.io/acme/web:1.0;rm', '`;`'],
    ['ghcr.io/acme/w\u0000eb', 'U+0000'],
    ['ghcr.io/Acme/web', 'lower-case'],
    [`web:${'x'.repeat(129)}`, 'the tag'],
    ['web:-1', 'the tag'],
    ['web@sha256:abc', 'the digest'],
    [`web@sha256:${'F'.repeat(64)}`, '64 lower-case hex'],
    ['web..x', 'repository name'],
    ['', 'no repository name'],
  ])('refuses %j (%s)', (image, why) => {
    const parsed = parseImageReference(image);
    expect('problem' in parsed && parsed.problem).toContain(why);
  });

  it('refuses the bad references of a spec at their place, and a tag override that would drop a pinned digest at the override', () => {
    const digest = `ghcr.io/acme/web@sha256:${'a'.repeat(64)}`;
    const spec = `${MINIMAL_SPEC.replace('example.com/web:1.0.0', digest)}overrides:\n  - name: retag\n    apps: { names: [web] }\n    clusters: { names: [a-1] }\n    image: { tag: "2.0" }\n`;
    expect(codesAt(compileText(spec).diagnostics)).toEqual(['spec_override_drops_digest@25:19']);
    // A registry override keeps the digest (rewriteImage): not an error.
    expect(compileText(spec.replace('tag: "2.0"', 'registry: mirror.example.com')).diagnostics).toEqual([]);
    expect(codesAt(compileText(MINIMAL_SPEC.replace('example.com/web:1.0.0', '"example.com/web:1.0 ;x"')).diagnostics)).toEqual(['spec_invalid_image@14:12']);
  });
});

describe('durations (Go time.Duration; Istio ≥ 1ms, whole ms)', () => {
  it('computes nanoseconds exactly, fractions included', () => {
    expect(durationNanoseconds('1h30m')).toBe(5_400_000_000_000n);
    expect(durationNanoseconds('1.5s')).toBe(1_500_000_000n);
    expect(durationNanoseconds('2562047h47m16.854775807s')).toBe(MAX_NANOSECONDS);
  });

  it.each([
    ['99999999999999999999h', false, 'longer'],
    ['2562047h47m16.854775808s', false, 'longer'],
    ['2562047h2562047h', false, 'longer'],
    ['0s', true, 'shorter than 1ms'],
    ['1.5ms', true, 'whole number of milliseconds'],
  ])('refuses %s (Istio field: %s)', (text, istio, why) => expect(durationProblem(text, istio)).toContain(why));

  it.each([
    ['5s', true],
    ['0.5s', true],
    ['1ms', true],
    ['0s', false],
    ['2562047h', false],
  ])('accepts %s (Istio field: %s)', (text, istio) => expect(durationProblem(text, istio)).toBeUndefined());

  it('checks every field the schema gives the `duration` definition', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../schema/fleet.schema.json', import.meta.url), 'utf8'));
    const found: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}/${i}`));
      else if (node && typeof node === 'object') {
        if ((node as { $ref?: string }).$ref === '#/definitions/duration') found.push(path);
        for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
      }
    };
    walk(schema, '');
    const asPath = (pointer: string) =>
      pointer
        .replace(/^\/properties\/flux\/properties\//, 'flux.')
        .replace(/^\/definitions\/trafficRule\/properties\//, 'traffic[].')
        .replace(/\/properties\//g, '.');
    expect(found.map(asPath).sort()).toEqual(DURATION_FIELDS.map((f) => f.path).sort());
  });

  it('refuses a timeout Kubernetes cannot hold, at its place', () => {
    const spec = `${MINIMAL_SPEC.replace('    callers: none\n', '')}traffic:\n  - { name: self, from: [web], to: web, timeout: 99999999999999999999h }\n`;
    expect(codesAt(compileText(spec).diagnostics)).toEqual(['spec_duration_out_of_range@21:50']);
  });
});

describe('regexes (RE2, as Istio and Envoy run them)', () => {
  it.each(['^/api/v[0-9]+/.*$', '(?i)chrome', '(?P<major>\\d+)\\.\\d+', '[[:alpha:]]+', '\\Q(literal)\\E', '\\012', '.*Mobile.*'])('accepts %s', (regex) => expect(re2Problem(regex)).toBeUndefined());

  it.each([
    ['((((a', 'does not compile'],
    ['[z-a]', 'does not compile'],
    ['a**', 'does not compile'],
    ['^(?!bot).*', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(a)\\1', 'backreference'],
    ['(?<n>a)\\k<n>', 'named backreference'],
    ['(?>a)', 'atomic group'],
    ['a*+', 'possessive'],
    ['a{1001}', 'more than 1000'],
    ['a\\Z', 'does not know'],
    ['', 'empty'],
    ['a'.repeat(1025), 'at most 1024'],
  ])('refuses %j (%s)', (regex, why) => expect(re2Problem(regex)).toContain(why));
});
