// The family tree drawn with Cytoscape.js: works as boxes coloured by
// licence category (and labelled with the licence, so colour is never the
// only cue), derivations as arrows from source to derivative labelled with
// the relation, conflicts as thick red dashed arrows labelled CONFLICT.
import cytoscape from 'cytoscape';
import { CONFLICT_COLOUR } from '../vocab.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const NODE_W = 176;
export const NODE_H = 50;
export const MORE_W = 120;
export const MORE_H = 30;

/** size is a node's box, for the layout. */
export function size(id) {
  return id.startsWith('more:') ? { width: MORE_W, height: MORE_H } : { width: NODE_W, height: NODE_H };
}

let worker = null;
let seq = 0;
const waiting = new Map();

/**
 * runLayout lays the graph out in a worker (on the main thread when
 * workers are unavailable) and resolves to {positions, ms}.
 */
export async function runLayout(graph) {
  try {
    if (!worker) {
      worker = new Worker(new URL('./layout.worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = (e) => {
        const w = waiting.get(e.data.id);
        if (!w) return;
        waiting.delete(e.data.id);
        if (e.data.error) w.reject(new Error(e.data.error));
        else w.resolve(e.data);
      };
      worker.onerror = (e) => {
        for (const w of waiting.values()) w.reject(new Error(e.message || 'layout worker failed'));
        waiting.clear();
        worker = null;
      };
    }
    const id = ++seq;
    return await new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, graph });
    });
  } catch {
    const { layout } = await import('./layout.js');
    const t0 = performance.now();
    return { ...layout(graph), ms: performance.now() - t0 };
  }
}

/** BIG is the size from which drawing trades detail for speed. */
export const BIG = 200;

const STYLE = [
  { selector: 'node', style: {
    shape: 'round-rectangle', width: NODE_W, height: NODE_H,
    'background-color': 'data(colour)', 'border-width': 1, 'border-color': '#37474f',
    label: 'data(label)', 'text-wrap': 'wrap', 'text-max-width': NODE_W - 12,
    'text-valign': 'center', 'text-halign': 'center', 'font-size': 11, 'font-family': FONT,
    color: '#111', 'min-zoomed-font-size': 6,
  } },
  { selector: 'node.root', style: { 'border-width': 4, 'border-color': '#1f3a5f', 'font-weight': 'bold' } },
  { selector: 'node.in-conflict', style: { 'border-color': CONFLICT_COLOUR, 'border-width': 3 } },
  { selector: 'node.root.in-conflict', style: { 'border-width': 5 } },
  { selector: 'node.policy-review', style: { 'border-color': '#b26a00', 'border-width': 5, 'border-style': 'dashed' } },
  { selector: 'node.policy-deny', style: { 'border-color': '#7f0000', 'border-width': 6, 'border-style': 'double' } },
  { selector: 'node.more', style: {
    shape: 'round-rectangle', width: MORE_W, height: MORE_H, 'background-color': '#ffffff',
    'border-style': 'dashed', 'border-width': 1.5, 'border-color': '#1f3a5f', color: '#1f3a5f',
    'font-size': 10, 'font-weight': 'bold',
  } },
  { selector: 'edge', style: {
    width: 1.5, 'line-color': '#78909c', 'target-arrow-color': '#78909c', 'target-arrow-shape': 'triangle',
    'arrow-scale': 0.9, 'curve-style': 'bezier', label: 'data(label)', 'font-size': 9, 'font-family': FONT,
    color: '#37474f', 'text-background-color': '#ffffff', 'text-background-opacity': 0.85,
    'text-background-padding': 1, 'min-zoomed-font-size': 7,
  } },
  { selector: 'edge.conflict', style: {
    width: 3.5, 'line-color': CONFLICT_COLOUR, 'target-arrow-color': CONFLICT_COLOUR,
    'line-style': 'dashed', 'line-dash-pattern': [9, 4], color: CONFLICT_COLOUR, 'font-weight': 'bold',
    'font-size': 10, 'z-index': 5, 'min-zoomed-font-size': 4,
  } },
  { selector: 'edge.more-edge', style: { 'line-style': 'dotted', 'target-arrow-shape': 'none', label: '' } },
  { selector: '.highlight', style: { 'overlay-color': '#ffb300', 'overlay-opacity': 0.4, 'overlay-padding': 7, 'z-index': 20 } },
  { selector: 'node:selected', style: { 'overlay-color': '#1f3a5f', 'overlay-opacity': 0.2, 'overlay-padding': 5 } },
  { selector: 'edge:selected', style: { 'overlay-color': '#1f3a5f', 'overlay-opacity': 0.2, 'overlay-padding': 4 } },
];

/**
 * createView mounts a Cytoscape instance on container. handlers:
 * open(workName), more(moreId), focusNode(name), focusEdge(derivationName, pinned).
 */
