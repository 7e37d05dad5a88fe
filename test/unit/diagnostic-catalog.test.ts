import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/diagnostics/catalog.js';
import { ROOT } from '../helpers/trees.js';

/**
 * The catalog (src/diagnostics/catalog.ts) is the one definition of fleet's diagnostics; the type
 * system holds every report to it. docs/diagnostics.md documents the same codes with the same
 * severities: checked here in both directions.
 */
const documented = new Map([...readFileSync(join(ROOT, 'docs/diagnostics.md'), 'utf8').matchAll(/^\| `([a-z0-9_]+)`( \(warning\))? \|/gm)].map((m) => [m[1], m[2] ? 'warning' : 'error'] as const));

describe('the diagnostic catalog', () => {
  it('documents every code of the catalog in docs/diagnostics.md, with its severity', () => {
    const catalog = Object.entries(CATALOG).map(([code, entry]) => `${code} (${entry.severity})`);
    expect(catalog.length).toBeGreaterThan(100);
    expect(catalog.filter((line) => !documented.has(line.split(' ')[0]) || `${line.split(' ')[0]} (${documented.get(line.split(' ')[0])})` !== line)).toEqual([]);
  });

  it('has every code docs/diagnostics.md documents', () => {
    expect([...documented.keys()].filter((code) => !Object.hasOwn(CATALOG, code))).toEqual([]);
  });

  it('is where every code in the source comes from: no code outside it', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.ts') && entry.name !== 'catalog.ts') sources.push(readFileSync(join(dir, entry.name), 'utf8'));
      }
    };
    walk(join(ROOT, 'src'));
    const used = new Set(sources.flatMap((text) => [...text.matchAll(/(?<=['"`])((?:yaml|schema|spec|placement|traffic|emit|render|diff)_[a-z0-9_]+)(?=['"`])/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(80);
    expect([...used].filter((code) => !Object.hasOwn(CATALOG, code)).sort()).toEqual([]);
  });
});
