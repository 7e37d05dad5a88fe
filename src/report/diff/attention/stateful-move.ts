import type { Attention } from '../model.js';
import type { Detector } from './detector.js';

/**
 * A stateful app that starts or stops running on a cluster. Placement keeps stateful apps where
 * they are unless `allowMoveFrom` lets them go, so a move is deliberate; but the data does not
 * move with the pods. An app counts as stateful when the spec says so or it renders a StatefulSet:
 * on a cluster it moves to or from, it runs on one side, so that side has its StatefulSet there.
 */
export const statefulMoves: Detector = ({ placement, changes, stateful, before, after }) => {
  const rendersStatefulSet = (app: string, cluster: string) => [before, after].some((index) => index.objectsOf(cluster, 'StatefulSet').some((o) => o.app === app));
  const findings: Attention[] = [];
  for (const app of new Set(placement.map((p) => p.app))) {
    const moves = placement.filter((p) => p.app === app && (p.before === 0) !== (p.after === 0));
    if (moves.length === 0 || !(stateful.has(app) || moves.some((m) => rendersStatefulSet(app, m.cluster)))) continue;
    const clusters = new Set(moves.map((m) => m.cluster));
    const related = changes.filter((c) => c.app === app && clusters.has(c.cluster));
    findings.push({
      kind: 'stateful-move',
      subject: app,
      message: `is stateful and moves (${moves.map((m) => `${m.cluster} ${m.before || '–'} → ${m.after || '–'}`).join(', ')}): its data does not move with it; migrate or replicate it first`,
      specPath: related[0]?.specPath,
      keys: related.map((c) => c.key),
    });
  }
  return findings;
};
