import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** schema/fleet.schema.json, the source of truth for the spec's shape (also used by editors). */
export const SCHEMA_URL = new URL('../../../schema/fleet.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;
let schemaJson: Record<string, unknown> | undefined;

export function fleetSchema(): Record<string, unknown> {
  schemaJson ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  return schemaJson;
}

/** Validates one spec document; returns ajv's errors (verbose, so each carries its schema). */
export function validateAgainstSchema(value: unknown): ErrorObject[] {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(fleetSchema());
  return compiled(value) ? [] : [...(compiled.errors ?? [])];
}
