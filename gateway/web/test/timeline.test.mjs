// Unit tests of licences in time: the timeline, upstream alerts and the
// family tree as of a date (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { licenceTimeline, upstreamAlerts, asOfTime, takenAfter } from '../src/timeline.js';
import { Lineage } from '../src/graph/model.js';

const now = Date.parse('2026-12-06T00:00:00Z');

test('the timeline marks the licence in force, the superseded and the scheduled', () => {
  // Terraform registered today under MPL-2.0, relicensed BUSL-1.1 back in
  // 2023, and a change to come.
  const entries = licenceTimeline([
    { licence: 'MPL-2.0', effectiveTime: '2026-12-05T10:00:00Z', recordTime: '2026-12-05T10:00:00Z' },
    { licence: 'BUSL-1.1', previousLicence: 'MPL-2.0', effectiveTime: '2023-08-10T00:00:00Z', recordTime: '2026-12-05T10:01:00Z' },
    { licence: 'MPL-2.0', previousLicence: 'BUSL-1.1', effectiveTime: '2027-01-01T00:00:00Z', recordTime: '2026-12-05T10:02:00Z' },
  ], now);
  assert.deepEqual(entries.map((e) => e.state), ['superseded', 'in-force', 'scheduled']);
  assert.deepEqual(entries.map((e) => e.registration), [true, false, false]);
  assert.equal(entries[1].licence, 'BUSL-1.1');
});

test('the registration licence is in force until a change takes effect, whatever its effective time', () => {
  assert.deepEqual(licenceTimeline([{ licence: 'MIT', effectiveTime: '2030-01-01T00:00:00Z' }], now).map((e) => e.state), ['in-force']);
  assert.deepEqual(licenceTimeline([
    { licence: 'MIT', effectiveTime: '2026-01-01T00:00:00Z' },
    { licence: 'Apache-2.0', effectiveTime: '2028-01-01T00:00:00Z' },
  ], now).map((e) => e.state), ['in-force', 'scheduled']);
  assert.deepEqual(licenceTimeline([], now), []);
});

const relicensing = (id, seq, work, from, to, effective) => ({
  id, sequence: String(seq), kind: 'EVENT_KIND_LICENCE_CHANGED', works: [work],
  licenceChange: { work, previousLicence: from, licence: to, effectiveTime: effective, actor: 'hashicorp' },
});

test('alerts say whether an upstream relicensing binds the lineage, by the source time', () => {
  const ancestry = new Set(['works/opentofu', 'works/terraform', 'works/lib']);
  const events = [
    relicensing('e2', 2, 'works/terraform', 'MPL-2.0', 'BUSL-1.1', '2023-08-10T00:00:00Z'),
    relicensing('e2', 2, 'works/terraform', 'MPL-2.0', 'BUSL-1.1', '2023-08-10T00:00:00Z'), // at least once: a repeat
    relicensing('e1', 1, 'works/lib', 'MIT', 'Apache-2.0', '2020-01-01T00:00:00Z'),
    relicensing('e3', 3, 'works/opentofu', 'MPL-2.0', 'MIT', '2024-01-01T00:00:00Z'), // the work itself: on its timeline
    relicensing('e4', 4, 'works/elsewhere', 'MIT', 'GPL-3.0-only', '2024-01-01T00:00:00Z'),
  ];
  const derivations = [
    { name: 'derivations/fork', source: 'works/terraform', derivative: 'works/opentofu', sourceTime: '2023-08-09T00:00:00Z', createTime: '2026-12-05T10:00:00Z' },
    { name: 'derivations/dep', source: 'works/lib', derivative: 'works/terraform', createTime: '2021-05-01T00:00:00Z' },
    { name: 'derivations/other', source: 'works/terraform', derivative: 'works/not-ours', sourceTime: '2024-01-01T00:00:00Z' },
  ];
  const alerts = upstreamAlerts({ root: 'works/opentofu', events, ancestry, derivations });
  assert.deepEqual(alerts.map((a) => [a.id, a.work, a.affects]), [
    ['e1', 'works/lib', 'yes'],
    ['e2', 'works/terraform', 'no'],
    ['e4', 'works/elsewhere', 'unknown'],
  ]);
  const tf = alerts[1];
  assert.equal(tf.from, 'MPL-2.0');
  assert.equal(tf.to, 'BUSL-1.1');
  assert.deepEqual(tf.edges, [{ derivation: 'derivations/fork', derivative: 'works/opentofu', taken: '2023-08-09T00:00:00Z', affected: false }]);
  // A fork taken on or after the day binds: the new terms were in force.
  const after = upstreamAlerts({ root: 'works/opentofu', events: events.slice(0, 1), ancestry,
    derivations: [{ ...derivations[0], sourceTime: '2023-08-10T00:00:00Z' }, { name: 'derivations/fork2', source: 'works/terraform', derivative: 'works/lib', sourceTime: '2023-01-01T00:00:00Z' }] });
  assert.equal(after[0].affects, 'partly');
});

