import type { Detector } from './detector.js';

const PRUNE_LABEL = 'kustomize.toolkit.fluxcd.io/prune';

/**
 * A Namespace fleet no longer renders. fleet labels its namespaces `prune: disabled`, so Flux keeps
 * them (and whatever else lives there); one without that label would be deleted with its contents.
 */
export const namespaces: Detector = ({ changes }) =>
  changes
    .filter((c) => c.action === 'remove' && c.kind === 'Namespace' && c.apiVersion === 'v1')
    .map((c) => {
      const metadata = c.before!.metadata as { labels?: Record<string, string>; annotations?: Record<string, string> };
      const kept = metadata.labels?.[PRUNE_LABEL] === 'disabled' || metadata.annotations?.[PRUNE_LABEL] === 'disabled';
      return {
        kind: 'namespace',
        cluster: c.cluster,
        subject: `Namespace ${c.name}`,
        message: kept ? 'is no longer rendered: Flux keeps it (prune disabled) with anything left in it; delete it by hand if it should go' : 'is no longer rendered: Flux deletes it and everything in it',
        specPath: c.specPath,
        keys: [c.key],
      };
    });