export function createView(container, handlers) {
  let cy = null;

  const keydown = (e) => {
    if (!cy) return;
    const step = 60;
    const zoomBy = (f) => cy.zoom({ level: cy.zoom() * f, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
    switch (e.key) {
      case '+': case '=': zoomBy(1.25); break;
      case '-': case '_': zoomBy(0.8); break;
      case 'ArrowLeft': cy.panBy({ x: step, y: 0 }); break;
      case 'ArrowRight': cy.panBy({ x: -step, y: 0 }); break;
      case 'ArrowUp': cy.panBy({ x: 0, y: step }); break;
      case 'ArrowDown': cy.panBy({ x: 0, y: -step }); break;
      case '0': case 'f': cy.fit(undefined, 24); break;
      default: return;
    }
    e.preventDefault();
  };
  container.addEventListener('keydown', keydown);

  function bind() {
    cy.on('tap', 'node.work', (e) => handlers.open(e.target.id()));
    cy.on('tap', 'node.more', (e) => handlers.more(e.target.id()));
    cy.on('tap', 'edge.derivation', (e) => handlers.focusEdge(e.target.id(), true));
    cy.on('mouseover', 'node.work', (e) => { container.classList.add('pointer'); handlers.focusNode(e.target.id()); });
    cy.on('mouseover', 'node.more', () => container.classList.add('pointer'));
    cy.on('mouseover', 'edge.derivation', (e) => { container.classList.add('pointer'); handlers.focusEdge(e.target.id(), false); });
    cy.on('mouseout', () => container.classList.remove('pointer'));
  }

  return {
    /**
     * sync makes the drawing show elements: new ones are added (at their
     * position, or next to a drawn neighbour), gone ones removed, changed
     * ones restyled. With positions, every node moves there (animated for
     * a small graph). Resolves once the browser has painted.
     */
    async sync(elements, positions, { fit = false, animate = false } = {}) {
      const big = elements.nodes.length > BIG;
      const at = (id) => (positions?.[id] ? { x: positions[id][0], y: positions[id][1] } : null);
      if (!cy) {
        allowNoInlineStyle();
        const nodes = elements.nodes.map((n) => ({ group: 'nodes', data: n.data, classes: n.classes, position: at(n.data.id) || { x: 0, y: 0 } }));
        const edges = elements.edges.map((e) => ({ group: 'edges', data: e.data, classes: e.classes }));
        // A large tree is added a slice per frame: styling a thousand
        // elements at once would block the page for as long.
        const first = big ? [] : [...nodes, ...edges];
        cy = cytoscape({
          container, style: style(big), layout: { name: 'preset' }, elements: first,
          minZoom: 0.03, maxZoom: 3, boxSelectionEnabled: false, autoungrabify: true,
          textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : 'auto',
        });
        cy.scratch('big', big);
        bind();
        zoomLabels(cy);
        // For the end-to-end tests and the curious: the drawing's model.
        container.cytoscape = cy;
        if (big) {
          for (const slice of slices([...nodes, ...edges], SLICE)) {
            cy.add(slice);
            await frame();
          }
        }
        cy.fit(undefined, 24);
        await painted();
        return;
      }
      if (big !== cy.scratch('big')) {
        cy.style(style(big));
        cy.scratch('big', big);
      }
      const want = new Set();
      const nodesToAdd = [];
      const edgesToAdd = [];
      cy.batch(() => {
        for (const n of elements.nodes) {
          want.add(n.data.id);
          const el = cy.getElementById(n.data.id);
          if (el.nonempty()) {
            if (el.data('label') !== n.data.label || el.data('colour') !== n.data.colour) el.data(n.data);
            if (!sameClasses(el, n.classes)) el.classes(n.classes);
          } else {
            nodesToAdd.push(n);
          }
        }
        for (const e of elements.edges) {
          want.add(e.data.id);
          const el = cy.getElementById(e.data.id);
          const cls = cy.scratch('labels') ? `${e.classes} show-label` : e.classes;
          if (el.nonempty()) {
            if (el.data('label') !== e.data.label) el.data('label', e.data.label);
            if (!sameClasses(el, cls)) el.classes(cls);
          } else {
            edgesToAdd.push({ ...e, classes: cls });
          }
        }
        cy.elements().filter((el) => !want.has(el.id())).remove();
      });
      // New elements go in a slice per frame, so that a large addition
      // never blocks the page for long.
      for (const slice of slices(nodesToAdd, SLICE)) {
        cy.add(slice.map((n) => ({ group: 'nodes', data: n.data, classes: n.classes, position: at(n.data.id) || near(cy, n.data.id, elements) })));
        if (nodesToAdd.length > SLICE) await frame();
      }
      for (const slice of slices(edgesToAdd, SLICE)) {
        cy.add(slice.filter((e) => cy.getElementById(e.data.source).nonempty() && cy.getElementById(e.data.target).nonempty())
          .map((e) => ({ group: 'edges', data: e.data, classes: e.classes })));
        if (edgesToAdd.length > SLICE) await frame();
      }
      if (positions) {
        const pos = (n) => at(n.id()) || n.position();
        if (animate && cy.nodes().length <= BIG) {
          await cy.layout({ name: 'preset', positions: pos, fit: true, padding: 24, animate: true, animationDuration: 300 }).run().promiseOn('layoutstop');
        } else {
          cy.nodes().positions(pos);
          cy.fit(undefined, 24);
        }
      } else if (fit) {
        cy.fit(undefined, 24);
      }
      await painted();
    },
    /** positions returns where every node is drawn. */
    positions() {
      const out = {};
      cy?.nodes().forEach((n) => { const p = n.position(); out[n.id()] = [p.x, p.y]; });
      return out;
    },
    /** highlight marks derivations (and their ends) and brings them into view. */
    highlight(ids) {
      if (!cy) return;
      cy.elements('.highlight').removeClass('highlight');
      const sel = cy.collection();
      for (const id of ids) {
        const e = cy.getElementById(id);
        if (e.empty()) continue;
        sel.merge(e);
        if (e.isEdge()) sel.merge(e.connectedNodes());
      }
      sel.addClass('highlight');
      if (sel.nonempty()) cy.animate({ fit: { eles: sel, padding: 80 }, duration: 300 });
    },
    /** select marks one element (from the list) and centres on it. */
    select(id) {
      if (!cy) return;
      cy.elements(':selected').unselect();
      const el = cy.getElementById(id);
      if (el.nonempty()) {
        el.select();
        cy.animate({ center: { eles: el }, zoom: Math.max(cy.zoom(), 0.8), duration: 250 });
      }
    },
    fit() { cy?.fit(undefined, 24); },
    /** zoomBy zooms about the centre of the drawing. */
    zoomBy(f) {
      cy?.zoom({ level: cy.zoom() * f, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
    },
    /** focus shows a work and its nearest relatives at a readable size. */
    focus(id) {
      if (!cy) return;
      const n = cy.getElementById(id);
      if (n.empty()) return;
      cy.fit(n.closedNeighborhood(), 40);
      if (cy.zoom() > 1) cy.zoom({ level: 1, position: n.position() });
      if (cy.zoom() < 0.75) cy.zoom({ level: 0.75, position: n.position() });
      cy.center(n);
    },
    counts() {
      if (!cy) return { nodes: 0, edges: 0 };
      return { nodes: cy.nodes('.work').length, edges: cy.edges('.derivation').length, conflicts: cy.edges('.conflict').length };
    },
    destroy() {
      container.removeEventListener('keydown', keydown);
      cy?.destroy();
      cy = null;
    },
  };
}

function style(big) {
  // A large graph draws straight edges, and labels them with their
  // relation only once zoomed in far enough to read them (see zoomLabels);
  // conflicts are always labelled.
  if (!big) return STYLE;
  return [
    ...STYLE.map((r) => (r.selector === 'edge' ? { selector: 'edge', style: { ...r.style, 'curve-style': 'straight', label: '' } } : r)),
    { selector: 'edge.conflict, edge.show-label', style: { label: 'data(label)' } },
  ];
}

const LABEL_ZOOM = 0.8;

// zoomLabels shows a large graph's relation labels when zoomed in and hides
// them when zoomed out: restyling every edge costs, so only on crossing.
function zoomLabels(cy) {
  let shown = false;
  let pending = false;
  cy.scratch('labels', false);
  cy.on('zoom', () => {
    if (pending || !cy.scratch('big')) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const want = cy.zoom() >= LABEL_ZOOM;
      if (want === shown) return;
      shown = want;
      cy.scratch('labels', want);
      cy.batch(() => {
        if (want) cy.edges('.derivation').addClass('show-label');
        else cy.edges('.derivation').removeClass('show-label');
      });
    });
  });
}

// near places a node added without a position next to a drawn neighbour:
// above a derivative it is a source of, below a source it derives from.
function near(cy, id, elements) {
  for (const e of elements.edges) {
    if (e.data.source === id) {
      const t = cy.getElementById(e.data.target);
      if (t.nonempty()) return { x: t.position('x'), y: t.position('y') - RANK };
    }
    if (e.data.target === id) {
      const s = cy.getElementById(e.data.source);
      if (s.nonempty()) return { x: s.position('x'), y: s.position('y') + RANK };
    }
  }
  return { x: 0, y: 0 };
}

const RANK = 110;
const SLICE = 250;

function sameClasses(el, classes) {
  const want = classes ? classes.split(' ').filter(Boolean).sort().join(' ') : '';
  return [...el.classes()].sort().join(' ') === want;
}

function* slices(list, n) {
  for (let i = 0; i < list.length; i += n) yield list.slice(i, i + n);
}

function frame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

// Cytoscape inserts a <style> element for its container's one rule
// (position: relative) unless an element with this id exists; the CSP
// forbids inline styles, and style.css carries the rule, so mark it done.
function allowNoInlineStyle() {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  marker.name = 'cytoscape-stylesheet';
  marker.content = 'in style.css';
  document.head.append(marker);
}

// painted resolves once Cytoscape has drawn what it was given: it draws in
// its own animation-frame callback, so two frames later it has.
async function painted() {
  await frame();
  await frame();
}
