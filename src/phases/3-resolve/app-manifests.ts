import { posix } from 'node:path';
import { isMap, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { DiagnosticBag, Span } from '../../diagnostics/diagnostic.js';
import type { App, AppManifest, ResolvedFleet } from '../../model/fleet.js';
import type { KubeObject } from '../../model/manifest.js';
import { isEmptyDocument, type SourceMap, type SpecFile } from '../1-load/index.js';
import { spanAtPath, type SourceDocument } from '../1-load/source-map.js';
import { canonicalObject } from '../5-render/canonical.js';
import { appLabels } from '../5-render/labels.js';

/**
 * An app's `manifests` folder as the caller read it: compile() reads no file, so whoever calls it
 * reads the folders the spec names (the CLI: src/cli/manifest-folders.ts, from readSpecFiles) and
 * passes them in `CompileOptions.manifests`.
 */
export interface ManifestFolder {
  /** The spec file that names the folder (its SpecFile.path). */
  readonly specFile: string;
  /** The folder exactly as the spec writes it (relative to that file's folder). */
  readonly folder: string;
  /** Its `.yaml`/`.yml` files, sorted by path; each `name` relative to the spec's folder. Absent when the folder could not be read. */
  readonly files?: readonly SpecFile[];
  /** Why the folder could not be read. */
  readonly unreadable?: string;
}

/**
 * Kinds that belong to no namespace, refused in an app's manifests: they are the cluster's, not one
 * app's, and sending them wherever an app runs would make several apps own them. Kubernetes'
 * built-in cluster-scoped kinds (`kubectl api-resources --namespaced=false`) and those of the
 * add-ons fleet works with. A custom resource fleet does not know is taken as namespaced.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterExternalSecret',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterSecretStore',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'Tier',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/**
 * The fleet with each app's `manifests` read, checked and made ready to send: every object forced
 * into the app's namespace and labelled like fleet's own objects of the app
 * (`app.kubernetes.io/managed-by`, `part-of`, `name`, `app`, its own labels under them), keys
 * sorted. Errors are located in the spec (a folder that is missing) or in the manifest files (a
 * document that is not an object with apiVersion, kind and metadata.name; a cluster-scoped kind; a
 * namespace other than the app's; two objects with one kind and name). A Secret with data is a
 * warning: its values would sit in git in the clear.
 */
export function withAppManifests(fleet: ResolvedFleet, folders: readonly ManifestFolder[], sourceMap: SourceMap, diagnostics: DiagnosticBag): ResolvedFleet {
  if (!fleet.apps.some((a) => a.spec.manifests !== undefined)) return fleet;
  const byKey = new Map(folders.map((f) => [`${f.specFile}\0${f.folder}`, f]));
  const apps = fleet.apps.map((app): App => {
    const written = app.spec.manifests;
    if (written === undefined) return app;
    const specFile = sourceMap.originOf(app.spec)?.source.file ?? '';
    const folder = byKey.get(`${specFile}\0${written}`);
    if (!folder?.files) {
      diagnostics.error(
        'spec_manifests_unreadable',
        `the manifests folder \`${written}\` of app \`${app.name}\` ${folder?.unreadable ?? 'was not read (compile() was given no `manifests` for it)'}`,
        sourceMap.valueSpan(app.spec, 'manifests'),
        [`give a folder of YAML files, relative to ${specFile || 'the spec file'}`, ...(folder ? [] : ['from code: pass `readSpecFiles(...).manifests` to compile() as `{ manifests }`'])],
      );
      return app;
    }
    return { ...app, manifests: readManifests(app, fleet.name, folder.files, diagnostics) };
  });
  return { ...fleet, apps };
}

function readManifests(app: App, fleetName: string, files: readonly SpecFile[], diagnostics: DiagnosticBag): AppManifest[] {
  const manifests: AppManifest[] = [];
  const seen = new Map<string, Span>();
  for (const file of files) {
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    for (const doc of Array.isArray(documents) ? documents : []) {
      const source: SourceDocument = { file: file.path, name: file.name, doc, lineCounter };
      const at = (path: (string | number)[], part: 'key' | 'value' = 'value') => spanAtPath(source, path, part);
      if (doc.errors.length > 0) {
        for (const problem of doc.errors) diagnostics.error('spec_manifests_yaml', problem.message.split('\n')[0], at([]), ['fix the YAML']);
        continue;
      }
      if (isEmptyDocument(doc)) continue; // an empty document (comments only, a trailing ---)
      const object = objectOf(doc) as Record<string, unknown>;
      const problem = shapeProblem(object);
      if (problem) {
        diagnostics.error('spec_manifests_not_an_object', `a document of app \`${app.name}\`'s manifests ${problem}`, at([]), [
          'each document is one Kubernetes object with `apiVersion`, `kind` and `metadata.name` (no `List`, no `generateName`)',
        ]);
        continue;
      }
      const { kind, metadata } = object as KubeObject;
      if (CLUSTER_SCOPED_KINDS.has(kind)) {
        diagnostics.error('spec_manifests_cluster_scoped', `${kind} \`${metadata.name}\` belongs to no namespace; an app's manifests go into the app's namespace (\`${app.namespace}\`) wherever it runs`, at(['kind']), [
          'install cluster-wide objects with the platform (a Flux Kustomization of its own), not with one app',
        ]);
        continue;
      }
      if (metadata.namespace !== undefined && metadata.namespace !== app.namespace) {
        diagnostics.error(
          'spec_manifests_other_namespace',
          `${kind} \`${metadata.name}\` names namespace \`${String(metadata.namespace)}\`, but app \`${app.name}\`'s manifests go into its own namespace, \`${app.namespace}\``,
          at(['metadata', 'namespace']),
          [`remove \`metadata.namespace\` (fleet sets \`${app.namespace}\`), or move the file to the manifests of an app in \`${String(metadata.namespace)}\``],
        );
        continue;
      }
      const identity = `${kind.toLowerCase()}.${metadata.name}`;
      const first = seen.get(identity);
      if (first) {
        diagnostics.error('spec_manifests_duplicate', `app \`${app.name}\`'s manifests hold ${kind} \`${metadata.name}\` twice`, at(['metadata', 'name']), ['keep one of them'], [{ span: first, label: 'first here' }]);
        continue;
      }
      seen.set(identity, at(['metadata', 'name']));
      if (kind === 'Secret' && (hasEntries(object.data) || hasEntries(object.stringData))) {
        diagnostics.warning(
          'spec_manifests_plain_secret',
          `Secret \`${metadata.name}\` holds its values in the file: committed, they are readable by everyone who can read the repository, and fleet copies them into every cluster's output`,
          at(['kind']),
          ['keep the values out of git: an ExternalSecret (External Secrets Operator) or a SealedSecret in this folder, or a Secret created by your secret store'],
        );
      }
      const labels = appLabels(app, fleetName, { ...app.labels, ...(metadata.labels as Record<string, string> | undefined) });
      manifests.push({
        object: canonicalObject({ ...(object as KubeObject), metadata: { ...metadata, namespace: app.namespace, labels } }),
        file: file.name,
        nameSpan: at(['metadata', 'name']),
      });
    }
  }
  return manifests;
}

function objectOf(doc: Document): unknown {
  return isMap(doc.contents) ? doc.toJS({ maxAliasCount: 100 }) : doc.toJS();
}

function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a mapping';
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  if (typeof apiVersion !== 'string' || apiVersion === '') return 'has no `apiVersion`';
  if (typeof kind !== 'string' || kind === '') return 'has no `kind`';
  if (kind === 'List' || kind.endsWith('List')) return `is a ${kind}; give each item as a document of its own (separated by ---)`;
  const meta = metadata as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') return 'has no `metadata.name`';
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253)
    return `has \`metadata.name\` ${JSON.stringify(meta.name)}, which is not a DNS subdomain name (lower-case letters, digits, '-' and '.')`;
  return undefined;
}

function hasEntries(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** A manifest file's name in generated-file headers: the folder as written, from the naming spec file's folder within the spec. */
export function manifestFileName(specFileName: string, folder: string, relativePath: string): string {
  return posix.normalize(posix.join(posix.dirname(specFileName), folder, relativePath));
}
