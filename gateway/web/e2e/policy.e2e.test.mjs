// End-to-end tests of the explorer's policy and curation pages: the issue's
// example policy on an MIT product with a GPL-3.0-only dependency and an
// unlicensed one, as an uploaded SBOM and as a registered ancestry; the
// family tree marks what the policy denies or sends to review; a curation
// of the unlicensed work, proposed and accepted on its page, leaves only
// the GPL finding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, apiClient, artifact, KEYS } from './harness.mjs';

let server;
let browser;
let api;
let page;

const POLICY = `id: no-strong-copyleft
deny:
  categories: [strong-copyleft, network-copyleft]
review:
  unknown: true
`;

const SBOM = JSON.stringify({
  bomFormat: 'CycloneDX', specVersion: '1.6', version: 1,
  metadata: { component: { 'bom-ref': 'app', type: 'application', name: 'app', version: '1.0.0', licenses: [{ license: { id: 'MIT' } }] } },
  components: [
    { 'bom-ref': 'gpl', type: 'library', name: 'gpl-lib', version: '2.1.0', purl: 'pkg:npm/gpl-lib@2.1.0', licenses: [{ license: { id: 'GPL-3.0-only' } }] },
    { 'bom-ref': 'bare', type: 'library', name: 'bare-lib', version: '0.3.0', purl: 'pkg:npm/bare-lib@0.3.0' }],
  dependencies: [{ ref: 'app', dependsOn: ['gpl', 'bare'] }],
});

before(async () => {
  server = await startServer();
  api = apiClient(server.base);
  browser = await startBrowser(server.base);
  page = await browser.context.newPage();
  await api('POST', '/v1/policies', { document: POLICY }, { key: KEYS.alice });
  const work = (id, w) => api('POST', '/v1/works', { kind: 'WORK_KIND_SOFTWARE', ...w }, { key: KEYS.alice, query: { workId: id } });
  await work('app', { title: 'App', licence: 'MIT' });
  await work('gpl', { title: 'gpl-lib', licence: 'GPL-3.0-only', version: '2.1.0', identifiers: [{ type: 'purl', value: 'pkg:npm/gpl-lib@2.1.0' }] });
  await work('bare', { title: 'bare-lib', version: '0.3.0', identifiers: [{ type: 'purl', value: 'pkg:npm/bare-lib@0.3.0' }] });
  for (const source of ['gpl', 'bare']) {
    await api('POST', '/v1/derivations', { derivative: 'works/app', source: `works/${source}`, relation: 'RELATION_DEPENDENCY' },
      { key: KEYS.alice, query: { allowConflict: 'true' } });
  }
});

after(async () => {
  await browser?.close();
  const code = await server?.stop();
  assert.equal(code, 0, 'stemma serve exits 0 on SIGTERM');
});

// evaluateApp evaluates works/app's ancestry from its page; the outcome is denied.
async function evaluateApp() {
  await page.goto(`${server.base}/works/app`);
  const section = page.locator('#findings');
  await section.locator('option[value="policies/no-strong-copyleft"]').waitFor({ state: 'attached' });
  await section.getByRole('button', { name: 'Evaluate the ancestry' }).click();
  const result = section.locator('.evaluation[data-outcome="deny"]');
  await result.waitFor();
  return { section, result };
}

async function useKey(key, scope = 'main') {
  await page.locator(scope).getByLabel('Your API key').fill(key);
  await page.locator(scope).getByRole('button', { name: 'Use this key' }).click();
}

