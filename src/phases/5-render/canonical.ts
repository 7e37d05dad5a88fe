import type { KubeObject } from '../../model/manifest.js';

/**
 * An object as fleet writes every object: `apiVersion`, `kind`, `metadata` first, every other key
 * sorted at every depth, null members dropped (as cdk8s's toJson does), array order kept. For
 * objects fleet did not build itself (an app's own manifests, patched objects), so their files are
 * byte-identical whatever order their source had.
 */
export function canonicalObject(object: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = object;
  return { apiVersion, kind, ...(metadata === undefined ? {} : { metadata: sorted(metadata) }), ...(sorted(rest) as object) } as KubeObject;
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && item !== undefined) out[key] = sorted(item);
  }
  return out;
}
