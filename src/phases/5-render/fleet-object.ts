import { ApiObject, ApiObjectMetadataDefinition, type ApiObjectMetadata, type ApiObjectProps, type JsonPatch, type OwnerReference } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ManifestSource } from '../../model/manifest.js';

/**
 * A cdk8s ApiObject that remembers which spec entry produced it, for the generated-file header.
 * Raw ApiObject on purpose: cdk8s-plus constructs inject replicas, probes, security contexts and
 * hashed labels the user never wrote; fleet renders every field explicitly.
 */
export class FleetObject extends ApiObject {
  private patched = false;

  constructor(
    scope: Construct,
    id: string,
    private readonly fields: ApiObjectProps,
    readonly source: ManifestSource,
  ) {
    // ApiObject's constructor makes its metadata from what it is given: only the name here, as the
    // whole metadata is made once, below. Its `props` are the object's fields all the same.
    super(scope, id, fields.metadata?.name === undefined ? fields : { apiVersion: fields.apiVersion, kind: fields.kind, metadata: { name: fields.metadata.name } });
    (this as unknown as { props: ApiObjectProps }).props = fields; // private in cdk8s: its toJson() (patched objects) reads it
    // The same metadata ApiObject's constructor makes, in a subclass that can serialize it quickly.
    const metadata: ApiObjectMetadata = {
      name: this.name,
      ...fields.metadata,
      namespace: fields.metadata?.namespace ?? this.chart.namespace,
      labels: { ...this.chart.labels, ...fields.metadata?.labels },
    };
    (this as { metadata: ApiObjectMetadataDefinition }).metadata = new FleetMetadata(metadata, this);
  }

  static is(x: unknown): x is FleetObject {
    return x instanceof FleetObject;
  }

  override addJsonPatch(...ops: JsonPatch[]): void {
    this.patched = true;
    super.addJsonPatch(...ops);
  }

  /**
   * The same JSON as ApiObject.toJson() (apiVersion, kind and metadata first, then the other keys
   * sorted, null and undefined dropped), without its resolution pass over every value: fleet's
   * fields are plain data, never cdk8s tokens or Lazy values, and that pass was half of rendering's
   * time at fleet scale. Anything that is not plain data is refused, never written half-resolved.
   * An object with JSON patches, or metadata changed after construction, goes through cdk8s's own
   * toJson. test/unit/fleet-object.test.ts holds the two to the same output.
   */
  override toJson(): any {
    if (this.patched) return super.toJson();
    const { apiVersion, kind, metadata: _, ...rest } = this.fields;
    const metadata = this.metadata.toJson();
    return { apiVersion, kind, ...(metadata === undefined ? {} : { metadata }), ...(plainSorted(rest) as object) };
  }
}

/**
 * ApiObjectMetadataDefinition, serialized like it (sorted, nulls and empty arrays and objects
 * dropped) without the resolution pass while nothing changed it after construction.
 */
class FleetMetadata extends ApiObjectMetadataDefinition {
  private changed = false;

  constructor(
    private readonly given: ApiObjectMetadata,
    apiObject: ApiObject,
  ) {
    super({ ...given, apiObject });
  }

  override toJson(): any {
    return this.changed ? super.toJson() : plainSorted(this.given, true);
  }

  override addLabel(key: string, value: string): void {
    this.changed = true;
    super.addLabel(key, value);
  }

  override addAnnotation(key: string, value: string): void {
    this.changed = true;
    super.addAnnotation(key, value);
  }

  override addFinalizers(...finalizers: string[]): void {
    this.changed = true;
    super.addFinalizers(...finalizers);
  }

  override addOwnerReference(owner: OwnerReference): void {
    this.changed = true;
    super.addOwnerReference(owner);
  }

  override add(key: string, value: any): void {
    this.changed = true;
    super.add(key, value);
  }
}

/** cdk8s's sanitizeValue with sorted keys, for plain data only; `dropEmpty` also drops empty arrays and objects (as metadata does). */
function plainSorted(value: unknown, dropEmpty = false): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return dropEmpty && value.length === 0 ? undefined : value.map((item) => plainSorted(item, dropEmpty));
  if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`can't render non-simple object of type '${value.constructor?.name}'`);
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of sortedInPlace(Object.keys(value))) {
    const item = plainSorted((value as Record<string, unknown>)[key], dropEmpty);
    if (item != null) {
      out[key] = item;
      empty = false;
    }
  }
  return dropEmpty && empty ? undefined : out;
}

/**
 * Sorts strings as Array.prototype.sort() does (by UTF-16 code units). Objects have a handful of
 * keys, and the built-in sort allocates working space on every call: at fleet scale that was a
 * fifth of everything rendering allocated. Insertion sort allocates nothing.
 */
function sortedInPlace(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
