import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AJV_OPTIONS, fleetSchema, schemaHash } from '../../src/phases/2-validate/schema.js';
import { IN_CI } from '../helpers/ci.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** What `npm run build` writes (scripts/precompile-schema.mjs) and the fleet binary loads instead of compiling the schema. */
const BUILT = join(ROOT, 'dist/phases/2-validate/fleet-schema.validate.cjs');
const built = existsSync(BUILT) ? (createRequire(import.meta.url)(BUILT) as ValidateFunction & { schemaHash: string }) : undefined;

function specDocuments(): { file: string; value: unknown }[] {
  const files = ['test/diagnostics/cases', 'examples', 'policies'].flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(folder, f)),
  );
  return files.flatMap((file) => parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((doc) => ({ file, value: doc.toJS({ maxAliasCount: -1 }) as unknown })));
}

/** Why the built validator cannot be checked here, if it cannot: it must be built, and from the schema as it is now. */
const unbuilt = !built ? `${BUILT} is missing` : built.schemaHash !== schemaHash() ? `${BUILT} was built from another schema/fleet.schema.json` : undefined;

describe('the precompiled schema validator (built from the current schema)', () => {
  it('reports exactly the errors ajv reports when it compiles the schema at run time', (context) => {
    // CI tests the build `npm ci` just made: there a missing or stale one fails; elsewhere `npm run build` (or `npm test`) brings it up to date.
    if (unbuilt && IN_CI) throw new Error(`${unbuilt}: CI tests what \`npm ci\` built`);
    if (unbuilt) return context.skip(`${unbuilt}: run \`npm run build\` to check it`);
    const compiled = new Ajv(AJV_OPTIONS).compile(fleetSchema());
    const documents = specDocuments();
    expect(documents.length).toBeGreaterThan(20);
    for (const { file, value } of documents) {
      compiled(value);
      built!(value);
      expect(built!.errors, file).toEqual(compiled.errors);
    }
  });
});
