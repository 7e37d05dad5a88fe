import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { SECTIONS, type FleetSpec, type FluxSpec, type MeshSpec, type PlatformSpec, type Section } from '../../model/spec.js';
import type { LoadedDocument } from '../1-load/index.js';
import { spanAtPath } from '../1-load/source-map.js';
import type { SchemaFinding } from './schema-errors.js';

/** Names of items left out of the merged spec because their shape was wrong (already reported). */
export type BrokenNames = Record<Section, Set<string>>;

export interface MergedSpec {
  readonly spec: FleetSpec;
  readonly broken: BrokenNames;
}

/**
 * Merges the documents of a spec (one file, or a folder of files) section by section, in file order.
 * Items whose shape is wrong are left out so later checks see only well-formed data, but their
 * names are kept so references to them do not raise a second, misleading error.
 */
export function merge(documents: readonly LoadedDocument[], findings: readonly SchemaFinding[][], diagnostics: DiagnosticBag): MergedSpec {
  const spec: FleetSpec = {
    apiVersion: 'fleet/v1alpha1',
    kind: 'Fleet',
    metadata: { name: '' },
    clusters: [],
    apps: [],
    placement: [],
    overrides: [],
    gateways: [],
    traffic: [],
  };
  const broken = Object.fromEntries(SECTIONS.map((s) => [s, new Set<string>()])) as BrokenNames;
  let nameSource: LoadedDocument | undefined;
  let fluxSource: LoadedDocument | undefined;
  let meshSource: LoadedDocument | undefined;
  let platformSource: LoadedDocument | undefined;

  documents.forEach((document, index) => {
    const value = document.value as Record<string, unknown>;
    const shapeErrors = findings[index].filter((f) => f.breaksShape).map((f) => f.path);
    /** Whether the value at `prefix`, or anything inside it, has the wrong shape. */
    const isBroken = (...prefix: (string | number)[]) => shapeErrors.some((p) => prefix.every((s, i) => p[i] === s));
    /** Whether the value at `path` itself has the wrong shape (a list that is not a list, say). */
    const isItselfBroken = (...path: (string | number)[]) => shapeErrors.some((p) => p.length === path.length && path.every((s, i) => p[i] === s));
    if (shapeErrors.some((p) => p.length === 0 || (p.length === 1 && (p[0] === 'apiVersion' || p[0] === 'kind')))) {
      // A document fleet cannot read at all (not a fleet/v1alpha1 Fleet) still declares names.
      for (const section of SECTIONS) for (const name of itemNames(value?.[section])) broken[section].add(name);
      return;
    }

    const metadata = value.metadata as { name?: unknown } | undefined;
    if (typeof metadata?.name === 'string' && !isBroken('metadata')) {
      if (nameSource === undefined) {
        spec.metadata.name = metadata.name;
        nameSource = document;
      } else if (metadata.name !== spec.metadata.name) {
        diagnostics.error(
          'spec_conflicting_metadata',
          `this file names the fleet \`${metadata.name}\`, but another names it \`${spec.metadata.name}\``,
          spanAtPath(document.source, ['metadata', 'name'], 'value'),
          ['name the fleet once, or the same in every file'],
          [{ span: spanAtPath(nameSource.source, ['metadata', 'name'], 'value'), label: 'first named here' }],
        );
      }
    }

    if (value.flux !== undefined && !isBroken('flux')) {
      if (fluxSource === undefined) {
        spec.flux = value.flux as FluxSpec;
        fluxSource = document;
      } else {
        diagnostics.error(
          'spec_duplicate_flux',
          'the `flux` section is set in more than one file',
          spanAtPath(document.source, ['flux'], 'key'),
          ['set `flux` in one file of the spec'],
          [{ span: spanAtPath(fluxSource.source, ['flux'], 'key'), label: 'first set here' }],
        );
      }
    }

    if (value.mesh !== undefined && !isBroken('mesh')) {
      if (meshSource === undefined) {
        spec.mesh = value.mesh as MeshSpec;
        meshSource = document;
      } else {
        diagnostics.error(
          'spec_duplicate_mesh',
          'the `mesh` section is set in more than one file',
          spanAtPath(document.source, ['mesh'], 'key'),
          ['set `mesh` in one file of the spec'],
          [{ span: spanAtPath(meshSource.source, ['mesh'], 'key'), label: 'first set here' }],
        );
      }
    }

    if (value.platform !== undefined && !isBroken('platform')) {
      if (platformSource === undefined) {
        spec.platform = value.platform as PlatformSpec;
        platformSource = document;
      } else {
        diagnostics.error(
          'spec_duplicate_platform',
          'the `platform` section is set in more than one file',
          spanAtPath(document.source, ['platform'], 'key'),
          ['set `platform` in one file of the spec'],
          [{ span: spanAtPath(platformSource.source, ['platform'], 'key'), label: 'first set here' }],
        );
      }
    }

    for (const section of SECTIONS) {
      const items = value[section];
      // Only a section that is itself broken is skipped whole: an error inside one item leaves the
      // others, and the broken item's name is kept, so references to it are not reported as unknown.
      if (!Array.isArray(items) || isItselfBroken(section)) continue;
      items.forEach((item, i) => {
        if (isBroken(section, i)) {
          for (const name of itemNames([item])) broken[section].add(name);
        } else {
          (spec[section] as unknown[]).push(item);
        }
      });
    }
  });

  const anyMetadata = documents.some((d) => (d.value as Record<string, unknown>).metadata !== undefined);
  if (nameSource === undefined && !anyMetadata && documents.length > 0) {
    diagnostics.error('spec_missing_metadata', 'the fleet has no name', spanAtPath(documents[0].source, [], 'value'), ['add `metadata: { name: <fleet name> }` to one file of the spec']);
  }
  return { spec, broken };
}

/** The string `name`s of the items of a section (whatever else is wrong with them). */
function itemNames(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.map((item) => (item !== null && typeof item === 'object' ? (item as { name?: unknown }).name : undefined)).filter((name): name is string => typeof name === 'string');
}
