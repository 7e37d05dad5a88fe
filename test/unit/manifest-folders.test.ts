import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { namedFolders } from '../../src/cli/manifest-folders.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { readBlockYaml } from '../../src/phases/1-load/block-yaml.js';
import { committedFleets, ROOT } from '../helpers/trees.js';

/** apps[].manifests as `yaml` reads them: the names a spec gives its apps' manifests folders. */
function byYaml(text: string): string[] {
  return parseAllDocuments(text).flatMap((doc) => {
    const apps = (doc.toJS() as { apps?: unknown } | null)?.apps;
    return Array.isArray(apps) ? apps.flatMap((app) => (typeof app?.manifests === 'string' && app.manifests !== '' ? [app.manifests] : [])) : [];
  });
}

describe('namedFolders', () => {
  it('finds the folders yaml finds, whether the fast reader or yaml reads the spec', () => {
    let withFolders = 0;
    for (const fleet of committedFleets()) {
      for (const { path, text } of readSpecFiles(join(ROOT, fleet.spec)).files) {
        // The same spec with a construct the fast reader leaves to yaml (a flow list over two lines).
        const forYaml = `${text}\nx-note: [a,\n  b]\n`;
        expect(readBlockYaml(forYaml), path).toBeUndefined();
        expect(namedFolders(text), path).toEqual(byYaml(text));
        expect(namedFolders(forYaml), path).toEqual(byYaml(text));
        if (byYaml(text).length > 0) withFolders++;
      }
    }
    expect(withFolders).toBeGreaterThan(0);
  });

  it('leaves a spec nested too deep to load(), which reports it', () => {
    expect(namedFolders(`apps:\n  - { name: a, manifests: m, x: ${'['.repeat(100_000)} }\n`)).toEqual([]);
  });
});
