// Audit and attribution: every licence conflict in a work's ancestry with
// the path to it, and the credits owed upstream as Markdown and plain text.
import { h, loading, replace } from '../dom.js';
import { api } from '../api.js';
import { errorBox } from '../errors.js';
import { workTabs, workLink, workHref, verdictBadge, reasonsList, copyButton } from '../components.js';
import { relationLabel } from '../vocab.js';
import { titlesOf } from './work.js';

export default async function audit({ main, params, signal }) {
  const name = `works/${params.id}`;
  const w = await api.getWork(name, { signal });
  document.title = `Audit of ${w.title} · Stemma explorer`;
  const auditSection = h('section', { class: 'audit', 'aria-labelledby': 'h-audit' }, h('h2', { id: 'h-audit' }, 'Licence audit'), loading('Auditing the ancestry'));
  const attrSection = h('section', { class: 'attribution', 'aria-labelledby': 'h-attr' }, h('h2', { id: 'h-attr' }, 'Attribution'), loading('Gathering the credits'));
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Find'), ' › ', workLink(name, w.title), ' › audit'),
    h('h1', null, 'Audit & attribution of ', w.title),
    workTabs(params.id, 'audit'),
    auditSection, attrSection);
  await Promise.all([renderAudit(name, auditSection, signal), renderAttribution(name, attrSection, signal)]);
}

async function renderAudit(name, section, signal) {
  try {
    const conflicts = [];
    let token = '';
    let resp;
    do {
      resp = await api.audit(name, { pageSize: 200, pageToken: token }, { signal });
      conflicts.push(...(resp.conflicts || []));
      token = resp.nextPageToken || '';
    } while (token && conflicts.length < 2000);
    const names = new Set();
    for (const c of conflicts) [c.derivative, c.source, c.otherSource, ...(c.path || [])].filter(Boolean).forEach((n) => names.add(n));
    for (const u of resp.unknown || []) names.add(u);
    const titles = await titlesOf([...names], signal);
    const t = (n) => titles.get(n) || n;
    section.dataset.conflicts = String(conflicts.length);
    replace(section, section.firstChild,
      h('p', { class: 'audit-summary' }, conflicts.length
        ? h('strong', { class: 'conflict-text' }, `${conflicts.length} licence conflict${conflicts.length > 1 ? 's' : ''}`)
        : h('strong', null, 'No licence conflict'),
      ` in ${resp.derivationsChecked || 0} derivation${resp.derivationsChecked === 1 ? '' : 's'} checked.`,
      resp.truncated ? ' The depth bound cut the ancestry short: more may lie beyond.' : ''),
      conflicts.length ? h('ol', { class: 'conflict-list' }, conflicts.map((c) => h('li', { class: 'conflict-item', dataset: { derivation: c.derivation || '', kind: c.kind || '' } },
        h('h3', null, h('span', { class: 'conflict-text' }, c.kind === 'KIND_SOURCES' ? 'Sources that cannot be combined' : 'Conflict'), ': ',
          workLink(c.derivative, t(c.derivative)), ` (${relationLabel(c.relation)} of) `, workLink(c.source, t(c.source)),
          c.otherSource ? [' and ', workLink(c.otherSource, t(c.otherSource))] : null),
        c.recorded ? h('p', null, 'Recorded knowingly, as a conflict.') : h('p', null, 'Not recorded as a conflict: the licences changed, or the rules did.'),
        c.path?.length ? h('p', { class: 'path' }, 'Path: ', h('span', { class: 'path-chain' },
          c.path.flatMap((p, i) => [i ? h('span', { class: 'arrow', 'aria-label': 'derives from' }, ' → ') : null, workLink(p, t(p))]))) : null,
        c.check ? h('p', null, h('code', null, c.check.inbound || '?'), ' into ', h('code', null, c.check.outbound || '?'), ': ', verdictBadge(c.check.verdict)) : null,
        c.check?.conditions?.length ? h('ul', null, c.check.conditions.map((x) => h('li', null, x))) : null,
        c.check?.reasons?.length ? h('details', { open: true }, h('summary', null, 'Reasons'), reasonsList(c.check.reasons)) : null,
        h('p', null, h('a', { class: 'button secondary', href: `${workHref(name, 'tree')}?depth=all&highlight=${encodeURIComponent(c.derivation || '')}` }, 'Show on the family tree'))))) : null,
      resp.unknown?.length ? [h('h3', null, 'Not known to be fine'),
        h('p', null, 'Stemma cannot say for these derivations (a licence it does not model, or an unsettled question):'),
        h('ul', null, resp.unknown.map((u) => h('li', null, h('code', null, u)))) ] : null);
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

async function renderAttribution(name, section, signal) {
  try {
    const a = await api.attribution(name, {}, { signal });
    const credits = a.credits || [];
    const md = a.markdown || '';
    const text = a.text || '';
    section.dataset.credits = String(credits.length);
    replace(section, section.firstChild,
      h('p', null, credits.length ? `${credits.length} upstream work${credits.length > 1 ? 's are' : ' is'} owed credit, nearest first.` : 'Nothing upstream is owed credit.',
        a.truncated ? ' The depth bound cut the ancestry short.' : ''),
      credits.length ? h('ol', { class: 'credits' }, credits.map((c) => h('li', { dataset: { work: c.work } },
        workLink(c.work, c.title), c.deleted ? ' (since deleted)' : '',
        c.creators?.length ? ` by ${c.creators.map((x) => x.name).join(', ')}` : '',
        c.licence ? [', ', h('code', null, c.licence)] : '',
        c.change ? h('span', { class: 'muted' }, ` — ${c.change}`) : ''))) : null,
      block('Markdown', 'attribution-markdown', md),
      block('Plain text', 'attribution-text', text));
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

function block(label, cls, content) {
  const id = `${cls}-block`;
  return h('div', { class: `copy-block ${cls}` },
    h('h3', { id: `${id}-h` }, label, ' ', copyButton(`Copy ${label.toLowerCase()}`, () => content)),
    h('pre', { id, tabindex: '0', 'aria-labelledby': `${id}-h` }, content || '(empty)'));
}
