// Part of `npm run build`: compiles schema/fleet.schema.json into ajv standalone code next to the
// compiled schema module, so `fleet` does not compile the schema on every run (see
// src/phases/2-validate/schema.ts, which falls back to compiling when this file is missing or stale).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AJV_OPTIONS, PRECOMPILED_VALIDATOR, fleetSchema, schemaHash } from '../dist/phases/2-validate/schema.js';

const require = createRequire(import.meta.url);
const { Ajv } = require('ajv');
const standaloneCode = require('ajv/dist/standalone').default;

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const code = standaloneCode(ajv, ajv.compile(fleetSchema()));
writeFileSync(PRECOMPILED_VALIDATOR, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash())};\n`);
