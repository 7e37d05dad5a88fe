import { ApiObject, type ApiObjectProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ManifestSource } from '../../model/manifest.js';

/**
 * A cdk8s ApiObject that remembers which spec entry produced it, for the generated-file header.
 * Raw ApiObject on purpose: cdk8s-plus constructs inject replicas, probes, security contexts and
 * hashed labels the user never wrote; fleet renders every field explicitly.
 */
export class FleetObject extends ApiObject {
  constructor(
    scope: Construct,
    id: string,
    props: ApiObjectProps,
    readonly source: ManifestSource,
  ) {
    super(scope, id, props);
  }

  static is(x: unknown): x is FleetObject {
    return x instanceof FleetObject;
  }
}
