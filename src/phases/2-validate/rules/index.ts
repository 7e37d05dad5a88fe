import { apps } from './apps.js';
import { cidrs } from './cidrs.js';
import { patches } from './patches.js';
import { placementRules } from './placement-rules.js';
import { references } from './references.js';
import { renderedNames } from './rendered-names.js';
import type { Rule } from './rule.js';
import { selectors } from './selectors.js';
import { traffic } from './traffic.js';
import { trafficMesh } from './traffic-mesh.js';
import { uniqueNames } from './unique-names.js';
import { values } from './values.js';
import { workloads } from './workloads.js';
import { reservedLabels } from './reserved-labels.js';

export type { Rule, RuleContext } from './rule.js';

/** Semantic rules, in the order they run (which is also the order of their reports at one place). */
export const RULES: readonly Rule[] = [uniqueNames, references, apps, reservedLabels, workloads, renderedNames, selectors, cidrs, values, placementRules, patches, traffic, trafficMesh];
