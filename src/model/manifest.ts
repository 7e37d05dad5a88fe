/** A rendered Kubernetes object and the spec entry it came from. */
export interface Manifest {
  /** Plain JSON, keys sorted (apiVersion, kind, metadata first), as cdk8s's toJson() returns it. */
  readonly object: KubeObject;
  readonly source: ManifestSource;
}

/** The spec entry an object came from, for the generated-file header. */
export interface ManifestSource {
  /** The spec file, relative to the spec's folder, e.g. `fleet-spec.yaml`. */
  readonly file: string;
  /** The entry's spec path, e.g. `apps.checkout`. */
  readonly entry: string;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Everything rendered for one cluster, in apply order. */
export interface RenderedCluster {
  readonly cluster: string;
  readonly manifests: readonly Manifest[];
}
