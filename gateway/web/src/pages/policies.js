// Policies: the list, and one policy with its rules, exemptions (in its
// document), revisions, and an evaluation of an uploaded SBOM.
import { h, append, field, replace, loading, timeEl, latest } from '../dom.js';
import { api } from '../api.js';
import { errorBox } from '../errors.js';
import { keyPanel, moreButton } from '../components.js';
import { evaluationView } from '../findings.js';
import { toBase64 } from '../policy.js';

const policyHref = (name) => `/policies/${encodeURIComponent(String(name).replace(/^policies\//, ''))}`;

/** list is the page of every policy. */
export async function list({ main, signal }) {
  document.title = 'Policies · Stemma explorer';
  const body = h('tbody');
  const table = h('table', { class: 'policies' },
    h('thead', null, h('tr', null, ['Policy', 'Title', 'Rules', 'Owner', 'Revision', 'Updated'].map((c) => h('th', { scope: 'col' }, c)))), body);
  const add = (ps) => body.append(...ps.map((p) => h('tr', { dataset: { policy: p.name } },
    h('th', { scope: 'row' }, h('a', { href: policyHref(p.name) }, p.name)),
    h('td', null, p.title || ''), h('td', null, String((p.ruleIds || []).length)),
    h('td', null, p.owner || ''), h('td', null, String(p.revisionId || '')), h('td', null, timeEl(p.updateTime)))));
  append(main, [h('h1', null, 'Policies'),
    h('p', { class: 'lede' }, 'Licence policies: rules that allow, deny or send to review by licence, category, obligation, use and kind. ',
      'Open one to read it and to check an SBOM against it. Policies are written with ', h('code', null, 'stemma policy apply FILE'), '.')]);
  const r = await api.listPolicies({ pageSize: 100 }, { signal });
  add(r.policies || []);
  let token = r.nextPageToken;
  main.append((r.policies || []).length ? table : h('p', { class: 'muted' }, 'No policy yet.'),
    token ? moreButton('More policies', async () => {
      const n = await api.listPolicies({ pageSize: 100, pageToken: token }, { signal });
      add(n.policies || []);
      token = n.nextPageToken;
      return !token;
    }) : '');
}

/** view is the page of one policy. */
export async function view({ main, params, signal }) {
  const p = await api.getPolicy(params.id, { signal });
  document.title = `${p.title || p.name} · Stemma explorer`;
  const revisions = h('section', { 'aria-labelledby': 'h-revisions' }, h('h2', { id: 'h-revisions' }, 'Revisions'), loading());
  append(main, [
    h('p', { class: 'crumbs' }, h('a', { href: '/policies' }, 'Policies'), ' › ', h('span', null, p.name)),
    h('h1', null, p.title || p.name),
    p.description ? h('p', { class: 'description' }, p.description) : null,
    h('dl', { class: 'meta' },
      h('dt', null, 'Name'), h('dd', null, h('code', null, p.name)),
      h('dt', null, 'Owner'), h('dd', null, p.owner || ''),
      h('dt', null, 'Revision'), h('dd', null, String(p.revisionId || ''), ' · ', timeEl(p.updateTime))),
    h('section', { 'aria-labelledby': 'h-rules' }, h('h2', { id: 'h-rules' }, 'Rules'),
      (p.ruleIds || []).length ? h('ol', { class: 'rule-ids' }, p.ruleIds.map((r) => h('li', null, h('code', null, r)))) : h('p', { class: 'muted' }, 'No rules.')),
    h('section', { 'aria-labelledby': 'h-document' }, h('h2', { id: 'h-document' }, 'Rules and exemptions, as written'),
      h('pre', { class: 'policy-document' }, p.document || '')),
    evaluateSection(p, signal),
    revisions]);
  try {
    const r = await api.policyRevisions(p.name, { pageSize: 50 }, { signal });
    replace(revisions, revisions.firstChild, h('table', { class: 'revisions' },
      h('thead', null, h('tr', null, ['Revision', 'Author', 'When', 'Document'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, (r.revisions || []).map((v) => h('tr', { dataset: { revision: String(v.revisionId) } },
        h('td', null, String(v.revisionId)), h('td', null, v.author || ''), h('td', null, timeEl(v.createTime)),
        h('td', null, h('details', null, h('summary', null, 'Show'), h('pre', { class: 'policy-document' }, v.document || ''))))))));
  } catch (e) {
    replace(revisions, revisions.firstChild, errorBox(e));
  }
}

// evaluateSection checks an uploaded SBOM (CycloneDX or SPDX, read by the
// server, not imported) against the policy.
function evaluateSection(p, signal) {
  const file = h('input', { type: 'file', name: 'sbom', accept: '.json,.xml,.spdx,.cdx,application/json', required: true });
  const product = h('input', { type: 'text', name: 'productLicence', spellcheck: 'false', placeholder: 'MIT' });
  const out = h('div', { class: 'evaluation-result', 'aria-live': 'polite' });
  const next = latest(signal);
  const form = h('form', { class: 'evaluate-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return;
    const s = next();
    replace(out, loading('Evaluating'));
    try {
      const sbom = toBase64(new Uint8Array(await f.arrayBuffer()));
      const r = await api.evaluatePolicy(p.name, { sbom, productLicence: product.value.trim() }, { signal: s });
      replace(out, evaluationView(r));
    } catch (err) {
      if (err?.name !== 'AbortError') replace(out, errorBox(err));
    }
  } },
  field('SBOM file (CycloneDX or SPDX)', file, 'Read by the server and checked; nothing is imported.'),
  field('Product licence (when the SBOM does not say)', product),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Evaluate')));
  return h('section', { id: 'evaluate', 'aria-labelledby': 'h-evaluate' },
    h('h2', { id: 'h-evaluate' }, 'Check an SBOM'), keyPanel('evaluate-key'), form, out);
}