test('as-of dates are the end of a real day', () => {
  assert.equal(asOfTime('2023-08-10'), '2023-08-10T23:59:59Z');
  for (const bad of ['', '2023-02-30', '2023-8-1', '2023-08-01T00:00:00Z', 'yesterday']) assert.equal(asOfTime(bad), '', bad);
  assert.equal(takenAfter({ sourceTime: '2023-08-09T00:00:00Z', createTime: '2026-12-05T00:00:00Z' }, '2023-08-01T23:59:59Z'), true);
  assert.equal(takenAfter({ sourceTime: '2023-08-09T00:00:00Z', createTime: '2026-12-05T00:00:00Z' }, '2023-08-09T23:59:59Z'), false);
  assert.equal(takenAfter({ createTime: '2026-12-05T00:00:00Z' }, '2023-08-09T23:59:59Z'), true);
  assert.equal(takenAfter({}, '2023-08-09T23:59:59Z'), false);
});

test('a tree as of a date leaves out later derivations and the works joined only through them', () => {
  // opentofu ← terraform ← lib (2020); terraform ← old (2010); app ← opentofu (2024).
  const l = new Lineage('works/terraform', { asOf: asOfTime('2023-08-01') });
  l.addRelatives('works/terraform', [
    { work: 'works/lib', depth: 1, path: ['works/terraform', 'works/lib'], derivations: ['derivations/lib'], relations: ['RELATION_DEPENDENCY'] },
    { work: 'works/old', depth: 1, path: ['works/terraform', 'works/old'], derivations: ['derivations/old'], relations: ['RELATION_FORK'] },
  ], 'up');
  l.addRelatives('works/terraform', [
    { work: 'works/opentofu', depth: 1, path: ['works/terraform', 'works/opentofu'], derivations: ['derivations/fork'], relations: ['RELATION_FORK'] },
    { work: 'works/app', depth: 2, path: ['works/terraform', 'works/opentofu', 'works/app'], derivations: ['derivations/fork', 'derivations/app'], relations: ['RELATION_FORK', 'RELATION_DEPENDENCY'] },
  ], 'down');
  l.addDerivations('works/terraform', [
    { name: 'derivations/lib', source: 'works/lib', derivative: 'works/terraform', createTime: '2026-12-05T00:00:00Z', sourceTime: '2020-01-01T00:00:00Z' },
    { name: 'derivations/old', source: 'works/old', derivative: 'works/terraform', createTime: '2010-01-01T00:00:00Z' },
    { name: 'derivations/new', source: 'works/newer', derivative: 'works/terraform', createTime: '2025-01-01T00:00:00Z' },
  ], 'up');
  l.addDerivations('works/terraform', [
    { name: 'derivations/fork', source: 'works/terraform', derivative: 'works/opentofu', sourceTime: '2023-08-09T00:00:00Z', createTime: '2026-12-05T00:00:00Z' },
  ], 'down');
  assert.deepEqual(l.prune(), ['works/opentofu', 'works/app']);
  assert.deepEqual([...l.nodes.keys()].sort(), ['works/lib', 'works/old', 'works/terraform']);
  assert.deepEqual([...l.edges.keys()].sort(), ['derivations/lib', 'derivations/old']);
  assert.deepEqual(l.frontier(), [], 'a source taken later is no hidden relative then');
  // Drawn now, the same answers keep everything.
  const now2 = new Lineage('works/terraform');
  now2.addRelatives('works/terraform', [{ work: 'works/opentofu', depth: 1, path: ['works/terraform', 'works/opentofu'], derivations: ['derivations/fork'] }], 'down');
  now2.addDerivations('works/terraform', [{ name: 'derivations/fork', source: 'works/terraform', derivative: 'works/opentofu', sourceTime: '2023-08-09T00:00:00Z' }], 'down');
  assert.deepEqual(now2.prune(), []);
  assert.equal(now2.stats().edges, 1);
});
