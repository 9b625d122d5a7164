// The family tree as data: the works around one work and the derivations
// between them, built from the lineage API's answers. Pure (no DOM, no
// requests), so that the unit tests exercise it directly.
import { takenAfter } from '../timeline.js';

/**
 * LARGE is the number of works from which a family tree is laid out for
 * speed rather than tidiness: longest-path ranking, and no second layout
 * once every derivation has arrived.
 */
export const LARGE = 250;

/**
 * Lineage holds the nodes (works) and edges (derivations) of a family tree
 * centred on one work. A node's depth is positive for ancestors, negative
 * for descendants and 0 for the work itself. Edges point from the source to
 * the derivative.
 */
export class Lineage {
  constructor(root, { asOf = '' } = {}) {
    this.root = root;
    /** The time the tree is drawn at ('' for now): later derivations are left out. */
    this.asOf = asOf;
    /** @type {Map<string, {name: string, depth: number, work: any, category: string, sources: Set<string>, derivatives: Set<string>, sourcesKnown: boolean, derivativesKnown: boolean, sourcesMore: boolean, derivativesMore: boolean}>} */
    this.nodes = new Map();
    /** @type {Map<string, any>} */
    this.edges = new Map();
    /** Audit conflicts whose derivation is not drawn. */
    this.offGraphConflicts = [];
    this.addNode(root, 0);
  }

  /** addNode adds a work at a depth, keeping the shortest depth seen. */
  addNode(name, depth) {
    const n = this.nodes.get(name);
    if (n) {
      if (Math.abs(depth) < Math.abs(n.depth)) n.depth = depth;
      return n;
    }
    const node = {
      name, depth, work: null, category: '',
      sources: new Set(), derivatives: new Set(),
      sourcesKnown: false, derivativesKnown: false, sourcesMore: false, derivativesMore: false,
    };
    this.nodes.set(name, node);
    return node;
  }

  /**
   * addRelatives adds the answer of ListAncestors ("up") or ListDescendants
   * ("down") for a work at base depth, with the edges along each path.
   * Returns the names of the nodes that are new.
   */
  addRelatives(from, relatives, dir, base = 0) {
    const added = [];
    const sign = dir === 'up' ? 1 : -1;
    for (const r of relatives || []) {
      if (!r?.work) continue;
      const had = this.nodes.has(r.work);
      this.addNode(r.work, base + sign * (r.depth || 1));
      if (!had) added.push(r.work);
      const path = r.path?.length ? r.path : [from, r.work];
      for (let i = 0; i + 1 < path.length; i++) {
        const der = r.derivations?.[i];
        if (!der) continue;
        const [a, b] = [path[i], path[i + 1]];
        if (!this.nodes.has(a)) this.addNode(a, base + sign * i);
        if (!this.nodes.has(b)) this.addNode(b, base + sign * (i + 1));
        const e = dir === 'up' ? { name: der, source: b, derivative: a } : { name: der, source: a, derivative: b };
        e.relation = r.relations?.[i] || 'RELATION_UNSPECIFIED';
        this.addEdge(e);
      }
    }
    return added;
  }

  /** addEdge adds or completes a derivation. */
  addEdge(d) {
    if (!d?.name) return null;
    const e = this.edges.get(d.name);
    if (e) {
      for (const [k, v] of Object.entries(d)) {
        if (v === undefined || v === null || v === '' || k === 'auditConflicts') continue;
        if (k === 'relation' && v === 'RELATION_UNSPECIFIED') continue;
        e[k] = v;
      }
      return e;
    }
    const edge = { auditConflicts: [], ...d };
    this.edges.set(d.name, edge);
    this.nodes.get(d.source)?.derivatives.add(d.derivative);
    this.nodes.get(d.derivative)?.sources.add(d.source);
    return edge;
  }

  /**
   * addDerivations records the derivations of a node ("up": where it is the
   * derivative, so its sources; "down": where it is the source). Edges to
   * works in the tree are drawn; the others count as hidden.
   */
  addDerivations(name, derivations, dir, more = false) {
    const node = this.nodes.get(name);
    if (!node) return;
    for (const d of derivations || []) {
      if (this.asOf && takenAfter(d, this.asOf)) {
        // A shortest path may have drawn it before its times were known.
        this.dropEdge(d.name);
        continue;
      }
      if (dir === 'up') node.sources.add(d.source);
      else node.derivatives.add(d.derivative);
      if (this.nodes.has(d.source) && this.nodes.has(d.derivative)) this.addEdge(d);
    }
    if (dir === 'up') { node.sourcesKnown = true; node.sourcesMore = more; } else { node.derivativesKnown = true; node.derivativesMore = more; }
  }

  /** dropEdge removes a derivation, and its ends' link when no other derivation joins them. */
  dropEdge(name) {
    const e = this.edges.get(name);
    if (!e) return;
    this.edges.delete(name);
    for (const o of this.edges.values()) if (o.source === e.source && o.derivative === e.derivative) return;
    this.nodes.get(e.source)?.derivatives.delete(e.derivative);
    this.nodes.get(e.derivative)?.sources.delete(e.source);
  }

