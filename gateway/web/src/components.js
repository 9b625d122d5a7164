// Pieces several pages share.
import { h, link, extLink, field } from './dom.js';
import { errorBox } from './errors.js';
import { workId, apiKey, setApiKey } from './api.js';
import { categoryOf, licence as licenceInfo } from './licinfo.js';
import { category, NO_LICENCE, verdict, kindLabel } from './vocab.js';

/** workHref is the explorer URL of a work. */
export function workHref(name, sub = '') {
  return `/works/${encodeURIComponent(workId(name))}${sub ? `/${sub}` : ''}`;
}

/** workLink links to a work by its title (or its name while unknown). */
export function workLink(name, title) {
  return h('a', { href: workHref(name), class: 'work-link' }, title || workId(name));
}

/**
 * licenceBadge shows an expression with its category: the colour is a
 * help, the category's name is always written out too.
 */
export function licenceBadge(expr, { withCategory = true } = {}) {
  const label = h('span', { class: 'cat-label' });
  const el = h('span', { class: 'licence-badge', dataset: { licence: expr || '' } },
    h('code', null, expr || 'no licence'), withCategory ? label : null);
  if (!expr) {
    el.style.setProperty('--cat', NO_LICENCE.colour);
    label.textContent = NO_LICENCE.label;
    return el;
  }
  categoryOf(expr).then((c) => {
    const cat = category(c);
    el.style.setProperty('--cat', cat.colour);
    el.dataset.category = c;
    label.textContent = cat.label;
    el.title = `${cat.label}: ${cat.about}`;
  });
  return el;
}

/** categoryBadge shows a category by its colour and its name. */
export function categoryBadge(name) {
  const cat = name ? category(name) : NO_LICENCE;
  const el = h('span', { class: 'category-badge', title: cat.about, dataset: { category: name || '' } }, cat.label);
  el.style.setProperty('--cat', cat.colour);
  return el;
}

/** verdictBadge shows a verdict with a sign and words, not only a colour. */
export function verdictBadge(v) {
  const d = verdict(v);
  return h('span', { class: `verdict verdict-${d.cls}`, dataset: { verdict: v || '' } },
    h('span', { 'aria-hidden': 'true' }, d.sign), ' ', d.label);
}

/** sourcesList lists the public statements a reason rests on. */
export function sourcesList(sources) {
  if (!sources?.length) return null;
  return h('ul', { class: 'sources' }, sources.map((s) => h('li', null,
    extLink(s.url, s.title || s.url), s.clause ? h('span', { class: 'clause' }, ` ${s.clause}`) : null)));
}

/** reasonsList renders a verdict's reasons with their sources. */
export function reasonsList(reasons) {
  if (!reasons?.length) return h('p', { class: 'muted' }, 'No reasons were given.');
  return h('ol', { class: 'reasons' }, reasons.map((r) => h('li', { class: 'reason', dataset: { rule: r.rule || '' } },
    h('p', null, verdictBadge(r.verdict), ' ', r.message || ''),
    h('p', { class: 'muted small' },
      r.rule ? ['Rule ', h('code', null, r.rule)] : null,
      r.inbound || r.outbound ? [' · ', h('code', null, r.inbound || '?'), ' → ', h('code', null, r.outbound || '?')] : null),
    sourcesList(r.sources))));
}

/** workTabs are the sub-pages of a work. */
export function workTabs(id, active) {
  const tab = (sub, label) => {
    const a = link(workHref(id, sub), label);
    if (sub === active) a.setAttribute('aria-current', 'page');
    return h('li', null, a);
  };
  return h('nav', { class: 'tabs', 'aria-label': 'Work' }, h('ul', null,
    tab('', 'Overview'), tab('tree', 'Family tree'), tab('audit', 'Audit & attribution')));
}

/** workSummary is one line about a work in a list of results. */
export function workSummary(w, extra) {
  return h('li', { class: 'work-card', dataset: { work: w.name } },
    h('p', { class: 'work-card-title' }, workLink(w.name, w.title), ' ',
      h('span', { class: 'muted small' }, kindLabel(w.kind), w.version ? ` · ${w.version}` : '')),
    h('p', { class: 'work-card-meta' }, licenceBadge(w.licence),
      w.creators?.length ? h('span', { class: 'creators' }, ' by ', w.creators.map((c) => c.name).join(', ')) : null),
    extra || null);
}

/** licenceTitle resolves to a licence's full name, or the id. */
export async function licenceTitle(id) {
  try { return (await licenceInfo(id))?.title || id; } catch { return id; }
}

/** copyButton copies the text that get() returns and says so. */
export function copyButton(label, get) {
  const status = h('span', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'copy', onclick: async () => {
    const text = get();
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = legacyCopy(text);
    }
    status.textContent = ok ? 'Copied.' : 'Copying failed: select the text and copy it.';
    setTimeout(() => { status.textContent = ''; }, 4000);
  } }, label);
  return h('span', { class: 'copy-wrap' }, btn, ' ', status);
}

function legacyCopy(text) {
  const ta = h('textarea', { class: 'offscreen', readonly: true }, text);
  document.body.append(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
}

/** pager is a "more" button that calls load() and hides when done. */
export function moreButton(label, load) {
  const btn = h('button', { type: 'button', class: 'more' }, label);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    btn.nextElementSibling?.classList.contains('error') && btn.nextElementSibling.remove();
    try {
      const done = await load();
      if (done) btn.remove();
      else btn.disabled = false;
    } catch (e) {
      btn.disabled = false;
      const box = errorBox(e);
      if (box) btn.after(box);
    }
  });
  return btn;
}

/**
 * keyPanel keeps an API key for this tab (session storage), for the
 * writes a page offers: registering, proposing and reviewing curations,
 * evaluating policies. id is the section's id (one per page).
 */
export function keyPanel(id = 'key') {
  const input = h('input', { type: 'password', name: 'apiKey', autocomplete: 'off', spellcheck: 'false', value: apiKey() });
  const status = h('p', { class: 'key-status', role: 'status', 'aria-live': 'polite' });
  const show = () => {
    status.textContent = apiKey()
      ? 'A key is kept for this tab: it is in this tab’s session storage only, and sent only to this server, as a bearer token.'
      : 'No key is kept. Enter yours to register, curate or evaluate.';
    status.dataset.state = apiKey() ? 'set' : 'unset';
  };
  show();
  return h('section', { id, 'aria-labelledby': `h-${id}`, class: 'panel key-panel' },
    h('h2', { id: `h-${id}` }, 'API key'),
    h('form', { class: 'key-form', onsubmit: (e) => {
      e.preventDefault();
      setApiKey(input.value.trim());
      show();
    } },
    field('Your API key', input, 'Closing the tab forgets it.'),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit' }, 'Use this key'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { setApiKey(''); input.value = ''; show(); } }, 'Forget the key'))),
    status);
}
