import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { AppManifest } from '../../model/fleet.js';
import type { Manifest, RenderedCluster } from '../../model/manifest.js';
import { manifestPath } from '../6-emit/layout.js';
import { inApplyOrder } from './index.js';
import type { Topology } from '../4-place/topology.js';

/**
 * Adds each app's own manifests (`apps[].manifests`, read by phases/3-resolve/app-manifests.ts)
 * to the clusters where the app runs, exactly those (R2's clusters: where placement put it, an
 * override's `replicas: 0` included), after fleet's own objects, and puts the cluster back in
 * apply order (kinds fleet does not render come after its own: KIND_ORDER).
 *
 * A manifest that would be the same object as one fleet renders there (same kind, namespace and
 * name, so the same file in out/), or as another app's manifest, is an error at its
 * `metadata.name`: one would silently replace the other. Reported once per manifest.
 */
export class AppManifestsAdder {
  private readonly reported = new WeakSet<AppManifest>();

  constructor(
    private readonly topology: Topology,
    private readonly diagnostics: DiagnosticBag,
  ) {}

  add(rendered: RenderedCluster): RenderedCluster {
    const apps = (this.topology.contentsOf(rendered.cluster)?.placed ?? []).filter((app) => app.manifests.length > 0);
    if (apps.length === 0) return rendered;
    const taken = new Map<string, string>(rendered.manifests.map((m) => [manifestPath(rendered.cluster, m.object), 'fleet renders it']));
    const added: Manifest[] = [];
    for (const app of apps) {
      for (const manifest of app.manifests) {
        const path = manifestPath(rendered.cluster, manifest.object);
        const owner = taken.get(path);
        if (owner !== undefined) {
          this.collision(manifest, rendered.cluster, owner);
          continue;
        }
        taken.set(path, `app \`${app.name}\`'s manifests hold it too`);
        added.push({ object: manifest.object, source: { file: manifest.file, entry: `apps.${app.name}.manifests` } });
      }
    }
    return { cluster: rendered.cluster, manifests: inApplyOrder([...rendered.manifests, ...added]) };
  }

  private collision(manifest: AppManifest, cluster: string, owner: string): void {
    if (this.reported.has(manifest)) return;
    this.reported.add(manifest);
    const { kind, metadata } = manifest.object;
    this.diagnostics.error('render_manifests_collision', `${kind} \`${metadata.name}\` in namespace \`${metadata.namespace}\` is already in cluster ${cluster}'s output: ${owner}`, manifest.nameSpan, [
      "rename the object in the manifest file; to change an object fleet renders, use an override's `patches` instead",
    ]);
  }
}
