import { join } from 'node:path';
import * as yaml from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { generateFleet } from '../../bench/generate.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { toYaml } from '../../src/phases/6-emit/index.js';
import { compileText } from '../helpers/spec.js';
import { committedFleets, renderFleet, ROOT } from '../helpers/trees.js';

// Counts the `yaml` parses that load() falls back to, or that a diagnostic asks for, for source positions.
vi.mock('yaml', async (original) => {
  const actual = await original<typeof yaml>();
  return { ...actual, parseAllDocuments: vi.fn(actual.parseAllDocuments) };
});
const parses = vi.mocked(yaml.parseAllDocuments);

/**
 * A spec in plain block style is read without the `yaml` package; its positions are parsed only
 * when a diagnostic needs one. A check that looked a position up before knowing it had something to
 * report would parse every large spec twice (0.45 s at 100 × 1,000).
 */
describe('source positions on demand', () => {
  const text = toYaml(generateFleet({ clusters: 12, apps: 120 }));

  it('a clean compile of a block-style spec never parses it with yaml', () => {
    parses.mockClear();
    const result = compileText(text);
    expect(result.diagnostics).toEqual([]);
    expect(result.tree?.size).toBeGreaterThan(0);
    expect(parses).not.toHaveBeenCalled();
  });

  it('nor does a compile of any committed fleet without a diagnostic: no check looks a position up before it has something to report', () => {
    let clean = 0;
    for (const fleet of committedFleets()) {
      parses.mockClear();
      const result = renderFleet(fleet);
      expect(result.tree, fleet.name).toBeDefined();
      if (result.diagnostics.length > 0) continue;
      clean++;
      // Apps' own manifests (`manifests:` folders) are parsed with yaml: they are read, not positioned.
      const specs = new Set(readSpecFiles(join(ROOT, fleet.spec)).files.map((file) => file.text));
      expect(parses.mock.calls.filter(([text]) => specs.has(text)).length, fleet.name).toBe(0);
    }
    expect(clean).toBeGreaterThanOrEqual(5);
  });

  it('a diagnostic at a key is positioned without parsing it: the reader recorded where the keys are', () => {
    const spec = generateFleet({ clusters: 12, apps: 120 });
    const called = spec.apps.find((app) => app.ports)!;
    // An app with ports that no traffic rule names: the warning points at its `ports` key.
    const lonely = { ...called, name: 'lonely' };
    const withLonely = toYaml({ ...spec, apps: [...spec.apps, lonely] });
    parses.mockClear();
    const result = compileText(withLonely);
    const warning = result.diagnostics.find((d) => d.code === 'traffic_app_uncalled' && d.message.includes('lonely'))!;
    expect(warning).toBeDefined();
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(parses).not.toHaveBeenCalled();
    // Where yaml puts the key.
    const lines = withLonely.split('\n');
    const at = lines.findIndex((line, i) => i > lines.findIndex((l) => l.includes('name: lonely')) && line.trim() === 'ports:');
    expect(warning.span).toMatchObject({ start: { line: at + 1, col: lines[at].indexOf('ports') + 1 }, end: { line: at + 1, col: lines[at].indexOf('ports') + 6 } });
  });

  it('a diagnostic parses it once, for its position', () => {
    parses.mockClear();
    const result = compileText(text.replace('replicas: ', 'replicas: -'));
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0].span?.start.line).toBeGreaterThan(1);
    expect(parses).toHaveBeenCalledTimes(1);
  });
});
