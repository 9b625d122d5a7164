// Unit tests of the similar works' merge (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSimilar } from '../src/similar.js';

const match = (name, distance, licence, licenceDiffers, unit = 'CONTENT-IMAGE') =>
  ({ work: { name, title: name, licence }, unit, licenceDiffers, ...(distance ? { distance } : {}) });

test('the work itself is left out; each other work once, at its nearest', () => {
  const merged = mergeSimilar('works/photo', [
    { matches: [match('works/photo', 0, 'CC-BY-4.0', false), match('works/copy', 3, 'MIT', true), match('works/crop', 5, 'CC-BY-4.0', false)] },
    { matches: [match('works/copy', 1, 'MIT', true, 'DATA')] },
    {},
  ]);
  assert.deepEqual(merged.map((m) => [m.work.name, m.distance, m.unit]), [['works/copy', 1, 'DATA'], ['works/crop', 5, 'CONTENT-IMAGE']]);
  assert.equal(merged[0].licenceDiffers, true);
  assert.equal(merged[1].licenceDiffers, false);
});

test('a distance of 0, which JSON leaves out, sorts first', () => {
  const merged = mergeSimilar('works/x', [{ matches: [match('works/b', 2, 'MIT', false), match('works/a', 0, 'MIT', false)] }]);
  assert.deepEqual(merged.map((m) => [m.work.name, m.distance]), [['works/a', 0], ['works/b', 2]]);
});
