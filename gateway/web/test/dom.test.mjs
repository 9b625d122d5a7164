// The explorer's links, on a minimal stand-in for the DOM (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';

class FakeNode {
  constructor() { this.childNodes = []; }
  appendChild(c) { this.childNodes.push(c); return c; }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(''); }
  links() { return this.childNodes.flatMap((c) => c.links?.() ?? []).concat(this.tag === 'a' ? [this.attrs.href] : []); }
}
class FakeElement extends FakeNode {
  constructor(tag) { super(); this.tag = tag; this.attrs = {}; }
  setAttribute(k, v) { this.attrs[k] = v; }
}
class FakeText extends FakeNode {
  constructor(t) { super(); this.text = t; }
  get textContent() { return this.text; }
}
globalThis.Node = FakeNode;
globalThis.document = { createElement: (tag) => new FakeElement(tag), createTextNode: (t) => new FakeText(t) };
const { extLink } = await import('../src/dom.js');

test('only http(s) URLs become links; any other URI is text', () => {
  for (const uri of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>',
    ' javascript:alert(1)', 'vbscript:x', '//evil.example/x']) {
    const source = extLink(uri);
    assert.deepEqual(source.links(), [], uri);
    assert.equal(source.textContent, uri);
    const creator = extLink(uri, 'Ada');
    assert.deepEqual(creator.links(), [], uri);
    assert.equal(creator.textContent, `Ada (${uri})`);
  }
  const ok = extLink('https://orcid.org/0000-0002-1825-0097', 'Ada');
  assert.deepEqual(ok.links(), ['https://orcid.org/0000-0002-1825-0097']);
  assert.equal(ok.textContent, 'Ada');
});
