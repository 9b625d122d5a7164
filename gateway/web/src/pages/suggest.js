// Outbound advice: the licences a work combining all the inbound material
// may be released under, most permissive first.
import { h, field, replace, loading, latest } from '../dom.js';
import { api } from '../api.js';
import { setQuery } from '../router.js';
import { errorBox, expressionError, caretView } from '../errors.js';
import { verdictBadge, reasonsList, categoryBadge } from '../components.js';
import { USES } from '../vocab.js';

export default async function suggest({ main, query, signal }) {
  document.title = 'Suggest a licence · Stemma explorer';
  const next = latest(signal);
  const initial = query.getAll('inbound');
  const inbound = h('textarea', { name: 'inbound', rows: 5, spellcheck: 'false', autocapitalize: 'off',
    placeholder: 'MIT\nApache-2.0\nLGPL-2.1-only' }, initial.join('\n'));
  const use = h('select', { name: 'use' }, Object.entries(USES).map(([v, l]) =>
    h('option', { value: v, selected: v === (query.get('use') || 'USE_INCORPORATE') }, l)));
  const result = h('section', { class: 'suggest-result', 'aria-live': 'polite', 'aria-label': 'Suggestions' });
  const lines = () => inbound.value.split('\n').map((s) => s.trim()).filter(Boolean);
  const run = async () => {
    const list = lines();
    inbound.removeAttribute('aria-invalid');
    if (!list.length) { replace(result); return; }
    replace(result, loading('Working out the licences'));
    const sig = next();
    try {
      const r = await api.suggestOutbound({ inbound: list, use: use.value, strict: true }, { signal: sig });
      replace(result, view(r));
    } catch (e) {
      if (e?.name === 'AbortError') return;
      const pe = expressionError(e);
      const m = /^inbound\[(\d+)\]$/.exec(pe?.field || '');
      if (m) {
        inbound.setAttribute('aria-invalid', 'true');
        replace(result, errorBox(e, h('p', null, `On line ${Number(m[1]) + 1}:`), caretView(list[Number(m[1])] || '', pe.position, pe.token)));
      } else {
        replace(result, errorBox(e));
      }
    }
  };
  main.append(
    h('h1', null, 'Suggest a licence'),
    h('p', { class: 'lede' }, 'List the licences of everything a work combines, one expression per line: Stemma lists the licences the whole may be released under.'),
    h('form', { class: 'suggest-form', onsubmit: (e) => {
      e.preventDefault();
      setQuery({ inbound: lines(), use: use.value }, { push: true });
      run();
    } },
    field('Inbound licence expressions, one per line', inbound),
    field('Use', use),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Suggest'))),
    result);
  if (initial.length) await run();
}

function view(r) {
  const s = r.suggestions || [];
  return h('div', null,
    h('h2', null, s.length ? `${s.length} licences fit` : 'No licence fits all of them'),
    r.blocking?.length ? h('div', { class: 'error', role: 'note' }, h('p', null, h('strong', null, 'These block every choice (or are not modelled):')),
      h('ul', null, r.blocking.map((b) => h('li', null, h('code', null, b))))) : null,
    r.warnings?.length ? h('ul', { class: 'warnings' }, r.warnings.map((w) => h('li', null, w))) : null,
    h('ol', { class: 'suggestions' }, s.map((x) => h('li', { dataset: { licence: x.licence } },
      h('p', null, h('a', { href: `/licences/${encodeURIComponent(x.licence.replace(/\+$/, ''))}` }, h('code', null, x.licence)), ' ',
        categoryBadge(x.category), ' ', verdictBadge(x.verdict)),
      x.conditions?.length ? h('ul', { class: 'conditions' }, x.conditions.map((c) => h('li', null, c))) : null,
      h('details', null, h('summary', null, 'Why'), reasonsList(x.reasons))))));
}
