// Unit tests of what the policy and curation pages compute (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyMarks, findingTitle, purlBase, withoutVersion, curationsFilter, curationConcerns, outcome, action, curationState, toBase64 } from '../src/policy.js';

test('policyMarks keeps the worst action per work, skipping exemptions and non-works', () => {
  const marks = policyMarks([
    { work: 'works/a', action: 'POLICY_ACTION_REVIEW' },
    { work: 'works/a', action: 'POLICY_ACTION_DENY' },
    { work: 'works/b', action: 'POLICY_ACTION_REVIEW' },
    { work: 'works/b', action: 'POLICY_ACTION_REVIEW' },
    { work: 'works/c', action: 'POLICY_ACTION_DENY', exemption: 'works/c until 2030' },
    { work: 'works/d', action: 'POLICY_ACTION_ALLOW' },
    { subject: 'gpl', action: 'POLICY_ACTION_DENY' },
  ]);
  assert.deepEqual([...marks], [['works/a', 'deny'], ['works/b', 'review']]);
  assert.equal(policyMarks(undefined).size, 0);
});

test('display records name what they show', () => {
  assert.equal(outcome('POLICY_OUTCOME_DENY').label, 'Denied');
  assert.equal(outcome(undefined).key, 'pass');
  assert.equal(action('POLICY_ACTION_REVIEW').key, 'review');
  assert.equal(action('nonsense').key, 'unknown');
  assert.equal(curationState('CURATION_STATE_ACCEPTED').label, 'Accepted');
  assert.equal(findingTitle({ title: 'gpl-lib', version: '2.1.0' }), 'gpl-lib@2.1.0');
  assert.equal(findingTitle({ subject: 'bare' }), 'bare');
});

test('purlBase drops version, qualifiers and subpath, keeping an @ in the namespace', () => {
  assert.equal(purlBase('pkg:npm/%40scope/lib@1.0.0?arch=x#src'), 'pkg:npm/%40scope/lib');
  assert.equal(purlBase('pkg:npm/@scope/lib'), 'pkg:npm/@scope/lib');
  assert.equal(purlBase('pkg:npm/@scope/lib@2'), 'pkg:npm/@scope/lib');
  assert.equal(purlBase(''), '');
});

test('curation filters and matches for a work', () => {
  const work = { name: 'works/lib', version: '0.3.0', identifiers: [{ type: 'purl', value: 'pkg:npm/lib@0.3.0' }, { type: 'doi', value: '10.1/x' }] };
  assert.equal(curationsFilter(work), 'work = "works/lib" OR purl : "pkg:npm/lib"');
  assert.equal(curationsFilter({ name: 'works/q"x' }), 'work = "works/q\\"x"');
  assert.ok(curationConcerns({ work: 'works/lib' }, work));
  assert.ok(!curationConcerns({ work: 'works/other' }, work));
  assert.ok(curationConcerns({ purl: 'pkg:npm/lib', versions: 'vers:npm/<1.0.0' }, work));
  assert.ok(curationConcerns({ purl: 'pkg:npm/lib@0.3.0' }, work));
  assert.ok(!curationConcerns({ purl: 'pkg:npm/lib@0.4.0' }, work));
  assert.ok(!curationConcerns({ purl: 'pkg:npm/lib-extra' }, work), 'a substring match of the filter is not the package');
  assert.ok(!curationConcerns({ purl: 'pkg:npm/lib' }, { name: 'works/x' }));
});

test('toBase64 encodes bytes as protojson does', () => {
  assert.equal(toBase64(new TextEncoder().encode('{"a":1}')), Buffer.from('{"a":1}').toString('base64'));
  const big = new Uint8Array(100_000).map((_, i) => i % 251);
  assert.equal(toBase64(big), Buffer.from(big).toString('base64'));
});

test('withoutVersion keeps the case and the namespace', () => {
  assert.equal(withoutVersion('pkg:npm/%40Scope/Lib@1.0.0?x=1'), 'pkg:npm/%40Scope/Lib');
  assert.equal(withoutVersion('pkg:npm/lib'), 'pkg:npm/lib');
});