test('the policy pages: the list, one policy, and an uploaded SBOM evaluated per component', async () => {
  await page.goto(`${server.base}/`);
  await page.getByRole('link', { name: 'Policies' }).click();
  await page.locator('tr[data-policy="policies/no-strong-copyleft"]').waitFor();
  await page.getByRole('link', { name: 'policies/no-strong-copyleft' }).click();
  await page.locator('h1').waitFor();
  assert.match(await page.locator('.policy-document').first().innerText(), /strong-copyleft, network-copyleft/);
  assert.ok(await page.locator('.rule-ids li').count() >= 2, 'the rules are listed');
  await page.locator('tr[data-revision="1"]').waitFor();

  // Without a key the evaluation is refused readably.
  await page.getByLabel('SBOM file (CycloneDX or SPDX)').setInputFiles({ name: 'bom.json', mimeType: 'application/json', buffer: Buffer.from(SBOM) });
  await page.getByLabel(/^Product licence/).fill('MIT');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.locator('#evaluate .error').waitFor();
  assert.match(await page.locator('#evaluate .error').innerText(), /API key/);

  await useKey(KEYS.alice, '#evaluate');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  const result = page.locator('#evaluate .evaluation[data-outcome="deny"]');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-findings'), '2');
  const gpl = result.locator('tr[data-subject="gpl"]');
  assert.equal(await gpl.getAttribute('data-action'), 'deny');
  assert.match(await gpl.innerText(), /gpl-lib@2\.1\.0[\s\S]*Denied[\s\S]*GPL-3\.0-only/);
  assert.match(await gpl.locator('.rule').innerText(), /\S/, 'the rule that fired');
  assert.match(await gpl.locator('.path').innerText(), /app › gpl/);
  assert.match(await gpl.innerText(), /Incompatible/i, 'the verdict behind it');
  assert.equal(await result.locator('tr[data-subject="bare"]').getAttribute('data-action'), 'review');
  // Nothing was imported.
  assert.equal((await api('GET', '/v1/works')).works.length, 3);
  await page.locator('#evaluate').screenshot({ path: artifact('policy-evaluate.png') });
});

test('a work page evaluates its ancestry, and the family tree marks denied and review works', async () => {
  const { section, result } = await evaluateApp();
  assert.equal(await result.locator('tr[data-work="works/gpl"]').getAttribute('data-action'), 'deny');
  assert.equal(await result.locator('tr[data-work="works/bare"]').getAttribute('data-action'), 'review');

  await section.getByRole('link', { name: 'See the findings on the family tree' }).click();
  const graph = page.locator('.graph[data-policy-state="marked"]');
  await graph.waitFor();
  assert.equal(await graph.getAttribute('data-policy-deny'), 'works/gpl');
  assert.equal(await graph.getAttribute('data-policy-review'), 'works/bare');
  assert.match(await page.locator('.policy-status').innerText(), /1 denied, 1 needing review/);
  assert.match(await page.locator('.nodes-table tr[data-work="works/gpl"]').innerText(), /Denied/);
  await page.screenshot({ path: artifact('policy-tree.png'), fullPage: true });
});

test('curations on the work page: proposed with a key, refused to its proposer, accepted by a reviewer', async () => {
  await page.goto(`${server.base}/works/bare`);
  const section = page.locator('#curations');
  await page.locator('#curations[data-count="0"]').waitFor();
  await page.locator('.propose-curation summary').click();
  await section.getByLabel('About').selectOption('pkg:npm/bare-lib');
  await section.getByLabel(/^Versions/).fill('vers:npm/<1.0.0');
  await section.getByLabel('Licence (SPDX expression)').fill('MIT');
  await section.getByLabel('Evidence URL').fill('https://example.com/bare-lib/LICENSE');
  await useKey(KEYS.alice, '#findings');
  await section.getByRole('button', { name: 'Propose' }).click();
  const proposed = section.locator('li.curation[data-state="proposed"]');
  await proposed.waitFor();
  const name = await proposed.getAttribute('data-curation');
  assert.match(await proposed.innerText(), /MIT[\s\S]*pkg:npm\/bare-lib[\s\S]*vers:npm\/<1\.0\.0/);

  // Alice proposed it: she may not review it.
  await proposed.getByRole('button', { name: 'Accept' }).click();
  await proposed.locator('.error[data-code="PERMISSION_DENIED"]').waitFor();

  await useKey(KEYS.bob, '#findings');
  await proposed.getByRole('button', { name: 'Accept' }).click();
  const accepted = section.locator(`li.curation[data-state="accepted"][data-curation="${name}"]`);
  await accepted.waitFor();
  assert.match(await accepted.innerText(), /accepted by bob/);

  // Only the GPL finding remains on the product's ancestry.
  const { result } = await evaluateApp();
  assert.equal(await result.getAttribute('data-findings'), '1');
  assert.equal(await result.locator('tr[data-work="works/gpl"]').count(), 1);
});

test('no request left for another host, and no page reported a problem', () => {
  assert.deepEqual(browser.foreign, []);
  assert.deepEqual(browser.problems, []);
});
