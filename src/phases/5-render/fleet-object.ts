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
   * fields are plain data, never cdk8s tokens or Lazy values, so that pass would walk every value of
   * every object and find nothing to resolve. Anything that is not plain data is refused, never
   * written half-resolved.
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

/**
 * cdk8s's sanitizeValue with sorted keys, for plain data only; `dropEmpty` also drops empty arrays
 * and objects (as metadata does). What is already so (keys in order, nothing to drop, all the way
 * down) is returned as it is, not copied: most of an object's parts already are, and copying them
 * would only make garbage. The result may share parts with `value`; nothing changes either after
 * rendering.
 */
function plainSorted(value: unknown, dropEmpty = false): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (dropEmpty && value.length === 0) return undefined;
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = plainSorted(value[i], dropEmpty);
      if (copy === undefined && item !== value[i]) copy = value.slice(0, i);
      copy?.push(item);
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error(`can't render non-simple object of type '${value.constructor?.name}'`);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  const inOrder = isSorted(keys);
  // Copied from the first part that changes (or at once, when the keys are out of order).
  let copy: Record<string, unknown> | undefined = inOrder ? undefined : {};
  let empty = true;
  for (const key of inOrder ? keys : sortedInPlace(keys)) {
    const original = source[key];
    const item = plainSorted(original, dropEmpty);
    if (copy === undefined && (item !== original || item == null)) {
      copy = {};
      for (const before of keys) {
        if (before === key) break;
        copy[before] = source[before];
      }
    }
    if (item != null) {
      if (copy) copy[key] = item;
      empty = false;
    }
  }
  return dropEmpty && empty ? undefined : (copy ?? source);
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/**
 * Sorts strings as Array.prototype.sort() does (by UTF-16 code units). It runs for every object
 * rendered, each with a handful of keys, where the built-in sort allocates working space on every
 * call; insertion sort allocates nothing.
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
