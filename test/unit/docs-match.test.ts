import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { ROOT } from '../helpers/trees.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every property name anywhere in the schema (sections, definitions, nested objects), with where it was first seen. */
function schemaFields(): Map<string, string> {
  const schema = JSON.parse(read('schema/fleet.schema.json')) as Record<string, unknown>;
  const fields = new Map<string, string>();
  const walk = (node: unknown, where: string): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, where);
      return;
    }
    const object = node as Record<string, unknown>;
    for (const [name, value] of Object.entries((object.properties ?? {}) as Record<string, unknown>)) {
      if (!fields.has(name)) fields.set(name, `${where}.${name}`);
      walk(value, `${where}.${name}`);
    }
    for (const key of ['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'then', 'else']) walk(object[key], where);
  };
  walk(schema, '');
  for (const [name, definition] of Object.entries((schema.definitions ?? {}) as Record<string, unknown>)) walk(definition, `#/definitions/${name}`);
  return fields;
}

/** The `$ npx fleet plan` example of a Markdown file: the lines printed after it, up to the next prompt, `...` or the fence. */
function planExample(file: string): string[] {
  const lines = read(file).split('\n');
  const start = lines.indexOf('$ npx fleet plan');
  expect(start, `${file} shows \`$ npx fleet plan\``).toBeGreaterThan(0);
  const rest = lines.slice(start + 1);
  return rest.slice(
    0,
    rest.findIndex((l) => l.startsWith('$ ') || l === '...' || l.startsWith('```')),
  );
}

describe('the docs match fleet', () => {
  it('docs/spec.md names every field of schema/fleet.schema.json', () => {
    const spec = read('docs/spec.md');
    // Names in inline code and in YAML blocks: `serviceAccount`, `{ name, port }`, `weights:`.
    const code = [...spec.matchAll(/`([^`\n]+)`/g), ...spec.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
    const fields = schemaFields();
    expect(fields.size).toBeGreaterThan(100);
    const missing = [...fields].filter(([name]) => !new RegExp(`(?<![\\w-])${name}(?![\\w-])`).test(code)).map(([, where]) => where);
    expect(missing, 'document these fields in docs/spec.md').toEqual([]);
  });

  it.each(['README.md', 'docs/cli.md'])('the `fleet plan` example in %s is what fleet plan prints for policies/', async (file) => {
    const out: string[] = [];
    const code = await run(['plan', join(ROOT, 'policies'), '--out', join(ROOT, 'out')], { out: (t) => out.push(t), err: () => {} });
    expect(code).toBe(0);
    const printed = out.join('').trimEnd().split('\n');
    const shown = planExample(file);
    expect(shown.length).toBeGreaterThan(2);
    expect(shown).toEqual(printed.slice(0, shown.length));
  });
});
