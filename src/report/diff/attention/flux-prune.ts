import { objectLabel, type Attention } from '../model.js';
import { isKind, specOf, type Detector } from './detector.js';

/** The Flux FAQ answers "How can I safely rename a Flux Kustomization?" (set `prune: false` first). */
const FAQ = 'the Flux FAQ on renaming a Kustomization (https://fluxcd.io/flux/faq/)';

/**
 * Changes to the Flux Kustomizations fleet emits (`flux:` in the spec). Removing or renaming one
 * makes Flux garbage-collect everything it applied (fluxcd/flux2#3316); changing its path moves
 * objects out of its inventory.
 */
export const fluxPrune: Detector = ({ changes }) => {
  const kustomizations = changes.filter((c) => isKind(c, 'kustomize.toolkit.fluxcd.io', 'Kustomization'));
  const findings: Attention[] = [];
  for (const c of kustomizations) {
    const base = { kind: 'flux-prune' as const, cluster: c.cluster, subject: objectLabel(c), specPath: c.specPath };
    if (c.action === 'remove') {
      const renamedTo = kustomizations.find((other) => other.action === 'add' && other.cluster === c.cluster && other.namespace === c.namespace);
      const prunes = specOf(c.before).prune === true;
      const message = renamedTo
        ? `is renamed to \`${renamedTo.name}\`: Flux deletes everything the old one applied and the new one re-creates it; follow ${FAQ}`
        : prunes
          ? 'is removed: Flux deletes everything it applied to the cluster (prune: true)'
          : 'is removed: Flux stops managing its objects and leaves them in place';
      findings.push({ ...base, message, keys: [c.key, ...(renamedTo ? [renamedTo.key] : [])] });
    } else if (c.action === 'change') {
      const [before, after] = [specOf(c.before).path, specOf(c.after).path];
      if (before !== after) {
        findings.push({ ...base, message: `now applies \`${after}\` instead of \`${before}\`: objects only under the old path are pruned`, keys: [c.key] });
      }
    }
  }
  return findings;
};
