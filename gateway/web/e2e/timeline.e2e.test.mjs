// End-to-end tests of licences in time (issue 15) in the explorer, on the
// Terraform case: Terraform registered MPL-2.0 and relicensed BUSL-1.1
// effective 2023-08-10; OpenTofu (bob's) a fork of it taken 2023-08-09;
// Terraform depends on hcl since 2015, and hcl went MPL-2.0 → MIT in 2014.
// The work page's licence timeline, the alerts from upstream its owner
// sees (and nobody else), and the family tree as of 2023-08-01, 2023-08-09
// and now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startBrowser, apiClient, artifact, KEYS } from './harness.mjs';

let server;
let browser;
let api;
let page;

before(async () => {
  server = await startServer();
  api = apiClient(server.base);
  browser = await startBrowser(server.base);
  page = await browser.context.newPage();
  const work = (key, id, w) => api('POST', '/v1/works', { kind: 'WORK_KIND_SOFTWARE', ...w }, { key, query: { workId: id } });
  const relicense = (key, id, licence, effective, note) => api('PATCH', `/v1/works/${id}`, { licence },
    { key, query: { updateMask: 'licence', licenceEffectiveTime: effective, licenceChangeNote: note } });
  await work(KEYS.alice, 'hcl', { title: 'hcl', licence: 'MPL-2.0' });
  await work(KEYS.alice, 'terraform', { title: 'Terraform', licence: 'MPL-2.0' });
  await work(KEYS.bob, 'opentofu', { title: 'OpenTofu', licence: 'MPL-2.0' });
  await relicense(KEYS.alice, 'hcl', 'MIT', '2014-01-01T00:00:00Z', 'relicensed to MIT');
  await api('POST', '/v1/derivations', { derivative: 'works/terraform', source: 'works/hcl', relation: 'RELATION_DEPENDENCY', sourceTime: '2015-01-01T00:00:00Z' },
    { key: KEYS.alice, query: { allowConflict: 'true' } });
  await relicense(KEYS.alice, 'terraform', 'BUSL-1.1', '2023-08-10T00:00:00Z', 'BSL');
  const fork = await api('POST', '/v1/derivations', { derivative: 'works/opentofu', source: 'works/terraform', relation: 'RELATION_FORK', sourceTime: '2023-08-09T00:00:00Z' },
    { key: KEYS.bob });
  assert.equal(fork.sourceLicence, 'MPL-2.0', 'the fork took the terms in force on 2023-08-09');
  await relicense(KEYS.bob, 'opentofu', 'Apache-2.0', '2099-01-01T00:00:00Z', 'planned');
});

after(async () => {
  await browser?.close();
  const code = await server?.stop();
  assert.equal(code, 0, 'stemma serve exits 0 on SIGTERM');
});

async function useKey(key) {
  await page.goto(`${server.base}/register`);
  await page.getByLabel('Your API key').fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
}

async function timeline(id) {
  await page.goto(`${server.base}/works/${id}`);
  const items = page.locator('[data-timeline] .timeline-item');
  await items.first().waitFor();
  return items;
}

