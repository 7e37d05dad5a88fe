import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import { PRECOMPILED_VALIDATOR_FILE, SCHEMA_FILE } from '../../package-files.js';

/** Every error at once (all of a spec's problems are reported together), each with its schema (for the messages). */
export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true };

/**
 * The validator as ajv standalone code, written next to this module by the build
 * (scripts/precompile-schema.mjs) so a run neither loads ajv nor compiles the schema. It records
 * the hash of the schema it was compiled from; after a schema edit without a rebuild (and when
 * running from src/) the schema is compiled here instead.
 */
export const PRECOMPILED_VALIDATOR = fileURLToPath(PRECOMPILED_VALIDATOR_FILE);

const require = createRequire(import.meta.url);
/** Read when this module loads, so validating (and compile()) reads no file. */
const SCHEMA_TEXT = readFileSync(SCHEMA_FILE, 'utf8');
const VALIDATOR: ValidateFunction = precompiled() ?? new (require('ajv').Ajv as typeof AjvClass)(AJV_OPTIONS).compile(fleetSchema());

export function fleetSchema(): Record<string, unknown> {
  return JSON.parse(text()) as Record<string, unknown>;
}

/** The sha256 of schema/fleet.schema.json. */
export function schemaHash(): string {
  return hash('sha256', text());
}

/** Validates one spec document; returns ajv's errors (verbose, so each carries its schema). */
export function validateAgainstSchema(value: unknown): ErrorObject[] {
  return VALIDATOR(value) ? [] : [...(VALIDATOR.errors ?? [])];
}

function precompiled(): ValidateFunction | undefined {
  let module: ValidateFunction & { schemaHash?: string };
  try {
    module = require(PRECOMPILED_VALIDATOR) as typeof module;
  } catch {
    return undefined;
  }
  return module.schemaHash === schemaHash() ? module : undefined;
}

function text(): string {
  return SCHEMA_TEXT;
}
