// Unit tests of the explorer's pure helpers (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyQuery, worksFilter, expressionCategory, filterString } from '../src/vocab.js';
import { qs, ApiError } from '../src/api.js';
import { expressionError, tokenStart, detailLines } from '../src/errors.js';

test('the search box knows digests and identifiers from words', () => {
  const hex = 'ab'.repeat(32);
  assert.deepEqual(classifyQuery(`SHA256:${hex.toUpperCase()}`), { by: 'digest', value: `sha256:${hex}` });
  assert.deepEqual(classifyQuery(hex), { by: 'digest', value: `sha256:${hex}` });
  assert.deepEqual(classifyQuery(' pkg:npm/left-pad@1.3.0 '), { by: 'purl', value: 'pkg:npm/left-pad@1.3.0' });
  assert.deepEqual(classifyQuery('10.5281/zenodo.123'), { by: 'doi', value: '10.5281/zenodo.123' });
  assert.deepEqual(classifyQuery('https://doi.org/10.5281/zenodo.123'), { by: 'doi', value: '10.5281/zenodo.123' });
  assert.deepEqual(classifyQuery('swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2').by, 'swhid');
  assert.deepEqual(classifyQuery('978-3-16-148410-0'), { by: 'isbn', value: '978-3-16-148410-0' });
  assert.deepEqual(classifyQuery('https://example.org/x'), { by: 'url', value: 'https://example.org/x' });
  assert.deepEqual(classifyQuery('Ada Lovelace'), { by: 'title', value: 'Ada Lovelace' });
  assert.deepEqual(classifyQuery('GPL-3.0-only'), { by: 'title', value: 'GPL-3.0-only' });
});

test('filters quote their values', () => {
  assert.equal(filterString('say "hi"\\'), '"say \\"hi\\"\\\\"');
  assert.equal(worksFilter('title', 'Notes'), 'title : "Notes"');
  assert.equal(worksFilter('creator', 'Ada'), 'creator = "Ada"');
  assert.equal(worksFilter('licence', 'MIT'), 'licence_id = "MIT"');
});

test('an expression is coloured by its binding category', () => {
  const cats = { MIT: 'CATEGORY_PERMISSIVE', 'GPL-3.0-only': 'CATEGORY_STRONG_COPYLEFT' };
  const lic = (id) => ({ kind: 'KIND_LICENCE', licenceId: id });
  assert.equal(expressionCategory({ kind: 'KIND_AND', operands: [lic('MIT'), lic('GPL-3.0-only')] }, cats), 'CATEGORY_STRONG_COPYLEFT');
  assert.equal(expressionCategory({ kind: 'KIND_OR', operands: [lic('MIT'), lic('GPL-3.0-only')] }, cats), 'CATEGORY_PERMISSIVE');
  assert.equal(expressionCategory(lic('LicenseRef-x'), cats), 'CATEGORY_PROPRIETARY_OR_UNKNOWN');
});

test('query strings repeat arrays and drop empty values', () => {
  assert.equal(qs({ names: ['works/a', 'works/b'], allowMissing: true, pageToken: '', maxDepth: 0 }), '?names=works%2Fa&names=works%2Fb&allowMissing=true');
  assert.equal(qs({}), '');
});

test('parse errors give their position', () => {
  const err = new ApiError({ httpStatus: 400, code: 3, message: 'outbound: unknown licence identifier: "foo" at position 8', details: [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'BAD_EXPRESSION', metadata: { field: 'outbound', position: '8', token: 'foo' } },
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'outbound', description: 'outbound: unknown licence identifier: "foo" at position 8' }] },
  ] });
  assert.deepEqual(expressionError(err), { field: 'outbound', position: 8, token: 'foo' });
  assert.deepEqual(detailLines(err), [], 'a violation that repeats the message is not shown twice');
  assert.equal(tokenStart('MIT OR (foo', 8, 'foo'), 8);
  assert.equal(tokenStart('MIT AND', 7, ''), 7, 'end of input points past the end');
  const bare = new ApiError({ code: 3, message: 'expected a licence at position 4' });
  assert.equal(expressionError(bare).position, 4);
  assert.equal(expressionError(new ApiError({ code: 5, message: 'x at position 1' })), null);
});

test('error details become readable lines', () => {
  const err = new ApiError({ code: 9, message: 'refused', details: [
    { '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations: [{ type: 'LICENCE', subject: 'works/a', description: 'GPL-2.0-only may not go into MIT' }] },
  ] });
  assert.deepEqual(detailLines(err), ['GPL-2.0-only may not go into MIT']);
});
