// End-to-end tests of the explorer: a real `stemma serve` with a fresh data
// directory, data registered through the REST API, pages driven in
// headless Chromium, assertions on what the pages show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, startBrowser, apiClient, artifact, sha256, KEYS } from './harness.mjs';

let server;
let browser;
let api;
let page;
const W = {}; // the works registered, by short name
let conflictDerivation;
let digest;

before(async () => {
  server = await startServer();
  api = apiClient(server.base);
  browser = await startBrowser(server.base);
  page = await browser.context.newPage();
  await seed();
});

after(async () => {
  await browser?.close();
  const code = await server?.stop();
  assert.equal(code, 0, 'stemma serve exits 0 on SIGTERM');
});

// A small family: a GPL-2.0-only snippet adapted from older notes, copied
// verbatim elsewhere (same digest), and (knowingly, as a conflict) adapted
// into an MIT utility that also depends on a relicensed library; the
// utility has been forked.
async function seed() {
  digest = await sha256('int main(void) { return 0; }\n');
  const work = async (id, w) => {
    W[id] = await api('POST', '/v1/works', w, { key: KEYS.alice, query: { workId: id } });
    return W[id];
  };
  await work('notes', { kind: 'WORK_KIND_TEXT', title: 'Notes on small programs', licence: 'GPL-2.0-or-later',
    creators: [{ name: 'Ada Example', role: 'author' }] });
  await work('snippet', { kind: 'WORK_KIND_SOFTWARE', title: 'Tiny snippet', licence: 'GPL-2.0-only',
    creators: [{ name: 'Grace Example', role: 'author', uri: 'https://example.org/grace' }],
    digests: [digest], identifiers: [{ type: 'purl', value: 'pkg:generic/tiny-snippet@1.0' }] });
  await work('replica', { kind: 'WORK_KIND_SOFTWARE', title: 'Tiny snippet (mirror)', licence: 'GPL-2.0-only', digests: [digest] });
  await work('base-lib', { kind: 'WORK_KIND_SOFTWARE', title: 'Base library', licence: 'BSD-3-Clause' });
  await work('utility', { kind: 'WORK_KIND_SOFTWARE', title: 'Handy utility', licence: 'MIT', version: '2.1.0',
    description: 'A utility that should not have taken GPL code.',
    creators: [{ name: 'Linus Example', role: 'maintainer' }],
    identifiers: [{ type: 'purl', value: 'pkg:npm/handy-utility@2.1.0' }] });
  await work('utility-fork', { kind: 'WORK_KIND_SOFTWARE', title: 'Handy utility, forked', licence: 'MIT' });
  // Relicensing: the library's history has two entries.
  W['base-lib'] = await api('PATCH', '/v1/works/base-lib', { licence: 'Apache-2.0', etag: W['base-lib'].etag },
    { key: KEYS.alice, query: { updateMask: 'licence', licenceChangeNote: 'relicensed for the patent grant' } });

  const derive = (derivative, source, relation, query) => api('POST', '/v1/derivations',
    { derivative: `works/${derivative}`, source: `works/${source}`, relation, note: `${relation.replace('RELATION_', '').toLowerCase()} in the e2e test` },
    { key: KEYS.alice, query });
  await derive('snippet', 'notes', 'RELATION_ADAPTATION');
  await derive('replica', 'snippet', 'RELATION_COPY');
  await derive('utility', 'base-lib', 'RELATION_DEPENDENCY');
  await derive('utility-fork', 'utility', 'RELATION_FORK');
  // GPL-2.0-only into MIT: refused, then recorded knowingly.
  await assert.rejects(derive('utility', 'snippet', 'RELATION_ADAPTATION'), (e) => e.status === 400 && e.body.code === 9);
  const d = await derive('utility', 'snippet', 'RELATION_ADAPTATION', { allowConflict: 'true' });
  assert.equal(d.conflict, true);
  conflictDerivation = d.name;
}

