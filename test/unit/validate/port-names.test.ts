import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler.js';
import { portNameProblems } from '../../../src/phases/2-validate/port-name.js';
import { AJV_OPTIONS, fleetSchema } from '../../../src/phases/2-validate/schema.js';

/**
 * Port names follow Kubernetes' IsValidPortName (k8s.io/apimachinery/pkg/util/validation): the
 * examples are upstream's own (validation_test.go, TestIsValidPortName), plus the ones of issue 14.7.
 */
const UPSTREAM_GOOD = ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'];
const UPSTREAM_BAD = ['longerthan15characters', '', 'a'.repeat(16), '12345', '1-2-3-4', '-begin', 'end-', 'two--hyphens', 'whois++'];
const ISSUE_BAD = ['a--b', 'http--metrics', 'Http', 'http_admin', '-', '8080'];

/** The schema's `portName` definition, compiled on its own, as editors apply it. */
function schemaAccepts(): (name: string) => boolean {
  const schema = fleetSchema() as { definitions: Record<string, unknown> };
  const validate = new Ajv(AJV_OPTIONS).compile(schema.definitions.portName as object);
  return (name) => validate(name);
}

const specWithPort = (name: string) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: shop }
clusters: [{ name: na-1 }]
apps:
  - { name: web, image: x/web:1, ports: [{ name: ${JSON.stringify(name)}, port: 8080 }], callers: none }
  - { name: api, image: x/api:1, ports: [{ name: http, port: 8080 }] }
placement: [{ name: all, apps: {} }]
traffic: [{ name: web-to-api, from: [web], to: api, ports: [http] }]
`;
const codesFor = (name: string) => compile([{ path: 'f.yaml', name: 'f.yaml', text: specWithPort(name) }], { renderOutput: false }).diagnostics.map((d) => d.code);

describe('port names (IANA service names, as Kubernetes checks them)', () => {
  it('accepts and rejects what upstream does', () => {
    for (const name of UPSTREAM_GOOD) expect(portNameProblems(name), name).toEqual([]);
    for (const name of [...UPSTREAM_BAD, ...ISSUE_BAD]) expect(portNameProblems(name), name).not.toEqual([]);
  });

  it('the schema pattern (for editors) is the same rule', () => {
    const accepts = schemaAccepts();
    const names = fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', '-', 'A', '_', '.'), maxLength: 18 });
    fc.assert(
      fc.property(names, (name) => accepts(name) === (portNameProblems(name).length === 0)),
      { seed: 7, numRuns: 2000 },
    );
    for (const name of [...UPSTREAM_GOOD, ...UPSTREAM_BAD, ...ISSUE_BAD]) expect(accepts(name), name).toBe(portNameProblems(name).length === 0);
  });

  it('fleet validate reports each bad name once, at the port, with what is wrong', () => {
    for (const name of [...UPSTREAM_BAD, ...ISSUE_BAD]) expect(codesFor(name), name).toEqual(['spec_invalid_port_name']);
    for (const name of UPSTREAM_GOOD) expect(codesFor(name), name).toEqual([]);
    const [diagnostic] = compile([{ path: 'f.yaml', name: 'f.yaml', text: specWithPort('a--b') }], { renderOutput: false }).diagnostics;
    expect(diagnostic.message).toContain("has two '-' in a row");
    expect(diagnostic.span?.start.line).toBe(6);
  });
});
