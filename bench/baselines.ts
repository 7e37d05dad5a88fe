import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import type { RenderedCluster } from '../src/model/manifest.js';
import { manifestPath } from '../src/phases/6-emit/index.js';

/**
 * The yardsticks fleet's synth is measured against, all over the objects fleet renders (already
 * in memory, so they time only construction, serialization and writing; never parsing, checking
 * or placement, which synth's time includes):
 *
 * - floor: each object JSON.stringify-ed into its own file, at fleet's paths. Nothing that writes
 *   one file per object in Node can be much faster.
 * - naive cdk8s: what cdk8s gives out of the box: one App, a Chart per cluster, an ApiObject per
 *   object, `app.synth()`; either one file per chart (FILE_PER_CHART, far fewer files than fleet
 *   writes) or one file per object (FOLDER_PER_CHART_FILE_PER_RESOURCE, as many as fleet).
 *
 * Each returns wall milliseconds.
 */
export function floor(clusters: readonly RenderedCluster[], outDir: string): number {
  const started = performance.now();
  const folders = new Set<string>();
  for (const { cluster, manifests } of clusters) {
    for (const { object } of manifests) {
      const path = join(outDir, manifestPath(cluster, object));
      const folder = dirname(path);
      if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
      folders.add(folder);
      writeFileSync(path, JSON.stringify(object));
    }
  }
  return performance.now() - started;
}

export function naiveCdk8s(clusters: readonly RenderedCluster[], outDir: string, layout: 'file per chart' | 'file per object'): number {
  const started = performance.now();
  const yamlOutputType = layout === 'file per chart' ? YamlOutputType.FILE_PER_CHART : YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE;
  const app = new App({ outdir: outDir, yamlOutputType });
  for (const { cluster, manifests } of clusters) {
    const chart = new Chart(app, cluster, { disableResourceNameHashes: true });
    manifests.forEach(({ object }, i) => new ApiObject(chart, `o${i}`, object));
  }
  app.synth();
  return performance.now() - started;
}
