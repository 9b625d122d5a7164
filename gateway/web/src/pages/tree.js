// The family tree: ancestors and descendants of a work as a directed graph.
// Large lineages stay usable: the tree is fetched a page at a time up to a
// depth, works beyond it collapse into "+N more" boxes that page in on
// demand, the layout runs in a worker and Cytoscape draws on a canvas.
import { h, replace, field, append } from '../dom.js';
import { api } from '../api.js';
import { navigate, setQuery } from '../router.js';
import { errorBox } from '../errors.js';
import { workTabs, workHref, workLink, licenceBadge, verdictBadge, reasonsList, moreButton } from '../components.js';
import { categoryOf } from '../licinfo.js';
import { CATEGORIES, NO_LICENCE, RELATIONS, category, relationLabel } from '../vocab.js';
import { Lineage, pool, LARGE } from '../graph/model.js';
import { createView, runLayout, size, BIG } from '../graph/view.js';
import { policyMarks } from '../policy.js';
import { actionBadge } from '../findings.js';
import { asOfTime } from '../timeline.js';

const DEPTHS = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 0];
const LIMITS = [100, 250, 500, 1000, 2000];
const DEFAULT_DEPTH = 3;
const DEFAULT_LIMIT = 250;
// Requests under way at once: a browser opens six connections to a host
// over HTTP/1.1; over HTTP/2 (a TLS listener) one connection carries many.
// WORKS_PER_CALL works' derivations are asked in one call (the query
// string stays a few kilobytes); past MAX_PAGES_PER_CALL pages of 1000 the
// rest of a chunk's derivations count as hidden.
const WORKS_PER_CALL = 100;
const MAX_PAGES_PER_CALL = 10;
const CONCURRENCY = /^h[23]/.test(globalThis.performance?.getEntriesByType?.('navigation')?.[0]?.nextHopProtocol || '') ? 24 : 6;
const LIST_OPEN_MAX = 60;

