// Unit tests of the family tree's data model (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lineage, pool, median } from '../src/graph/model.js';
import { layout } from '../src/graph/layout.js';

// A ← B ← C and A ← C (a diamond the shortest paths alone would miss).
const ancestorsOfA = [
  { work: 'works/b', depth: 1, path: ['works/a', 'works/b'], derivations: ['derivations/ab'], relations: ['RELATION_ADAPTATION'] },
  { work: 'works/c', depth: 1, path: ['works/a', 'works/c'], derivations: ['derivations/ac'], relations: ['RELATION_REMIX'] },
];

test('relatives become nodes with depths and path edges', () => {
  const l = new Lineage('works/a');
  const added = l.addRelatives('works/a', ancestorsOfA, 'up');
  assert.deepEqual(added, ['works/b', 'works/c']);
  assert.equal(l.nodes.get('works/b').depth, 1);
  const e = l.edges.get('derivations/ab');
  assert.equal(e.source, 'works/b');
  assert.equal(e.derivative, 'works/a');
  assert.equal(e.relation, 'RELATION_ADAPTATION');
  assert.deepEqual(l.stats(), { nodes: 3, edges: 2, conflicts: 0 });
});

test('derivations add the cross edges and count what is hidden', () => {
  const l = new Lineage('works/a');
  l.addRelatives('works/a', ancestorsOfA, 'up');
  l.addDerivations('works/b', [
    { name: 'derivations/bc', source: 'works/c', derivative: 'works/b', relation: 'RELATION_FORK' },
    { name: 'derivations/bz', source: 'works/z', derivative: 'works/b', relation: 'RELATION_COPY' },
  ], 'up');
  l.addDerivations('works/c', [], 'up');
  l.addDerivations('works/a', [{ name: 'derivations/ab', source: 'works/b', derivative: 'works/a', relation: 'RELATION_ADAPTATION', conflict: false, sourceLicence: 'MIT' }], 'up');
  assert.equal(l.edges.get('derivations/bc').relation, 'RELATION_FORK');
  assert.equal(l.edges.get('derivations/ab').sourceLicence, 'MIT');
  assert.equal(l.hidden('works/b', 'up'), 1);
  assert.deepEqual(l.frontier(), [{ name: 'works/b', dir: 'up', count: 1, more: false }]);
  const input = l.layoutInput(() => ({ width: 10, height: 10 }));
  assert.equal(input.nodes.length, 4, 'three works and one "more" box');
  assert.equal(input.edges.length, 4, 'three derivations and the "more" edge');
  // Once z is drawn, the edge appears and nothing is hidden.
  l.addNode('works/z', 2);
  l.connect([[{ name: 'derivations/bz', source: 'works/z', derivative: 'works/b', relation: 'RELATION_COPY' }]]);
  assert.equal(l.hidden('works/b', 'up'), 0);
  assert.equal(l.stats().edges, 4);
});

test('audit conflicts mark edges; recorded conflicts count too', () => {
  const l = new Lineage('works/a');
  l.addRelatives('works/a', ancestorsOfA, 'up');
  l.addEdge({ name: 'derivations/ac', conflict: true });
  l.markConflicts([
    { kind: 'KIND_DERIVATION', derivative: 'works/a', source: 'works/b', derivation: 'derivations/ab', check: { verdict: 'VERDICT_INCOMPATIBLE', reasons: [{ rule: 'r' }] } },
    { kind: 'KIND_DERIVATION', derivative: 'works/x', source: 'works/y', derivation: 'derivations/xy' },
  ]);
  assert.equal(l.edges.get('derivations/ab').auditConflicts.length, 1);
  assert.equal(l.offGraphConflicts.length, 1);
  assert.equal(l.stats().conflicts, 2);
  assert.ok(Lineage.isConflict(l.edges.get('derivations/ac')));
});

test('descendants point down', () => {
  const l = new Lineage('works/a');
  l.addRelatives('works/a', [{ work: 'works/d', depth: 1, path: ['works/a', 'works/d'], derivations: ['derivations/ad'], relations: ['RELATION_COPY'] }], 'down');
  assert.equal(l.nodes.get('works/d').depth, -1);
  assert.equal(l.edges.get('derivations/ad').source, 'works/a');
  assert.equal(l.edges.get('derivations/ad').derivative, 'works/d');
});

test('the layout puts sources above derivatives', () => {
  const l = new Lineage('works/a');
  l.addRelatives('works/a', ancestorsOfA, 'up');
  l.addDerivations('works/b', [{ name: 'derivations/bc', source: 'works/c', derivative: 'works/b' }], 'up');
  const { positions } = layout(l.layoutInput(() => ({ width: 100, height: 40 })));
  assert.ok(positions['works/c'][1] < positions['works/b'][1], 'c above b');
  assert.ok(positions['works/b'][1] < positions['works/a'][1], 'b above a');
});

test('a 500-work layered lineage lays out', () => {
  const l = new Lineage('works/root');
  const rel = [];
  for (let level = 1; level <= 10; level++) {
    for (let i = 0; i < 50; i++) rel.push({ work: `works/l${level}-${i}`, depth: level, path: [], derivations: [] });
  }
  l.addRelatives('works/root', rel, 'up');
  for (let i = 0; i < 50; i++) l.addEdge({ name: `derivations/r-${i}`, source: `works/l1-${i}`, derivative: 'works/root' });
  for (let level = 1; level < 10; level++) {
    for (let i = 0; i < 50; i++) {
      for (const j of [i, (i + 1) % 50]) l.addEdge({ name: `derivations/${level}-${i}-${j}`, source: `works/l${level + 1}-${j}`, derivative: `works/l${level}-${i}` });
    }
  }
  assert.deepEqual(l.stats(), { nodes: 501, edges: 950, conflicts: 0 });
  const t0 = performance.now();
  const { positions } = layout(l.layoutInput(() => ({ width: 176, height: 50 })));
  const ms = performance.now() - t0;
  assert.equal(Object.keys(positions).length, 501);
  console.log(`# dagre layout of 501 nodes and 950 edges: ${Math.round(ms)} ms`);
});

test('pool bounds concurrency and keeps order', async () => {
  let running = 0;
  let peak = 0;
  const out = await pool([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    return x * 2;
  });
  assert.deepEqual(out, [2, 4, 6, 8, 10, 12, 14]);
  assert.ok(peak <= 3);
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
