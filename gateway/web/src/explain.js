// The licence expression explained: its structure in words, and for each
// licence its category, its obligations and where to read its text.
import { h, extLink, link } from './dom.js';
import { parse, licence as licenceInfo, exception as exceptionInfo } from './licinfo.js';
import { categoryBadge } from './components.js';
import { OBLIGATIONS } from './vocab.js';
import { errorBox } from './errors.js';

/** explainExpression resolves to an element that explains expr. */
export async function explainExpression(expr, { signal } = {}) {
  if (!expr) {
    return h('div', { class: 'explain' }, h('p', null,
      'No licence is recorded for this work. Without one, its makers keep all rights unless they say otherwise.'));
  }
  let parsed;
  try {
    parsed = await parse(expr);
  } catch (e) {
    return h('div', { class: 'explain' }, errorBox(e));
  }
  if (signal?.aborted) return h('div');
  const cards = new Map();
  const ids = parsed.licenceIds || [];
  await Promise.all(ids.map(async (id) => { cards.set(id, await licenceCard(id)); }));
  const exc = new Map();
  await Promise.all((parsed.exceptionIds || []).map(async (id) => {
    try { exc.set(id, await exceptionInfo(id)); } catch { exc.set(id, null); }
  }));
  return h('div', { class: 'explain' },
    h('p', { class: 'expression' }, h('code', null, parsed.canonical || expr)),
    (parsed.warnings || []).length ? h('ul', { class: 'warnings' }, parsed.warnings.map((w) => h('li', null, w))) : null,
    parsed.tree?.kind === 'KIND_LICENCE' && !parsed.tree.exceptionId && !(parsed.tree.orLater && !/-or-later$/.test(parsed.tree.licenceId))
      ? null : structure(parsed.tree, exc, true),
    h('div', { class: 'licence-cards' }, ids.map((id) => cards.get(id))));
}

function structure(node, exc, top) {
  if (!node) return null;
  if (node.kind === 'KIND_LICENCE') {
    const x = node.exceptionId ? exc.get(node.exceptionId) : null;
    return h(top ? 'p' : 'span', { class: 'leaf' },
      h('a', { href: `#lic-${cssId(node.licenceId)}` }, node.licenceId),
      node.orLater && !/-or-later$/.test(node.licenceId) ? ' or any later version' : '',
      node.exceptionId ? [' with the exception ', h('code', null, node.exceptionId),
        x?.effect ? h('span', { class: 'muted' }, ` (${x.effect})`) : null] : null);
  }
  const all = node.kind === 'KIND_AND';
  return h('div', { class: `op op-${all ? 'and' : 'or'}` },
    h('p', { class: 'op-title' }, all
      ? 'All of these apply (AND): the work carries every one of these licences.'
      : 'You may choose one of these (OR): follow whichever suits you.'),
    h('ul', null, (node.operands || []).map((o) => h('li', null, structure(o, exc, false)))));
}

function cssId(id) {
  return String(id).replace(/[^A-Za-z0-9_-]/g, '_');
}

async function licenceCard(id) {
  let l;
  try {
    l = await licenceInfo(id);
  } catch (e) {
    return h('article', { class: 'licence-card', id: `lic-${cssId(id)}` }, h('h4', null, id), errorBox(e));
  }
  if (!l) {
    return h('article', { class: 'licence-card', id: `lic-${cssId(id)}` },
      h('h4', null, h('code', null, id)),
      categoryBadge('CATEGORY_PROPRIETARY_OR_UNKNOWN'),
      h('p', null, 'A licence of the work’s own (LicenseRef): Stemma does not know its terms, so verdicts about it are “unknown”.'));
  }
  const texts = [l.referenceUrl, ...(l.seeAlso || [])].filter(Boolean).slice(0, 3);
  return h('article', { class: 'licence-card', id: `lic-${cssId(id)}`, dataset: { licence: l.licenceId } },
    h('h4', null, link(`/licences/${encodeURIComponent(l.licenceId)}`, l.licenceId), ' ', h('span', { class: 'muted' }, l.title)),
    h('p', null, categoryBadge(l.category),
      l.osiApproved ? h('span', { class: 'flag' }, 'OSI approved') : null,
      l.fsfLibre ? h('span', { class: 'flag' }, 'FSF free') : null,
      l.deprecated ? h('span', { class: 'flag warn' }, `Deprecated${l.replacedBy ? `: use ${l.replacedBy}` : ''}`) : null,
      l.modelled ? null : h('span', { class: 'flag warn' }, 'Not modelled: verdicts are “unknown”')),
    obligations(l.obligations),
    l.notes ? h('p', { class: 'small' }, l.notes) : null,
    texts.length ? h('p', { class: 'small' }, 'Read the text: ',
      texts.flatMap((u, i) => [i ? ' · ' : '', extLink(u, hostOf(u))])) : null);
}

/** obligations lists what a licence asks of its users. */
export function obligations(list) {
  if (!list?.length) return h('p', { class: 'small' }, 'No obligations when sharing.');
  return h('ul', { class: 'obligations' }, list.map((o) => {
    const [name, about] = OBLIGATIONS[o] || [o, ''];
    return h('li', null, h('strong', null, name), about ? `: ${about}` : '');
  }));
}

function hostOf(u) {
  try { return new URL(u).host.replace(/^www\./, ''); } catch { return u; }
}