  /**
   * prune removes the works no longer joined to the root once the
   * derivations after asOf are left out: an ancestor must still be reached
   * from the root through sources, a descendant through derivatives.
   * Returns the names removed.
   */
  prune() {
    const keep = new Set([this.root]);
    for (const dir of ['up', 'down']) {
      const todo = [this.root];
      while (todo.length) {
        const n = this.nodes.get(todo.pop());
        for (const m of dir === 'up' ? n.sources : n.derivatives) {
          const other = this.nodes.get(m);
          if (!other || keep.has(m) || (dir === 'up' ? other.depth < 0 : other.depth > 0)) continue;
          keep.add(m);
          todo.push(m);
        }
      }
    }
    const removed = [...this.nodes.keys()].filter((n) => !keep.has(n));
    for (const n of removed) this.nodes.delete(n);
    for (const [k, e] of this.edges) if (!keep.has(e.source) || !keep.has(e.derivative)) this.edges.delete(k);
    return removed;
  }

  /** connect draws the known derivations whose both ends are now in the tree. */
  connect(derivationsByNode) {
    for (const list of derivationsByNode) {
      for (const d of list) {
        if (this.asOf && takenAfter(d, this.asOf)) continue;
        if (this.nodes.has(d.source) && this.nodes.has(d.derivative)) this.addEdge(d);
      }
    }
  }

  /** hidden returns how many known sources ("up") or derivatives ("down") of a node are not drawn. */
  hidden(name, dir) {
    const n = this.nodes.get(name);
    if (!n) return 0;
    const set = dir === 'up' ? n.sources : n.derivatives;
    let count = 0;
    for (const x of set) if (!this.nodes.has(x)) count++;
    return count;
  }

  /**
   * markConflicts attaches the audit's conflicts to the derivations they
   * concern; a conflict whose derivation is not drawn is kept apart.
   */
  markConflicts(conflicts) {
    this.offGraphConflicts = [];
    for (const e of this.edges.values()) e.auditConflicts = [];
    for (const c of conflicts || []) {
      let drawn = false;
      for (const der of [c.derivation, c.otherDerivation]) {
        if (!der) continue;
        let e = this.edges.get(der);
        if (!e && der === c.derivation && this.nodes.has(c.source) && this.nodes.has(c.derivative)) {
          e = this.addEdge({ name: der, source: c.source, derivative: c.derivative, relation: c.relation });
        }
        if (!e && der === c.otherDerivation && this.nodes.has(c.otherSource) && this.nodes.has(c.derivative)) {
          e = this.addEdge({ name: der, source: c.otherSource, derivative: c.derivative });
        }
        if (e) { e.auditConflicts.push(c); drawn = true; }
      }
      if (!drawn) this.offGraphConflicts.push(c);
    }
  }

  /** isConflict says whether an edge is a licence conflict (recorded or found by the audit). */
  static isConflict(e) {
    return Boolean(e.conflict) || (e.auditConflicts?.length > 0);
  }

  /** conflictEdges lists the edges drawn as conflicts. */
  conflictEdges() {
    return [...this.edges.values()].filter((e) => Lineage.isConflict(e));
  }

  /**
   * frontier lists the nodes with hidden relatives: "up" nodes are
   * ancestors (or the root) with sources not drawn, "down" nodes
   * descendants with derivatives not drawn.
   */
  frontier() {
    const out = [];
    for (const n of this.nodes.values()) {
      if (n.depth >= 0 && n.sourcesKnown) {
        const k = this.hidden(n.name, 'up');
        if (k > 0 || n.sourcesMore) out.push({ name: n.name, dir: 'up', count: k, more: n.sourcesMore });
      }
      if (n.depth <= 0 && n.derivativesKnown) {
        const k = this.hidden(n.name, 'down');
        if (k > 0 || n.derivativesMore) out.push({ name: n.name, dir: 'down', count: k, more: n.derivativesMore });
      }
    }
    return out;
  }

  /** layoutInput is what the layout worker needs: ids, sizes and edges. */
  layoutInput(size) {
    const nodes = [];
    const edges = [];
    for (const n of this.nodes.values()) nodes.push({ id: n.name, ...size(n.name) });
    for (const e of this.edges.values()) {
      if (this.nodes.has(e.source) && this.nodes.has(e.derivative)) edges.push({ id: e.name, source: e.source, target: e.derivative });
    }
    for (const f of this.frontier()) {
      const id = `more:${f.dir}:${f.name}`;
      nodes.push({ id, ...size(id) });
      edges.push(f.dir === 'up' ? { id: `${id}:e`, source: id, target: f.name } : { id: `${id}:e`, source: f.name, target: id });
    }
    return { nodes, edges };
  }

  /** stats counts what is drawn. */
  stats() {
    let edges = 0;
    for (const e of this.edges.values()) if (this.nodes.has(e.source) && this.nodes.has(e.derivative)) edges++;
    return { nodes: this.nodes.size, edges, conflicts: this.conflictEdges().length };
  }
}

/**
 * pool runs fn over items with at most `limit` calls under way: the browser
 * opens few connections to one host, and the server is shared.
 */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
