import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/diagnostics/suggest.js';
import { cidrProblem } from '../../src/phases/2-validate/rules/cidrs.js';
import { rewriteImage } from '../../src/phases/4-place/workloads.js';
import { parseQuantity } from '../../src/phases/3-resolve/quantity.js';

describe('did you mean', () => {
  it('measures edits', () => {
    expect(editDistance('replica', 'replicas')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close names only', () => {
    expect(closest('replica', ['replicas', 'ports', 'image'])).toBe('replicas');
    expect(closest('eu-2', ['eu-1', 'na-1'])).toBe('eu-1');
    expect(closest('Replicas', ['replicas'])).toBe('replicas');
    expect(closest('frontend', ['web', 'api'])).toBeUndefined();
  });
});

describe('quantities', () => {
  it.each([
    ['250m', 250_000_000n],
    ['1', 1_000_000_000n],
    [2, 2_000_000_000n],
    ['1.5', 1_500_000_000n],
    ['1Ki', 1024_000_000_000n],
    ['1.5Gi', 1610612736_000_000_000n],
    ['1k', 1_000_000_000_000n],
    ['1e3', 1_000_000_000_000n],
    ['100n', 100n],
  ] as const)('%s', (text, nanos) => expect(parseQuantity(text)).toBe(nanos));

  it('rejects what is not a quantity', () => {
    expect(parseQuantity('4Gb')).toBeUndefined();
    expect(parseQuantity('one')).toBeUndefined();
  });
});

describe('CIDRs', () => {
  it.each([
    ['10.10.0.0/16', undefined],
    ['fd00::/48', undefined],
    ['10.10.0.1/16', 'host bits are set (did you mean `10.10.0.0/16`?)'],
    ['10.0.0.0/33', 'the prefix must be 0 to 32'],
    ['10.0.0/8', '`10.0.0` is not an IP address'],
  ])('%s', (cidr, problem) => expect(cidrProblem(cidr)).toBe(problem));
});

describe('image overrides', () => {
  it.each([
    ['ghcr.io/acme/checkout:1.8.0', { registry: 'europe-docker.pkg.dev/acme' }, 'europe-docker.pkg.dev/acme/checkout:1.8.0'],
    ['ghcr.io/acme/checkout:1.8.0', { tag: '1.9.0' }, 'ghcr.io/acme/checkout:1.9.0'],
    ['ghcr.io/acme/checkout:1.8.0', { registry: 'eu.example.com/', tag: '2' }, 'eu.example.com/checkout:2'],
    ['localhost:5000/web', { tag: 'dev' }, 'localhost:5000/web:dev'],
    ['nginx', { registry: 'mirror.example.com' }, 'mirror.example.com/nginx'],
    ['ghcr.io/acme/web@sha256:abc', { registry: 'eu.example.com' }, 'eu.example.com/web@sha256:abc'],
  ] as const)('%s with %o', (image, change, expected) => expect(rewriteImage(image, change)).toBe(expected));
});