async function text(selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

test('the explorer is served at / with a strict CSP', async () => {
  const resp = await page.goto(`${server.base}/`);
  const h = resp.headers();
  assert.match(h['content-security-policy'], /default-src 'self'/);
  assert.match(h['content-security-policy'], /connect-src 'self'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.ok(h['referrer-policy']);
  assert.equal(await text('h1'), 'Find works');
  const api404 = await fetch(`${server.base}/v1/no-such-route`);
  assert.equal(api404.status, 404);
  assert.equal((await api404.json()).code, 5);
});

test('find a work by digest: every work that carries it', async () => {
  await page.goto(`${server.base}/`);
  await page.getByLabel('Title, creator, licence, identifier or digest').fill(digest);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.locator('.results[data-count]').waitFor();
  assert.equal(await text('.results h2'), '2 works carry this content digest');
  const titles = await page.locator('.results .work-card-title a').allInnerTexts();
  assert.deepEqual(titles.sort(), ['Tiny snippet', 'Tiny snippet (mirror)']);
  assert.match(page.url(), /\?q=sha256%3A/, 'the search is in the URL');
  await page.screenshot({ path: artifact('find-by-digest.png'), fullPage: true });
  // By purl, and by words in the title, and the shared link works.
  await page.goto(`${server.base}/?q=${encodeURIComponent('pkg:npm/handy-utility@2.1.0')}`);
  await page.locator('.results[data-count="1"]').waitFor();
  await page.goto(`${server.base}/?q=utility&by=title`);
  await page.locator('.results[data-count="2"]').waitFor();
});

test('a work page: metadata, licence explained, history, derivations in and out', async () => {
  await page.goto(`${server.base}/works/utility`);
  assert.equal(await text('h1'), 'Handy utility');
  await page.locator('.licence-card[data-licence="MIT"]').waitFor();
  assert.match(await text('.licence-card[data-licence="MIT"]'), /Permissive/);
  assert.match(await text('.licence-card[data-licence="MIT"]'), /Keep the notices/);
  assert.match(await text('dl.meta'), /Linus Example/);
  assert.match(await text('table.ids'), /pkg:npm\/handy-utility@2\.1\.0/);
  await page.locator('[data-derivations="in"][data-count="2"]').waitFor();
  assert.equal(await page.locator('[data-derivations="in"] tr.conflict-row').count(), 1);
  assert.match(await text('[data-derivations="in"] tr.conflict-row'), /Conflict/);
  await page.locator('[data-derivations="out"][data-count="1"]').waitFor();
  await page.screenshot({ path: artifact('work.png'), fullPage: true });
  // The compliance documents: the NOTICE holds the utility's licence text
  // and its upstream's; the SBOM links ask the export route.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download NOTICE' }).click()]);
  assert.equal(download.suggestedFilename(), 'NOTICE-utility.txt');
  const notice = await readFile(await download.path(), 'utf8');
  assert.match(notice, /Tiny snippet/);
  assert.match(notice, /GNU GENERAL PUBLIC LICENSE/);
  assert.equal(await page.getByRole('link', { name: 'SBOM (CycloneDX)' }).getAttribute('href'), '/v1/works/utility/sbom?format=cyclonedx');
  const sbom = await api('GET', '/v1/works/utility/sbom', undefined, { query: { format: 'spdx' } });
  assert.equal(sbom.spdxVersion, 'SPDX-2.3');
  // A work without a description shows none, not the word "null".
  await page.goto(`${server.base}/works/notes`);
  await page.locator('.lede').waitFor();
  assert.doesNotMatch(await text('main'), /\bnull\b/);
  // The library's licence history is a timeline of two entries.
  await page.goto(`${server.base}/works/base-lib`);
  await page.locator('.timeline-item').nth(1).waitFor();
  assert.equal(await page.locator('.timeline-item').count(), 2);
  assert.match(await text('.timeline'), /relicensed for the patent grant/);
});

// clickGraph clicks a drawn element of the graph (an edge at its
// midpoint, a node at its centre) with the mouse, after scrolling the page
// so that the point is in the middle of the window (the controls above the
// graph may put it below the fold, where a click lands nowhere), and once
// the point has stopped moving (the graph refits itself when the page
// around it changes, a panel opening beside it, and animates the fit).
async function clickGraph(id) {
  const at = () => page.evaluate((id) => {
    const el = document.querySelector('.graph');
    const x = el.cytoscape.getElementById(id);
    const p = x.isEdge() ? x.renderedMidpoint() : x.renderedPosition();
    const box = el.getBoundingClientRect();
    return { x: Math.round(box.left + p.x), y: Math.round(box.top + p.y), h: window.innerHeight };
  }, id);
  let p = await at();
  await page.evaluate((dy) => window.scrollBy(0, dy), p.y - p.h / 2);
  for (let i = 0; ; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const q = await at();
    if (q.x === p.x && q.y === p.y) break;
    assert.ok(i < 40, `${id} still moving after 6 s`);
    p = q;
  }
  assert.ok(p.y >= 0 && p.y < p.h, `${id} is drawn at y=${p.y}, outside the window`);
  await page.mouse.click(p.x, p.y);
}

test('the family tree: nodes, edges, the conflict in red, a click goes to the work', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${server.base}/works/utility/tree?dir=both&depth=all`);
  const graph = page.locator('.graph[data-state="ready"]');
  await graph.waitFor({ timeout: 30_000 });
  assert.equal(await graph.getAttribute('data-nodes'), '5', 'utility, snippet, notes, base library, fork');
  assert.equal(await graph.getAttribute('data-edges'), '4');
  assert.equal(await graph.getAttribute('data-conflicts'), '1');
  assert.equal(await graph.getAttribute('data-conflict-edges'), conflictDerivation);
  // What Cytoscape drew.
  const drawn = await page.evaluate((id) => {
    const cy = document.querySelector('.graph').cytoscape;
    const e = cy.getElementById(id);
    return { nodes: cy.nodes('.work').length, edges: cy.edges('.derivation').length, colour: e.style('line-color'), style: e.style('line-style'), label: e.style('label') };
  }, conflictDerivation);
  assert.deepEqual({ nodes: drawn.nodes, edges: drawn.edges }, { nodes: 5, edges: 4 });
  assert.equal(drawn.colour, 'rgb(198,40,40)');
  assert.equal(drawn.style, 'dashed');
  assert.match(drawn.label, /CONFLICT/);
  // The conflict is listed with the way to show it, and its reasons come
  // with a click on the edge.
  assert.match(await text('.conflicts'), /Conflict/);
  await clickGraph(conflictDerivation);
  await page.locator('.graph-details .reason').first().waitFor();
  assert.match(await text('.graph-details h2'), /Licence conflict/);
  assert.match(await text('.graph-details'), /GPL-2\.0-only/);
  await page.screenshot({ path: artifact('family-tree.png'), fullPage: false });
  // Keyboard: every work is in the list.
  assert.equal(await page.locator('.node-list tbody tr').count(), 5);
  // A click on a node opens that work.
  await clickGraph('works/notes');
  await page.waitForURL(/\/works\/notes$/);
  assert.equal(await text('h1'), 'Notes on small programs');
});

test('depth control and relation filter', async () => {
  await page.goto(`${server.base}/works/utility/tree?depth=1`);
  const graph = page.locator('.graph[data-state="ready"]');
  await graph.waitFor();
  assert.equal(await graph.getAttribute('data-nodes'), '3', 'depth 1: utility, snippet, base library');
  assert.equal(await graph.getAttribute('data-hidden'), '1', 'notes is collapsed behind the snippet');
  // Page in what lies beyond, on demand.
  await page.getByRole('button', { name: /Draw 1 more sources of Tiny snippet/ }).click();
  await page.locator('.graph[data-state="ready"][data-nodes="4"]').waitFor();
  // Only dependencies.
  await page.goto(`${server.base}/works/utility/tree?depth=all&rel=dependency`);
  await page.locator('.graph[data-state="ready"]').waitFor();
  assert.equal(await page.locator('.graph').getAttribute('data-nodes'), '2');
  assert.equal(await page.locator('.graph').getAttribute('data-conflicts'), '0');
});

test('audit and attribution, with the copy button', async () => {
  await page.goto(`${server.base}/works/utility/audit`);
  await page.locator('.audit[data-conflicts]').waitFor();
  assert.equal(await page.locator('.audit').getAttribute('data-conflicts'), '1');
  assert.match(await text('.audit .conflict-item'), /Tiny snippet/);
  assert.match(await text('.audit .conflict-item .path'), /Handy utility/);
  await page.locator('.attribution[data-credits]').waitFor();
  const attribution = await api('GET', '/v1/works/utility/attribution');
  assert.ok(attribution.credits.length >= 3, 'snippet, notes and the library are credited');
  await page.getByRole('button', { name: 'Copy markdown' }).click();
  await page.locator('.attribution-markdown .copy-status', { hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), attribution.markdown);
  await page.getByRole('button', { name: 'Copy plain text' }).click();
  await page.locator('.attribution-text .copy-status', { hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), attribution.text);
  await page.screenshot({ path: artifact('audit.png'), fullPage: true });
  // "Show on the family tree" highlights the conflict there.
  await page.getByRole('link', { name: 'Show on the family tree' }).first().click();
  await page.locator('.graph[data-state="ready"]').waitFor();
  assert.ok(await page.evaluate((id) => document.querySelector('.graph').cytoscape.getElementById(id).hasClass('highlight'), conflictDerivation));
});

test('the licence checker: GPL-2.0-only into MIT, parse errors, suggestions', async () => {
  await page.goto(`${server.base}/check`);
  await page.getByLabel(/^Inbound/).fill('GPL-2.0-only');
  await page.getByLabel(/^Outbound/).fill('MIT');
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('.verdict-box').waitFor();
  assert.equal(await page.locator('.verdict-box').getAttribute('data-verdict'), 'VERDICT_INCOMPATIBLE');
  assert.match(await text('.verdict-box h2'), /Incompatible/);
  assert.ok(await page.locator('.verdict-box .reason').count() >= 1);
  assert.ok(await page.locator('.verdict-box .sources a').count() >= 1, 'reasons cite their sources');
  assert.match(page.url(), /inbound=GPL-2\.0-only&outbound=MIT/);
  await page.screenshot({ path: artifact('checker.png'), fullPage: true });
  // The shared link answers the same.
  await page.goto(`${server.base}/check?inbound=MIT&outbound=GPL-3.0-only`);
  await page.locator('.verdict-box[data-verdict="VERDICT_COMPATIBLE"]').waitFor();
  // A parse error is shown where it is.
  await page.goto(`${server.base}/check?inbound=MIT&outbound=${encodeURIComponent('MIT OR (foo')}`);
  await page.locator('.caret-view').waitFor();
  assert.equal(await text('.caret-view mark'), 'foo');
  assert.equal(await page.locator('.caret-view').getAttribute('data-position'), '8');
  assert.equal(await page.getByLabel(/^Outbound/).getAttribute('aria-invalid'), 'true');
  assert.doesNotMatch(await text('main'), /"code"/, 'no raw JSON');
  // Suggestions for a list of inbound expressions.
  await page.goto(`${server.base}/suggest?inbound=MIT&inbound=LGPL-2.1-only`);
  await page.locator('.suggestions li').first().waitFor();
  assert.ok(await page.locator('.suggestions li').count() >= 1);
});

test('register with a key: a work, a refused derivation, recorded as conflict', async () => {
  await page.goto(`${server.base}/register`);
  // Without a key: a readable message, not JSON.
  await page.getByLabel('Title').fill('Remix of the snippet');
  await page.getByLabel('Licence (SPDX expression)').fill('MIT');
  await page.getByRole('button', { name: 'Register the work' }).click();
  await page.locator('#work .error').waitFor();
  assert.match(await text('#work .error'), /API key/);
  // A wrong key: the server's refusal, readable.
  await page.getByLabel('Your API key').fill('not-a-real-key');
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByRole('button', { name: 'Register the work' }).click();
  await page.locator('#work .error[data-code="UNAUTHENTICATED"]').waitFor();
  // The right key, kept in session storage only.
  await page.getByLabel('Your API key').fill(KEYS.bob);
  await page.getByRole('button', { name: 'Use this key' }).click();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('stemma.apiKey')), KEYS.bob);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  await page.getByRole('button', { name: 'Register the work' }).click();
  const made = page.locator('#work .success[data-work]');
  await made.waitFor();
  const name = await made.getAttribute('data-work');
  const sent = browser.requests.filter((r) => r.method === 'POST' && r.url.includes('/v1/works'));
  assert.equal(sent.at(-1).headers.authorization, `Bearer ${KEYS.bob}`);
  // Derive it from the GPL-2.0-only snippet: refused, with the reasons.
  await page.getByLabel(/^Derivative/).fill(name);
  await page.getByLabel(/^Source/).fill('works/snippet');
  await page.getByRole('button', { name: 'Record the derivation' }).click();
  await page.locator('#derivation .refusal').waitFor();
  assert.match(await text('#derivation .refusal'), /Refused/);
  assert.ok(await page.locator('#derivation .refusal .reason').count() >= 1, 'the verdict’s reasons');
  assert.doesNotMatch(await text('#derivation'), /"code"/);
  await page.locator('#derivation').screenshot({ path: artifact('register-refused.png') });
  await page.getByRole('button', { name: 'Record as conflict' }).click();
  const rec = page.locator('#derivation .success[data-conflict="true"]');
  await rec.waitFor();
  const d = await api('GET', `/v1/${await rec.getAttribute('data-derivation')}`);
  assert.equal(d.conflict, true);
  assert.equal(d.recorder, 'bob');
});

// A photograph and a copy of it that bob registered under another licence:
// their ISCC-CODEs' image units are 2 bits apart (as stemma fingerprint
// gives a resized copy's); a third picture is far from both.
test('a work page lists its similar works, a copy under another licence marked', async () => {
  await api('POST', '/v1/works', { kind: 'WORK_KIND_IMAGE', title: 'Harbour at dawn', licence: 'CC-BY-4.0',
    isccCodes: ['ISCC:KEA5DQ5UUWLIODY6TY3XTOL7JJ6BKAAAAAAAAAAAAE'] }, { key: KEYS.alice, query: { workId: 'harbour' } });
  await api('POST', '/v1/works', { kind: 'WORK_KIND_IMAGE', title: 'Stock harbour', licence: 'MIT',
    isccCodes: ['ISCC:KEAVDQ5UUWLIODY7HRXPG4X6ST4CUAAAAAAAAAAAAI'] }, { key: KEYS.bob, query: { workId: 'stock-harbour' } });
  await api('POST', '/v1/works', { kind: 'WORK_KIND_IMAGE', title: 'Meadow', licence: 'CC-BY-4.0',
    isccCodes: ['ISCC:KEAS4PCLLJUXR4HB3KTG2LD5352D6AAAAAAAAAAAAM'] }, { key: KEYS.alice, query: { workId: 'meadow' } });
  await page.goto(`${server.base}/works/harbour`);
  await page.locator('[data-similar][data-count="1"]').waitFor();
  const row = page.locator('tr[data-similar="works/stock-harbour"]');
  assert.match(await row.innerText(), /Stock harbour/);
  assert.match(await row.innerText(), /2 of 64 bits/);
  assert.match(await row.innerText(), /Licence differs/);
  assert.equal(await page.locator('tr[data-similar="works/meadow"]').count(), 0);
  await page.screenshot({ path: artifact('similar.png'), fullPage: true });
  // A work without codes says how to get them.
  await page.goto(`${server.base}/works/notes`);
  await page.locator('[data-similar][data-count="0"]').waitFor();
  assert.match(await text('[data-similar]'), /--fingerprint/);
});

test('errors are readable pages', async () => {
  await page.goto(`${server.base}/works/no-such-work`);
  await page.locator('.error').waitFor();
  assert.equal(await text('h1'), 'Not found');
  assert.doesNotMatch(await text('main'), /[{}]/);
  await page.goto(`${server.base}/no/such/page`);
  assert.equal(await text('h1'), 'No such page');
});

test('keyboard: skip link, search, and the list of works in the tree', async () => {
  await page.goto(`${server.base}/`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.getByLabel('Title, creator, licence, identifier or digest').focus();
  await page.keyboard.type('pkg:generic/tiny-snippet@1.0');
  await page.keyboard.press('Enter');
  await page.locator('.results[data-count="1"]').waitFor();
  await page.goto(`${server.base}/works/utility/tree?depth=all`);
  await page.locator('.graph[data-state="ready"]').waitFor();
  const first = page.locator('.node-list tbody tr[data-work="works/base-lib"] th a');
  await first.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/works\/base-lib$/);
  // The router moves focus once the new page has rendered, in the same task
  // that clears aria-busy; the URL changes before that.
  await page.locator('#main:not([aria-busy]) h1').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page');
});

test('a narrow screen', async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  for (const p of ['/works/utility', '/check?inbound=GPL-2.0-only&outbound=MIT', '/register', '/works/utility/tree?dir=both&depth=all']) {
    await page.goto(`${server.base}${p}`);
    await page.locator('h1').waitFor();
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${p} scrolls sideways by ${overflow}px`);
  }
  await page.locator('.graph[data-state="ready"]').waitFor();
  await page.screenshot({ path: artifact('narrow-tree.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('no request left for another host, and no page reported a problem', () => {
  assert.deepEqual(browser.foreign, []);
  assert.deepEqual(browser.problems, []);
  assert.ok(browser.requests.length > 50);
});
