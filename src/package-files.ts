/**
 * The files fleet reads from its own package, resolved from this module's place: the top of src/
 * (running from source) or of dist/ (the library), where the CLI's bundle (dist/fleet-cli.js,
 * scripts/bundle-cli.mjs) also sits. Every such path is resolved here, so it means the same in
 * all three.
 */
const at = (path: string) => new URL(path, import.meta.url);

/** schema/fleet.schema.json, the source of truth for the spec's shape (also used by editors). */
export const SCHEMA_FILE = at('../schema/fleet.schema.json');

/** fleet's package.json (its version). */
export const PACKAGE_JSON = at('../package.json');

/** The schema's validator as ajv standalone code, written by the build (scripts/precompile-schema.mjs); absent in src/. */
export const PRECOMPILED_VALIDATOR_FILE = at('./phases/2-validate/fleet-schema.validate.cjs');

/** dist/build-id.json, written by scripts/build-id.mjs; absent in src/, so running from source never uses the synth cache. */
export const BUILD_ID_FILE = at('./build-id.json');

/** The stamp check's thread (src/cli/stamp-check-worker.ts), compiled; absent in src/, where the check runs on the main thread. */
export const STAMP_CHECK_WORKER = at('./cli/stamp-check-worker.js');