test('the licence timeline: in effective-time order, the one in force, the scheduled one', async () => {
  const tf = await timeline('terraform');
  assert.equal(await tf.count(), 2);
  assert.deepEqual(await tf.evaluateAll((els) => els.map((e) => [e.dataset.licence, e.dataset.state])),
    [['MPL-2.0', 'superseded'], ['BUSL-1.1', 'in-force']]);
  const busl = await tf.nth(1).innerText();
  assert.match(busl, /Effective 2023-08-10 00:00:00 UTC/);
  assert.match(busl, /in force now/);
  assert.match(busl, /from MPL-2\.0/);
  assert.match(busl, /by alice · recorded 20\d\d-/);
  assert.match(busl, /BSL/);
  assert.match(await tf.nth(0).innerText(), /From the start of the record \(registered /);

  const tofu = await timeline('opentofu');
  assert.deepEqual(await tofu.evaluateAll((els) => els.map((e) => [e.dataset.licence, e.dataset.state])),
    [['MPL-2.0', 'in-force'], ['Apache-2.0', 'scheduled']]);
  assert.match(await tofu.nth(1).innerText(), /Effective 2099-01-01 00:00:00 UTC ◇ scheduled/);
  await page.screenshot({ path: artifact('timeline.png'), fullPage: true });
});

test('alerts from upstream: for the signed-in owner only, each saying whether it binds', async () => {
  // Without a key: a note that the owner may sign in.
  await page.goto(`${server.base}/works/opentofu`);
  await page.locator('[data-alerts][data-state="no-key"]').waitFor();

  // Alice does not own OpenTofu: no alerts.
  await useKey(KEYS.alice);
  await page.goto(`${server.base}/works/opentofu`);
  await page.locator('[data-timeline] .timeline-item').first().waitFor();
  await page.locator('[data-alerts]').waitFor({ state: 'detached' });

  // Bob does. The relay carries the catalog's changes into the event log
  // within a lease round or two: read again until both ancestors' are in.
  await useKey(KEYS.bob);
  const deadline = Date.now() + 20_000;
  let section;
  for (;;) {
    await page.goto(`${server.base}/works/opentofu`);
    section = page.locator('[data-alerts][data-state="ready"]');
    await section.waitFor();
    if (await section.getAttribute('data-count') === '2' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const alerts = section.locator('.alert');
  assert.equal(await alerts.count(), 2, await section.innerText());
  assert.deepEqual(await alerts.evaluateAll((els) => els.map((e) => [e.dataset.work, e.dataset.affects])),
    [['works/hcl', 'yes'], ['works/terraform', 'no']]);
  const tf = await alerts.nth(1).innerText();
  assert.match(tf, /Terraform \(ancestor\) relicensed MPL-2\.0 → BUSL-1\.1 effective 2023-08-10 00:00:00 UTC/);
  assert.match(tf, /does not affect this work/);
  assert.match(tf, /OpenTofu took it 2023-08-09 00:00:00 UTC: before the change/);
  const hcl = await alerts.nth(0).innerText();
  assert.match(hcl, /hcl \(ancestor\) relicensed MPL-2\.0 → MIT effective 2014-01-01/);
  assert.match(hcl, /Terraform took it 2015-01-01 00:00:00 UTC: after the change/);
  assert.match(await section.innerText(), /From the event log/);
  await page.screenshot({ path: artifact('alerts.png'), fullPage: true });
});

async function tree(query) {
  await page.goto(`${server.base}/works/opentofu/tree${query}`);
  const graph = page.locator('.graph[data-state="ready"]');
  await graph.waitFor();
  return graph;
}

async function licenceOf(work) {
  return page.locator(`.nodes-table tr[data-work="${work}"] td code`).first().innerText();
}

test('the family tree as of a date: later derivations left out, licences as then', async () => {
  let graph = await tree('');
  assert.equal(await graph.getAttribute('data-nodes'), '3', 'now: OpenTofu, Terraform, hcl');
  assert.equal(await graph.getAttribute('data-edges'), '2');
  assert.equal(await licenceOf('works/terraform'), 'BUSL-1.1');
  assert.equal(await licenceOf('works/hcl'), 'MIT');

  graph = await tree('?asOf=2023-08-09');
  assert.equal(await graph.getAttribute('data-as-of'), '2023-08-09');
  assert.equal(await graph.getAttribute('data-nodes'), '3', 'the fork was taken on 2023-08-09');
  assert.equal(await licenceOf('works/terraform'), 'MPL-2.0', 'BUSL-1.1 only from 2023-08-10');
  assert.equal(await licenceOf('works/opentofu'), 'MPL-2.0');

  // Set through the form: the fork had not been taken on 2023-08-01.
  await page.getByLabel('As of').fill('2023-08-01');
  await page.getByRole('button', { name: 'Draw' }).click();
  graph = page.locator('.graph[data-state="ready"][data-as-of="2023-08-01"]');
  await graph.waitFor();
  assert.equal(await graph.getAttribute('data-nodes'), '1', 'only OpenTofu itself');
  assert.equal(await graph.getAttribute('data-edges'), '0');
  assert.equal(new URL(page.url()).searchParams.get('asOf'), '2023-08-01');
  assert.match(await page.locator('.graph-status').innerText(), /^As of 2023-08-01/);
  await page.screenshot({ path: artifact('tree-as-of.png'), fullPage: true });

  // Terraform's own tree on 2014-06-01: hcl's MIT already, the dependency not yet.
  await page.goto(`${server.base}/works/terraform/tree?dir=both&asOf=2014-06-01`);
  graph = page.locator('.graph[data-state="ready"]');
  await graph.waitFor();
  assert.equal(await graph.getAttribute('data-nodes'), '1');
  assert.equal(await licenceOf('works/terraform'), 'MPL-2.0');

  assert.deepEqual(browser.foreign, [], 'no request left for another host');
  assert.deepEqual(browser.problems, [], 'no CSP violation or script error');
});
