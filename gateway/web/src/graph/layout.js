// Layered (Sugiyama) layout of a family tree with dagre: sources above,
// derivatives below. Pure; run in a worker so that a large tree never
// blocks the page.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import { LARGE } from './model.js';

export { LARGE };
/** HUGE is the size from which crossing reduction is skipped. */
export const HUGE = 2000;

/**
 * layout returns {positions: {id: [x, y]}, width, height} for nodes
 * ({id, width, height}) and edges ({id, source, target}).
 */
export function layout({ nodes, edges }, opts = {}) {
  const g = new graphlib.Graph({ multigraph: true });
  const n = nodes.length;
  g.setGraph({
    rankdir: 'TB',
    nodesep: opts.nodesep ?? 24,
    ranksep: opts.ranksep ?? (n > LARGE ? 70 : 60),
    edgesep: 8,
    marginx: 20,
    marginy: 20,
    // network-simplex gives the tidiest ranks but grows fast (seconds at
    // 500 works); past a few hundred works longest-path, which is linear,
    // ranks the tree instead.
    ranker: n > LARGE ? 'longest-path' : 'network-simplex',
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const v of nodes) g.setNode(v.id, { width: v.width, height: v.height });
  for (const e of edges) {
    if (g.hasNode(e.source) && g.hasNode(e.target) && e.source !== e.target) g.setEdge(e.source, e.target, { minlen: 1, weight: 1 }, e.id);
  }
  // Crossing reduction sweeps until nothing improves; past a few thousand
  // works the first ordering has to do.
  dagreLayout(g, { disableOptimalOrderHeuristic: n > HUGE });
  const positions = {};
  for (const id of g.nodes()) {
    const v = g.node(id);
    positions[id] = [Math.round(v.x), Math.round(v.y)];
  }
  const gg = g.graph();
  return { positions, width: gg.width, height: gg.height };
}