export default async function tree({ main, params, query, signal }) {
  const started = performance.now();
  const name = `works/${params.id}`;
  const opts = readOptions(query);
  const root = await api.getWork(name, { signal });
  document.title = `Family tree of ${root.title} · Stemma explorer`;

  const status = h('p', { class: 'graph-status', role: 'status', 'aria-live': 'polite' }, 'Loading the family tree…');
  const canvas = h('div', {
    class: 'graph', tabindex: '0', role: 'group',
    'aria-label': `Family tree of ${root.title}`, 'aria-describedby': 'graph-help',
    dataset: { state: 'loading' },
  });
  const details = h('aside', { class: 'graph-details', 'aria-live': 'polite', 'aria-label': 'Selection' },
    h('p', { class: 'muted' }, 'Point at or select a derivation to read its licence check; select a work to open it.'));
  const conflictsSection = h('section', { class: 'conflicts', 'aria-labelledby': 'h-conflicts' },
    h('h2', { id: 'h-conflicts' }, 'Licence conflicts'));
  const hiddenSection = h('section', { class: 'hidden-relatives', 'aria-labelledby': 'h-hidden', hidden: true },
    h('h2', { id: 'h-hidden' }, 'Not drawn yet'));
  const nodesList = h('details', { class: 'node-list' }, h('summary', null, 'Works in this tree (list)'));
  // Marks of a policy evaluation of the work's ancestry: work → deny or review.
  let marks = new Map();
  const policyStatus = h('span', { class: 'policy-status', role: 'status', 'aria-live': 'polite' });
  const policySelect = h('select', { name: 'policy' }, h('option', { value: '' }, 'none'));
  const policyBar = h('form', { class: 'policy-bar', onsubmit: (e) => { e.preventDefault(); markPolicy(policySelect.value); } },
    field('Mark the findings of a policy', policySelect), ' ',
    h('button', { type: 'submit', class: 'secondary' }, 'Mark'), ' ', policyStatus);
  const edgesList = h('details', { class: 'edge-list' }, h('summary', null, 'Derivations in this tree (list)'));

  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Find'), ' › ', workLink(name, root.title), ' › family tree'),
    h('h1', null, 'Family tree of ', root.title),
    workTabs(params.id, 'tree'),
    controls(opts, (next) => {
      Object.assign(opts, next);
      setQuery(queryOf(opts), { push: true });
      state.reload();
    }),
    legend(),
    policyBar,
    status,
    h('div', { class: 'graph-tools', role: 'toolbar', 'aria-label': 'View' },
      h('button', { type: 'button', class: 'secondary', onclick: () => view.fit() }, 'Fit all'),
      h('button', { type: 'button', class: 'secondary', onclick: () => view.focus(name) }, 'This work'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Zoom in', onclick: () => view.zoomBy(1.25) }, '+'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Zoom out', onclick: () => view.zoomBy(0.8) }, '−')),
    h('div', { class: 'graph-wrap' }, canvas, details),
    h('p', { id: 'graph-help', class: 'small muted' },
      'Sources are drawn above the works derived from them. Select a work to open it; select a dashed “more” box to draw what lies beyond. ',
      'With the graph focused: + and − zoom, arrow keys move, 0 fits. Every work and derivation is also in the lists below.'),
    conflictsSection, hiddenSection, nodesList, edgesList);

  const view = createView(canvas, {
    open: (id) => navigate(workHref(id)),
    more: (id) => state.expand(id),
    focusNode: (id) => showNode(id),
    focusEdge: (id, pinned) => showEdge(id, pinned),
  });
  signal.addEventListener('abort', () => view.destroy());

  let lineage;
  let audit = null;
  const derivs = new Map(); // work name → derivations fetched for it ("up"/"down" keyed)
  const tokens = { up: '', down: '' };
  const totals = { up: 0, down: 0 };
  let requests = 0;
  let pinned = false;

  const counted = (p) => { requests++; return p; };

  async function fetchRelatives(dir, from, maxDepth, limit, pageToken = '') {
    const call = dir === 'up' ? api.ancestors : api.descendants;
    const key = dir === 'up' ? 'ancestors' : 'descendants';
    const out = [];
    let token = pageToken;
    let total = 0;
    do {
      const resp = await counted(call(from, { maxDepth, relations: opts.rel, pageSize: Math.min(1000, limit - out.length), pageToken: token }, { signal }));
      out.push(...(resp[key] || []));
      token = resp.nextPageToken || '';
      total = resp.totalSize || total;
    } while (token && out.length < limit);
    return { relatives: out, token, total };
  }

  // The other derivations between the works come a chunk of works per
  // call (?derivatives=…&derivatives=… or ?sources=…), not a call per work:
  // a 500-ancestor tree needs a handful of requests instead of 500.
  async function fetchDerivations(names, progress) {
    const want = { up: [], down: [] };
    for (const n of names) {
      const node = lineage.nodes.get(n);
      if (!node) continue;
      if (node.depth >= 0 && opts.dir !== 'down' && !derivs.has(`up:${n}`)) want.up.push(n);
      if (node.depth <= 0 && opts.dir !== 'up' && !derivs.has(`down:${n}`)) want.down.push(n);
    }
    const jobs = [];
    for (const dir of ['up', 'down']) {
      for (let i = 0; i < want[dir].length; i += WORKS_PER_CALL) jobs.push([dir, want[dir].slice(i, i + WORKS_PER_CALL)]);
    }
    await pool(jobs, 3, async ([dir, chunk]) => {
      const byWork = new Map(chunk.map((n) => [n, []]));
      let token = '';
      let pages = 0;
      do {
        const q = { [dir === 'up' ? 'derivatives' : 'sources']: chunk, relations: opts.rel, pageSize: 1000, pageToken: token };
        const resp = await counted(api.listDerivations(q, { signal }));
        for (const d of resp.derivations || []) byWork.get(dir === 'up' ? d.derivative : d.source)?.push(d);
        token = resp.nextPageToken || '';
      } while (token && ++pages < MAX_PAGES_PER_CALL);
      for (const [n, list] of byWork) {
        derivs.set(`${dir}:${n}`, list);
        lineage.addDerivations(n, list, dir, Boolean(token));
      }
      progress?.(chunk.length);
    });
    lineage.connect(derivs.values());
  }

  async function fetchWorks() {
    const missing = [...lineage.nodes.values()].filter((n) => !n.work).map((n) => n.name);
    const chunks = [];
    for (let i = 0; i < missing.length; i += 100) chunks.push(missing.slice(i, i + 100));
    await pool(chunks, 3, async (chunk) => {
      const resp = await counted(api.batchGetWorks(chunk, { signal, asOf: lineage.asOf }));
      for (const w of resp.works || []) {
        const n = lineage.nodes.get(w.name);
        if (n) n.work = w;
      }
      for (const m of resp.missing || []) {
        const n = lineage.nodes.get(m);
        if (n) n.work = { name: m, title: `${m} (deleted)`, licence: '' };
      }
    });
    const exprs = [...new Set([...lineage.nodes.values()].map((n) => n.work?.licence || ''))];
    const cats = new Map();
    await pool(exprs, CONCURRENCY, async (x) => { cats.set(x, await categoryOf(x)); });
    for (const n of lineage.nodes.values()) n.category = cats.get(n.work?.licence || '') || '';
  }

  // settle fetches what the works to draw need before they are drawn: as
  // of a date, every derivation between them first, since those made
  // after the date and the works joined only through them are left out.
  async function settle(pending, ...also) {
    if (lineage.asOf) {
      await fetchDerivations(pending);
      lineage.prune();
    }
    await Promise.all([fetchWorks(), ...also.map((f) => f())]);
  }

  async function fetchAudit() {
    // The audit judges the lineage as it is now, not as it stood then.
    if (opts.dir === 'down' || lineage.asOf) { audit = null; return; }
    const conflicts = [];
    let token = '';
    let resp;
    try {
      do {
        resp = await counted(api.audit(name, { pageSize: 500, pageToken: token }, { signal }));
        conflicts.push(...(resp.conflicts || []));
        token = resp.nextPageToken || '';
      } while (token && conflicts.length < 2000);
      audit = { ...resp, conflicts };
    } catch (e) {
      if (e?.name === 'AbortError') throw e;
      audit = { error: e, conflicts: [] };
    }
  }

  let positions = null;

  /**
   * show draws the tree in two steps. First the works and the derivations
   * along their shortest paths, laid out at once, so that the page shows
   * the whole family quickly; then every other derivation between them as
   * the derivations of each chunk of works arrive. A small tree is
   * then laid out again with all its derivations; a large one keeps its
   * places, so nothing jumps.
   */
  async function show(t0, pending, { relayout = false, first = async () => {} } = {}) {
    // The derivations between the works are fetched once the works are
    // drawn (fetched alongside, their answers would slow the first drawing
    // down more than they gain). A small tree shows them as they arrive; a
    // large one only counts them, since every redraw costs as much as the
    // first.
    let drawn = false;
    let last = 0;
    let syncing = null;
    let done = 0;
    const progress = (works = 1) => {
      done += works;
      const now = performance.now();
      if (!drawn || syncing || now - last < 400) return;
      last = now;
      status.textContent = `${lineage.nodes.size} works drawn; adding the other derivations between them (${done} of ${pending.length} works)…`;
      if (lineage.nodes.size <= BIG) syncing = view.sync(elements(), null).finally(() => { syncing = null; });
    };
    await first();
    lineage.markConflicts(audit?.conflicts || []);
    const t1 = performance.now();
    if (!positions || relayout) {
      positions = (await runLayout(lineage.layoutInput(size))).positions;
    }
    const t2 = performance.now();
    await view.sync(elements(), positions, { animate: false });
    // A large tree would be too small to read whole: start at the work.
    if (lineage.nodes.size > BIG) view.focus(name);
    const t3 = performance.now();
    drawn = true;
    Object.assign(canvas.dataset, {
      state: 'completing',
      firstDrawMs: String(Math.round(t3 - t0)),
      firstDrawSinceNavigationMs: String(Math.round(t3)),
    });
    replace(status, `${lineage.nodes.size} works drawn; adding the other derivations between them…`);
    const edges = fetchDerivations(pending, progress);

    await edges;
    await syncing;
    lineage.markConflicts(audit?.conflicts || []);
    const t4 = performance.now();
    const small = lineage.nodes.size <= LARGE;
    if (small) {
      positions = (await runLayout(lineage.layoutInput(size))).positions;
    } else {
      positions = view.positions();
    }
    const t5 = performance.now();
    await view.sync(elements(), small ? positions : null, { animate: small });
    const t6 = performance.now();
    const st = lineage.stats();
    Object.assign(canvas.dataset, {
      state: 'ready',
      nodes: String(st.nodes),
      edges: String(st.edges),
      conflicts: String(st.conflicts),
      conflictEdges: lineage.conflictEdges().map((e) => e.name).join(' '),
      hidden: String(lineage.frontier().length),
      fetchMs: String(Math.round(t1 - t0)),
      layoutMs: String(Math.round(t2 - t1 + (t5 - t4))),
      renderMs: String(Math.round(t3 - t2 + (t6 - t5))),
      edgesMs: String(Math.round(t4 - t3)),
      drawMs: String(Math.round(t6 - t0)),
      sinceNavigationMs: String(Math.round(t6)),
      requests: String(requests),
      asOf: opts.asOf,
    });
    const more = tokens.up || tokens.down;
    replace(status,
      lineage.asOf ? `As of ${opts.asOf} (the end of the day, UTC: derivations made later left out, licences as in force then): ` : '',
      `${plural(st.nodes, 'work')} and ${plural(st.edges, 'derivation')}`,
      st.conflicts ? [', ', h('strong', { class: 'conflict-text' }, `${st.conflicts} licence conflict${st.conflicts > 1 ? 's' : ''}`), ' (red dashed arrows marked CONFLICT)'] : ', no licence conflict drawn',
      more ? `; ${totals.up + totals.down} in all within the depth` : '',
      `. Drawn in ${Math.round(t3 - t0)} ms, complete in ${Math.round(t6 - t0)} ms.`);
    if (opts.highlight) view.highlight([opts.highlight]);
    renderSide();
  }

  function elements() {
    const nodes = [];
    const edges = [];
    const involved = new Set();
    for (const e of lineage.conflictEdges()) { involved.add(e.source); involved.add(e.derivative); }
    for (const n of lineage.nodes.values()) {
      const w = n.work || {};
      const cat = n.category ? category(n.category) : NO_LICENCE;
      const inConflict = involved.has(n.name);
      const mark = marks.get(n.name);
      const sign = { deny: 'DENIED · ', review: 'REVIEW · ' }[mark] || '';
      nodes.push({
        data: { id: n.name, label: `${sign}${trunc(w.title || n.name, 30 - sign.length)}\n${trunc(w.licence || 'no licence', 28)}`, colour: cat.colour },
        classes: ['work', n.name === name ? 'root' : '', inConflict ? 'in-conflict' : '', mark ? `policy-${mark}` : ''].filter(Boolean).join(' '),
      });
    }
    for (const e of lineage.edges.values()) {
      if (!lineage.nodes.has(e.source) || !lineage.nodes.has(e.derivative)) continue;
      const conflict = Lineage.isConflict(e);
      edges.push({
        data: { id: e.name, source: e.source, target: e.derivative, label: `${conflict ? 'CONFLICT · ' : ''}${relationLabel(e.relation)}` },
        classes: conflict ? 'derivation conflict' : 'derivation',
      });
    }
    for (const f of lineage.frontier()) {
      const id = `more:${f.dir}:${f.name}`;
      const label = `+${f.count || ''}${f.more ? '+' : ''} more ${f.dir === 'up' ? 'sources' : 'derived'}`;
      nodes.push({ data: { id, label, colour: '#ffffff' }, classes: 'more' });
      edges.push(f.dir === 'up'
        ? { data: { id: `${id}:e`, source: id, target: f.name, label: '' }, classes: 'more-edge' }
        : { data: { id: `${id}:e`, source: f.name, target: id, label: '' }, classes: 'more-edge' });
    }
    return { nodes, edges };
  }

  function titleOf(n) {
    return lineage.nodes.get(n)?.work?.title || n;
  }

  function showNode(id) {
    if (pinned) return;
    const n = lineage.nodes.get(id);
    if (!n) return;
    replace(details,
      h('h2', null, n.work?.title || id),
      h('p', null, licenceBadge(n.work?.licence)),
      marks.has(id) ? h('p', null, 'Policy: ', actionBadge(`POLICY_ACTION_${marks.get(id).toUpperCase()}`)) : null,
      h('p', { class: 'small' }, depthText(n.depth)),
      h('p', null, h('a', { href: workHref(id) }, 'Open this work'), ' · ', h('a', { href: workHref(id, 'tree') }, 'Its family tree')));
  }

  function showEdge(id, pin) {
    if (pinned && !pin) return;
    pinned = pin;
    const e = lineage.edges.get(id);
    if (!e) return;
    const conflict = Lineage.isConflict(e);
    const ac = e.auditConflicts?.[0];
    const reasons = ac?.check?.reasons || e.verdict?.reasons || [];
    replace(details,
      h('h2', null, conflict ? h('span', { class: 'conflict-text' }, 'Licence conflict') : 'Derivation'),
      h('p', null, workLink(e.derivative, titleOf(e.derivative)), ` ${RELATIONS[e.relation]?.verb || 'derives from'} `, workLink(e.source, titleOf(e.source)), '.'),
      e.sourceLicence || e.derivativeLicence ? h('p', null, h('code', null, e.sourceLicence || '?'), ' into ', h('code', null, e.derivativeLicence || '?')) : null,
      e.conflict ? h('p', null, h('strong', null, 'Recorded knowingly as a conflict.')) : null,
      ac?.kind === 'KIND_SOURCES' ? h('p', null, 'Two sources of ', workLink(ac.derivative, titleOf(ac.derivative)), ' cannot be combined: ',
        workLink(ac.source, titleOf(ac.source)), ' and ', workLink(ac.otherSource, titleOf(ac.otherSource)), '.') : null,
      (ac?.check?.verdict || e.verdict?.verdict) ? h('p', null, 'Verdict: ', verdictBadge(ac?.check?.verdict || e.verdict?.verdict)) : null,
      reasons.length ? reasonsList(reasons) : null,
      e.note ? h('p', { class: 'small' }, 'Note: ', e.note) : null,
      h('p', { class: 'small muted' }, h('code', null, e.name)),
      pin ? h('button', { type: 'button', class: 'secondary', onclick: () => { pinned = false; replace(details, h('p', { class: 'muted' }, 'Nothing selected.')); } }, 'Close') : null);
  }

  function renderSide() {
    // Conflicts, with their paths, each one shown on the graph on demand.
    const list = audit?.conflicts || [];
    const off = new Set(lineage.offGraphConflicts);
    const recorded = [...lineage.edges.values()].filter((e) => e.conflict && !e.auditConflicts?.length);
    replace(conflictsSection, conflictsSection.firstChild,
      audit?.error ? errorBox(audit.error) : null,
      !list.length && !recorded.length ? h('p', null, lineage.asOf ? `Drawn as of ${opts.asOf}: the audit judges the lineage as it is now, so it is not run on this tree.`
        : opts.dir === 'down' ? 'No conflict recorded among the descendants drawn.' : 'The audit found no licence conflict in this work’s ancestry.') : null,
      list.length || recorded.length ? h('ul', { class: 'conflict-list' },
        list.map((c) => h('li', { class: 'conflict-item', dataset: { derivation: c.derivation || '' } },
          h('p', null, h('strong', { class: 'conflict-text' }, c.kind === 'KIND_SOURCES' ? 'Sources conflict: ' : 'Conflict: '),
            workLink(c.derivative, titleOf(c.derivative)), ' ← ', workLink(c.source, titleOf(c.source)),
            c.otherSource ? [' and ', workLink(c.otherSource, titleOf(c.otherSource))] : null,
            ` (${relationLabel(c.relation)})`, c.recorded ? ' — recorded knowingly' : ''),
          c.check ? h('p', { class: 'small' }, h('code', null, c.check.inbound || '?'), ' into ', h('code', null, c.check.outbound || '?'), ': ', verdictBadge(c.check.verdict)) : null,
          off.has(c) ? h('p', { class: 'small muted' }, 'Beyond the drawn depth.')
            : h('button', { type: 'button', class: 'secondary', onclick: () => view.highlight([c.derivation, c.otherDerivation].filter(Boolean)) }, 'Show on the graph'))),
        recorded.map((e) => h('li', { class: 'conflict-item', dataset: { derivation: e.name } },
          h('p', null, h('strong', { class: 'conflict-text' }, 'Recorded conflict: '), workLink(e.derivative, titleOf(e.derivative)), ' ← ', workLink(e.source, titleOf(e.source))),
          h('button', { type: 'button', class: 'secondary', onclick: () => view.highlight([e.name]) }, 'Show on the graph')))) : null,
      h('p', null, h('a', { href: workHref(name, 'audit') }, 'The full audit and the attribution chain')));

    // What is not drawn: works beyond the depth, further pages.
    const frontier = lineage.frontier();
    const more = [];
    for (const dir of ['up', 'down']) {
      if (tokens[dir]) {
        more.push(h('p', null, moreButton(`Load more ${dir === 'up' ? 'ancestors' : 'descendants'} (${lineage.nodes.size - 1} of ${totals.up + totals.down} drawn)`, async () => {
          await state.loadMore(dir);
          return true;
        })));
      }
    }
    hiddenSection.hidden = !frontier.length && !more.length;
    replace(hiddenSection, hiddenSection.firstChild, more,
      frontier.length ? h('ul', { class: 'frontier' }, frontier.slice(0, 200).map((f) => h('li', null,
        h('button', { type: 'button', class: 'secondary', onclick: () => state.expand(`more:${f.dir}:${f.name}`) },
          `Draw ${f.count || 'more'}${f.more ? '+' : ''} more ${f.dir === 'up' ? 'sources' : 'derivatives'} of ${titleOf(f.name)}`)))) : null,
      frontier.length > 200 ? h('p', { class: 'small muted' }, `And ${frontier.length - 200} more works with hidden relatives.`) : null);

    // The lists: every work and derivation, reachable by keyboard.
    fillLazily(nodesList, () => nodesTable());
    fillLazily(edgesList, () => edgesTable());
  }

  function fillLazily(det, build) {
    const summary = det.firstChild;
    replace(det, summary);
    det.open = lineage.nodes.size <= LIST_OPEN_MAX;
    const fill = () => { if (det.open && det.childNodes.length === 1) det.append(build()); };
    det.ontoggle = fill;
    fill();
  }

  function nodesTable() {
    const rows = [...lineage.nodes.values()].sort((a, b) => b.depth - a.depth || titleOf(a.name).localeCompare(titleOf(b.name)));
    return h('table', { class: 'nodes-table' },
      h('thead', null, h('tr', null, ...['Work', 'Generation', 'Licence', 'Hidden relatives', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map((n) => {
        const hiddenUp = n.depth >= 0 ? lineage.hidden(n.name, 'up') : 0;
        const hiddenDown = n.depth <= 0 ? lineage.hidden(n.name, 'down') : 0;
        return h('tr', { dataset: { work: n.name } },
          h('th', { scope: 'row' }, workLink(n.name, titleOf(n.name))),
          h('td', null, depthText(n.depth)),
          h('td', null, h('code', null, n.work?.licence || 'none'), ' ', h('span', { class: 'small muted' }, n.category ? category(n.category).label : NO_LICENCE.label),
            marks.has(n.name) ? [' ', actionBadge(`POLICY_ACTION_${marks.get(n.name).toUpperCase()}`)] : null),
          h('td', null, hiddenUp || hiddenDown ? [
            hiddenUp ? h('button', { type: 'button', class: 'link-button', onclick: () => state.expand(`more:up:${n.name}`) }, `${hiddenUp} sources`) : null,
            hiddenUp && hiddenDown ? ' · ' : null,
            hiddenDown ? h('button', { type: 'button', class: 'link-button', onclick: () => state.expand(`more:down:${n.name}`) }, `${hiddenDown} derivatives`) : null,
          ] : ''),
          h('td', null, h('button', { type: 'button', class: 'link-button', onclick: () => { view.select(n.name); canvas.scrollIntoView({ block: 'center' }); } }, 'Find on the graph')));
      })));
  }

  function edgesTable() {
    const rows = [...lineage.edges.values()].filter((e) => lineage.nodes.has(e.source) && lineage.nodes.has(e.derivative));
    rows.sort((a, b) => Number(Lineage.isConflict(b)) - Number(Lineage.isConflict(a)));
    return h('table', { class: 'edges-table' },
      h('thead', null, h('tr', null, ...['Derivative', 'Relation', 'Source', 'Licence check', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map((e) => h('tr', { class: Lineage.isConflict(e) ? 'conflict-row' : null, dataset: { derivation: e.name } },
        h('td', null, workLink(e.derivative, titleOf(e.derivative))),
        h('td', null, relationLabel(e.relation)),
        h('td', null, workLink(e.source, titleOf(e.source))),
        h('td', null, Lineage.isConflict(e) ? h('span', { class: 'conflict-mark' }, '⚠ Conflict') : verdictBadge(e.verdict?.verdict)),
        h('td', null, h('button', { type: 'button', class: 'link-button', onclick: () => { showEdge(e.name, true); view.highlight([e.name]); } }, 'Show'))))));
  }

  const state = {
    async reload() {
      const t0 = performance.now();
      canvas.dataset.state = 'loading';
      replace(status, 'Loading the family tree…');
      lineage = new Lineage(name, { asOf: asOfTime(opts.asOf) });
      // As of a date, the work's own licence is the one in force then.
      if (!lineage.asOf) lineage.nodes.get(name).work = root;
      derivs.clear();
      tokens.up = ''; tokens.down = '';
      totals.up = 0; totals.down = 0;
      requests = 0;
      try {
        const dirs = opts.dir === 'both' ? ['up', 'down'] : [opts.dir];
        const perDir = opts.dir === 'both' ? Math.ceil(opts.limit / 2) : opts.limit;
        await Promise.all(dirs.map(async (dir) => {
          const r = await fetchRelatives(dir, name, opts.depth, perDir);
          lineage.addRelatives(name, r.relatives, dir);
          tokens[dir] = r.token;
          totals[dir] = r.total || r.relatives.length;
        }));
        replace(status, `Loading ${lineage.nodes.size} works…`);
        positions = null;
        await show(t0, [...lineage.nodes.keys()], { first: () => settle([...lineage.nodes.keys()], fetchAudit) });
        canvas.dataset.sinceStartMs = String(Math.round(performance.now() - started));
      } catch (e) {
        if (e?.name === 'AbortError') return;
        canvas.dataset.state = 'error';
        replace(status, errorBox(e));
      }
    },
    async loadMore(dir) {
      if (canvas.dataset.state !== 'ready') return;
      const t0 = performance.now();
      canvas.dataset.state = 'loading';
      try {
        const r = await fetchRelatives(dir, name, opts.depth, opts.limit, tokens[dir]);
        const added = lineage.addRelatives(name, r.relatives, dir);
        tokens[dir] = r.token;
        await show(t0, added, { relayout: true, first: () => settle(added) });
      } catch (e) {
        if (e?.name === 'AbortError') return;
        canvas.dataset.state = 'ready';
        append(status, errorBox(e));
      }
    },
    async expand(moreId) {
      const m = /^more:(up|down):(.+)$/.exec(moreId);
      if (!m || canvas.dataset.state !== 'ready') return;
      const [, dir, from] = m;
      const node = lineage.nodes.get(from);
      if (!node) return;
      const t0 = performance.now();
      canvas.dataset.state = 'loading';
      replace(status, `Drawing more ${dir === 'up' ? 'sources' : 'derivatives'} of ${titleOf(from)}…`);
      try {
        const step = opts.depth || DEFAULT_DEPTH;
        const r = await fetchRelatives(dir, from, step, opts.limit);
        const added = lineage.addRelatives(from, r.relatives, dir, node.depth);
        await show(t0, [from, ...added], { relayout: true, first: () => settle([from, ...added]) });
        view.highlight([from]);
      } catch (e) {
        if (e?.name === 'AbortError') return;
        canvas.dataset.state = 'ready';
        append(status, errorBox(e));
      }
    },
  };

  // markPolicy evaluates the work's ancestry against a policy and marks
  // the works found denied or needing review; '' clears the marks.
  async function markPolicy(policy) {
    opts.policy = policy;
    setQuery(queryOf(opts));
    marks = new Map();
    policyStatus.textContent = policy ? 'Evaluating…' : '';
    try {
      if (policy) {
        const r = await api.evaluatePolicy(policy, { work: name }, { signal });
        marks = policyMarks(r.findings);
        const count = (k) => [...marks.values()].filter((m) => m === k).length;
        policyStatus.textContent = `${r.policy}: ${count('deny')} denied, ${count('review')} needing review (marked DENIED / REVIEW, with a thick border).`;
      }
    } catch (e) {
      if (e?.name === 'AbortError') return;
      policyStatus.replaceChildren(errorBox(e) || '');
    }
    const of = (k) => [...marks].filter(([, m]) => m === k).map(([w]) => w).join(' ');
    Object.assign(canvas.dataset, { policy: policy || '', policyDeny: of('deny'), policyReview: of('review') });
    if (lineage) {
      await view.sync(elements(), null);
      renderSide();
    }
    canvas.dataset.policyState = 'marked';
  }

  api.listPolicies({ pageSize: 100 }, { signal }).then((r) => {
    for (const p of r.policies || []) {
      const id = p.name.replace(/^policies\//, '');
      policySelect.append(h('option', { value: id, selected: id === opts.policy }, p.title ? `${p.title} (${id})` : id));
    }
  }, () => {});
  await state.reload();
  if (opts.policy && canvas.dataset.state === 'ready') await markPolicy(opts.policy);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function depthText(d) {
  if (d === 0) return 'this work';
  return d > 0 ? `${d} generation${d > 1 ? 's' : ''} up (source)` : `${-d} generation${d < -1 ? 's' : ''} down (derived)`;
}

function trunc(s, n) {
  const t = String(s || '');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

function readOptions(query) {
  const depth = query.has('depth') ? (query.get('depth') === 'all' ? 0 : Number.parseInt(query.get('depth'), 10)) : DEFAULT_DEPTH;
  const limit = Number.parseInt(query.get('limit') || '', 10);
  return {
    dir: ['up', 'down', 'both'].includes(query.get('dir')) ? query.get('dir') : 'up',
    depth: Number.isFinite(depth) && depth >= 0 ? depth : DEFAULT_DEPTH,
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, 5000) : DEFAULT_LIMIT,
    rel: (query.get('rel') || '').split(',').map((r) => r.trim().toUpperCase()).filter(Boolean)
      .map((r) => (r.startsWith('RELATION_') ? r : `RELATION_${r}`)).filter((r) => r in RELATIONS),
    highlight: query.get('highlight') || '',
    policy: query.get('policy') || '',
    asOf: asOfTime(query.get('asOf') || '') ? query.get('asOf') : '',
  };
}

function queryOf(o) {
  return {
    dir: o.dir === 'up' ? '' : o.dir,
    depth: o.depth === DEFAULT_DEPTH ? '' : (o.depth === 0 ? 'all' : o.depth),
    limit: o.limit === DEFAULT_LIMIT ? '' : o.limit,
    rel: o.rel.map((r) => r.replace(/^RELATION_/, '').toLowerCase()).join(','),
    policy: o.policy,
    asOf: o.asOf,
  };
}

function controls(opts, apply) {
  const dir = h('select', { name: 'dir' },
    h('option', { value: 'up', selected: opts.dir === 'up' }, 'Ancestors (its sources)'),
    h('option', { value: 'down', selected: opts.dir === 'down' }, 'Descendants (works derived from it)'),
    h('option', { value: 'both', selected: opts.dir === 'both' }, 'Both'));
  const depth = h('select', { name: 'depth' }, DEPTHS.map((d) => h('option', { value: String(d), selected: d === opts.depth }, d === 0 ? 'All (server bound)' : String(d))));
  const limit = h('select', { name: 'limit' }, [...new Set([...LIMITS, opts.limit])].sort((a, b) => a - b).map((l) => h('option', { value: String(l), selected: l === opts.limit }, String(l))));
  const asOf = h('input', { type: 'date', name: 'asOf', value: opts.asOf, max: new Date().toISOString().slice(0, 10) });
  const rels = Object.entries(RELATIONS).map(([r, d]) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'rel', value: r, checked: opts.rel.includes(r) }), ` ${d.label}`));
  const form = h('form', { class: 'graph-controls', onsubmit: (e) => {
    e.preventDefault();
    apply({
      dir: dir.value,
      depth: Number(depth.value),
      limit: Number(limit.value),
      rel: rels.map((l) => l.firstChild).filter((i) => i.checked).map((i) => i.value),
      asOf: asOfTime(asOf.value) ? asOf.value : '',
      highlight: '',
    });
  } },
  field('Direction', dir),
  field('Depth', depth),
  field('Works per page', limit),
  field('As of', asOf),
  h('fieldset', { class: 'relations' }, h('legend', null, 'Relations (none ticked: all)'), rels),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Draw')));
  return form;
}

function legend() {
  return h('details', { class: 'legend' }, h('summary', null, 'Legend: colours and lines'),
    h('ul', { class: 'legend-list' },
      [...Object.entries(CATEGORIES).map(([k, c]) => [k, c]), ['', NO_LICENCE]].map(([k, c]) => {
        const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
        sw.style.setProperty('--cat', c.colour);
        return h('li', { dataset: { category: k } }, sw, ' ', c.label);
      }),
      h('li', null, h('span', { class: 'swatch-line conflict', 'aria-hidden': 'true' }), ' Licence conflict: red, dashed, labelled CONFLICT'),
      h('li', null, h('span', { class: 'swatch-line', 'aria-hidden': 'true' }), ' Derivation, from source (above) to derivative (below)'),
      h('li', null, h('span', { class: 'swatch policy-deny', 'aria-hidden': 'true' }), ' Denied by the marked policy: thick dark-red border, labelled DENIED'),
      h('li', null, h('span', { class: 'swatch policy-review', 'aria-hidden': 'true' }), ' Needs review under the marked policy: thick amber dashed border, labelled REVIEW'),
      h('li', null, h('span', { class: 'swatch more', 'aria-hidden': 'true' }), ' More relatives, not drawn yet: select to draw them')));
}
