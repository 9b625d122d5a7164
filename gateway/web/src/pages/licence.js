// One licence: its category, obligations, where to read it, and the works
// registered under it.
import { h, extLink } from '../dom.js';
import { licence as licenceInfo } from '../licinfo.js';
import { categoryBadge, sourcesList } from '../components.js';
import { obligations } from '../explain.js';

const PATENTS = {
  PATENT_TERMS_SILENT: 'Says nothing explicit about patents.',
  PATENT_TERMS_GRANT: 'Grants a patent licence.',
  PATENT_TERMS_GRANT_WITH_RETALIATION: 'Grants a patent licence that ends for a licensee who sues.',
  PATENT_TERMS_WITHHELD: 'Expressly withholds patent rights.',
};

export default async function licencePage({ main, params }) {
  const l = await licenceInfo(params.id);
  if (!l) {
    main.append(h('h1', null, params.id), h('p', null, 'A licence of a work’s own (LicenseRef): Stemma does not know its terms.'));
    return;
  }
  document.title = `${l.licenceId} · Stemma explorer`;
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '/check' }, 'Licences'), ' › ', l.licenceId),
    h('h1', null, l.title, ' ', h('code', { class: 'muted' }, l.licenceId)),
    h('p', null, categoryBadge(l.category),
      l.osiApproved ? h('span', { class: 'flag' }, 'OSI approved') : null,
      l.fsfLibre ? h('span', { class: 'flag' }, 'FSF free') : null,
      l.deprecated ? h('span', { class: 'flag warn' }, `Deprecated${l.replacedBy ? `: use ${l.replacedBy}` : ''}`) : null,
      l.modelled ? null : h('span', { class: 'flag warn' }, 'Not modelled by Stemma’s rules')),
    h('h2', null, 'What it asks'), obligations(l.obligations),
    h('p', null, PATENTS[l.patentTerms] || ''),
    l.notes ? h('p', null, l.notes) : null,
    h('h2', null, 'Read it'),
    h('ul', null, [l.referenceUrl, ...(l.seeAlso || [])].filter(Boolean).map((u) => h('li', null, extLink(u)))),
    l.sources?.length ? [h('h2', null, 'What Stemma’s properties rest on'), sourcesList(l.sources)] : null,
    h('p', null, h('a', { class: 'button', href: `/?q=${encodeURIComponent(l.licenceId)}&by=licence` }, `Works under ${l.licenceId}`), ' ',
      h('a', { class: 'button secondary', href: `/check?inbound=${encodeURIComponent(l.licenceId)}` }, 'Check it against another licence')));
}
