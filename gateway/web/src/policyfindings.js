// Policy findings on a work's page: pick a policy, evaluate the work's
// whole ancestry against it, read a finding per work (and see them marked
// on the family tree).
import { h, field, replace, loading, latest } from './dom.js';
import { api } from './api.js';
import { errorBox } from './errors.js';
import { keyPanel, workHref } from './components.js';
import { evaluationView } from './findings.js';

/** findingsSection evaluates work w's ancestry against a chosen policy. */
export function findingsSection(w, signal) {
  const select = h('select', { name: 'policy', required: true }, h('option', { value: '' }, 'Loading the policies…'));
  const out = h('div', { class: 'evaluation-result', 'aria-live': 'polite' });
  const treeLink = h('a', { hidden: true }, 'See the findings on the family tree');
  const next = latest(signal);
  const form = h('form', { class: 'findings-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!select.value) return;
    const s = next();
    replace(out, loading('Evaluating the ancestry'));
    try {
      replace(out, evaluationView(await api.evaluatePolicy(select.value, { work: w.name }, { signal: s })));
      treeLink.href = `${workHref(w.name, 'tree')}?depth=all&policy=${encodeURIComponent(select.value.replace(/^policies\//, ''))}`;
      treeLink.hidden = false;
    } catch (err) {
      if (err?.name !== 'AbortError') replace(out, errorBox(err));
    }
  } },
  field('Policy', select),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Evaluate the ancestry'), ' ', treeLink));
  api.listPolicies({ pageSize: 100 }, { signal }).then((r) => {
    const ps = r.policies || [];
    replace(select, ps.length ? ps.map((p) => h('option', { value: p.name }, p.title ? `${p.title} (${p.name})` : p.name))
      : h('option', { value: '' }, 'No policy yet'));
  }, (e) => replace(out, errorBox(e)));
  return h('section', { id: 'findings', 'aria-labelledby': 'h-findings' },
    h('h2', { id: 'h-findings' }, 'Policy findings'),
    h('p', { class: 'small muted' }, 'Checks every work this one derives from against a policy, each under its licence then (or its accepted curation). ',
      h('a', { href: '/policies' }, 'All policies'), '.'),
    form, out, keyPanel('findings-key'));
}
