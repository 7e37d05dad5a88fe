import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { it } from 'vitest';
import { IN_CI } from './ci.js';

/**
 * Validates rendered documents against the upstream JSON Schemas in ../shared/schemas (Kubernetes
 * 1.35 and 1.28, Istio, Calico, Flux, kustomize), strict like kubeconform -strict. That folder sits
 * beside the project in CI, where its absence fails the checks; a user's clone has none, so there
 * they are skipped with a message. Tests declare such checks with itUpstream, or ask upstreamSchemasPresent().
 */
export const SCHEMA_DIR = fileURLToPath(new URL('../../../shared/schemas/', import.meta.url));
export const haveUpstreamSchemas = existsSync(`${SCHEMA_DIR}index.json`);
export const SKIP_MESSAGE = `../shared/schemas not found (${SCHEMA_DIR}): upstream schema checks skipped`;
export const MISSING_IN_CI = `../shared/schemas not found (${SCHEMA_DIR}index.json), and CI is set: CI validates every rendered document against the upstream schemas, so they must be there (lay shared/ beside the clone; outside CI, unset CI to skip these checks)`;

/** Whether the upstream checks can run: false (skip) outside CI when the schemas are absent; in CI their absence throws. */
export function upstreamSchemasPresent(): boolean {
  if (haveUpstreamSchemas) return true;
  if (IN_CI) throw new Error(MISSING_IN_CI);
  return false;
}

/** A test of upstream validity: runs when the schemas are there, fails in CI when they are not, and is skipped, saying why, elsewhere. */
export function itUpstream(name: string, test: () => void | Promise<void>): void {
  if (haveUpstreamSchemas) it(name, test);
  else if (IN_CI) it(name, () => upstreamSchemasPresent());
  else {
    it(name, (context) => {
      console.warn(SKIP_MESSAGE);
      context.skip(SKIP_MESSAGE);
    });
  }
}

interface IndexEntry {
  apiVersion: string;
  kind: string;
  schema: string;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
let ajv: Ajv | undefined;
let index: IndexEntry[] = [];
let alternates: Record<string, string[]> = {};
const cache = new Map<string, ValidateFunction>();

function setup(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat('cidr', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  for (const k of ['group-version-kind', 'int-or-string', 'list-map-keys', 'list-type', 'map-type', 'patch-merge-key', 'patch-strategy', 'preserve-unknown-fields', 'unions', 'validations']) {
    ajv.addKeyword(`x-kubernetes-${k}`);
  }
  const parsed = JSON.parse(readFileSync(`${SCHEMA_DIR}index.json`, 'utf8')) as { schemas: IndexEntry[]; alternates?: unknown };
  index = parsed.schemas;
  alternates = collectAlternates(parsed.alternates);
  return ajv;
}

/** index.json's `alternates`: per set (e.g. `kubernetes-v1.28.4`), entries like index's, keyed here by apiVersion and kind. */
function collectAlternates(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entries of Object.values((raw ?? {}) as Record<string, IndexEntry[]>)) {
    for (const e of entries) (out[`${e.apiVersion}|${e.kind}`] ??= []).push(e.schema);
  }
  return out;
}

function validatorFor(file: string): ValidateFunction {
  const instance = setup();
  let validate = cache.get(file);
  if (!validate) {
    validate = instance.compile(JSON.parse(readFileSync(`${SCHEMA_DIR}${file}`, 'utf8')));
    cache.set(file, validate);
  }
  return validate;
}

/**
 * Problems with one document, as `Kind/name: path message` lines; empty when it is valid against
 * every schema that covers it (the current one, and the 1.28 one for core kinds).
 */
export function upstreamProblems(doc: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): string[] {
  setup();
  const entry = index.find((e) => e.apiVersion === doc.apiVersion && e.kind === doc.kind);
  const label = `${doc.kind}/${doc.metadata?.name ?? '?'}`;
  if (!entry) return [`${label}: no upstream schema for ${doc.apiVersion} ${doc.kind}`];
  const files = [entry.schema, ...(alternates[`${entry.apiVersion}|${entry.kind}`] ?? [])];
  const problems: string[] = [];
  for (const file of files) {
    const validate = validatorFor(file);
    if (!validate(doc)) problems.push(...(validate.errors ?? []).map((e) => `${label} (${file}): ${e.instancePath} ${e.message}`));
  }
  return problems;
}
