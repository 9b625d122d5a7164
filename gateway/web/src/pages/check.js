// The licence checker: may material under the inbound expression be used,
// in the way the use says, in a work released under the outbound one? The
// URL carries the question, so a check can be shared.
import { h, field, replace, loading, latest } from '../dom.js';
import { api } from '../api.js';
import { setQuery } from '../router.js';
import { errorBox, expressionError, caretView } from '../errors.js';
import { verdictBadge, reasonsList } from '../components.js';
import { USES, USE_PHRASES, verdict as verdictInfo } from '../vocab.js';

export default async function check({ main, query, signal }) {
  document.title = 'Check licences · Stemma explorer';
  const next = latest(signal);
  const inbound = h('input', { type: 'text', name: 'inbound', value: query.get('inbound') || '', required: true,
    autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'e.g. GPL-2.0-only' });
  const outbound = h('input', { type: 'text', name: 'outbound', value: query.get('outbound') || '', required: true,
    autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'e.g. MIT' });
  const use = h('select', { name: 'use' }, Object.entries(USES).map(([v, l]) =>
    h('option', { value: v, selected: v === (query.get('use') || 'USE_INCORPORATE') }, l)));
  const result = h('section', { class: 'check-result', 'aria-live': 'polite', 'aria-label': 'Verdict' });
  const form = h('form', { class: 'check-form', onsubmit: (e) => {
    e.preventDefault();
    setQuery({ inbound: inbound.value.trim(), outbound: outbound.value.trim(), use: use.value }, { push: true });
    run();
  } },
  field('Inbound: the licence of the material you use', inbound, 'An SPDX expression: MIT, Apache-2.0 OR MIT, GPL-2.0-or-later WITH Classpath-exception-2.0'),
  field('Outbound: the licence of the work you release', outbound),
  field('Use: how the material goes into the work', use),
  h('div', { class: 'form-actions' },
    h('button', { type: 'submit' }, 'Check'), ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => {
      const a = inbound.value; inbound.value = outbound.value; outbound.value = a;
    } }, 'Swap directions')));

  const run = async () => {
    // Strict: a person typing here wants a misspelt identifier pointed at,
    // not answered as a licence whose terms are unknown.
    const body = { inbound: inbound.value.trim(), outbound: outbound.value.trim(), use: use.value, strict: true };
    for (const el of [inbound, outbound]) el.removeAttribute('aria-invalid');
    if (!body.inbound || !body.outbound) {
      replace(result, h('p', { class: 'muted' }, 'Enter both expressions.'));
      return;
    }
    replace(result, loading('Checking'));
    const sig = next();
    try {
      const r = await api.check(body, { signal: sig });
      replace(result, verdictView(r, body));
    } catch (e) {
      if (e?.name === 'AbortError') return;
      const pe = expressionError(e);
      const which = pe?.field === 'outbound' ? outbound : pe?.field === 'inbound' ? inbound : null;
      if (which) {
        which.setAttribute('aria-invalid', 'true');
        replace(result, errorBox(e, h('p', null, `In the ${pe.field} expression:`), caretView(which.value.trim(), pe.position, pe.token)));
      } else {
        replace(result, errorBox(e));
      }
    }
  };

  main.append(
    h('h1', null, 'Check licences'),
    h('p', { class: 'lede' }, 'Compatibility is directional: MIT material may go into a GPL work, GPL material may not go into an MIT one. Every verdict says which rules gave it and where they come from.'),
    form, result,
    h('p', { class: 'small' }, 'Combining several sources? ', h('a', { href: '/suggest' }, 'Find the licences the combined work may carry'), '.'));
  if (inbound.value && outbound.value) await run();
}

function verdictView(r, asked) {
  const v = verdictInfo(r.verdict);
  return h('div', { class: `verdict-box verdict-box-${v.cls}`, dataset: { verdict: r.verdict } },
    h('h2', null, verdictBadge(r.verdict)),
    h('p', { class: 'question' }, 'May material under ', h('code', null, r.canonicalInbound || asked.inbound),
      ` ${USE_PHRASES[r.use] || USE_PHRASES[asked.use] || USE_PHRASES.USE_INCORPORATE} `,
      h('code', null, r.canonicalOutbound || asked.outbound), '?'),
    r.inboundChoice ? h('p', null, 'Choosing ', h('code', null, r.inboundChoice), ' from the inbound alternatives.') : null,
    r.conditions?.length ? [h('h3', null, 'Conditions'), h('ul', { class: 'conditions' }, r.conditions.map((c) => h('li', null, c)))] : null,
    h('h3', null, 'Reasons'),
    reasonsList(r.reasons),
    r.warnings?.length ? h('ul', { class: 'warnings' }, r.warnings.map((w) => h('li', null, w))) : null,
    r.licenceListVersion ? h('p', { class: 'small muted' }, `SPDX licence list ${r.licenceListVersion}.`) : null);
}
