// Find: works by title, creator, licence, identifier or content digest. A
// digest or an identifier lists every work that carries it, so that
// replicated content shows up as the several works it is.
import { h, loading, field, replace, latest } from '../dom.js';
import { api } from '../api.js';
import { setQuery } from '../router.js';
import { errorBox } from '../errors.js';
import { workSummary, moreButton } from '../components.js';
import { classifyQuery, worksFilter, IDENTIFIER_TYPES } from '../vocab.js';

const BY = [
  ['auto', 'Anything (detect)'],
  ['title', 'Title'],
  ['creator', 'Creator'],
  ['licence', 'Licence'],
  ['digest', 'Content digest'],
  ...IDENTIFIER_TYPES.map((t) => [t, `Identifier: ${t === 'url' ? 'URL' : t.toUpperCase()}`]),
];
const LOOKUP_KEYS = new Set(['digest', ...IDENTIFIER_TYPES]);
const PAGE = 25;

export default async function find({ main, query, signal: pageSignal }) {
  document.title = 'Find works · Stemma explorer';
  const next = latest(pageSignal);
  const q = query.get('q') || '';
  const by = query.get('by') || 'auto';
  const input = h('input', { type: 'search', name: 'q', value: q, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'e.g. sha256:9f86…, pkg:npm/left-pad@1.3.0, Ada Lovelace, GPL-3.0-only' });
  const select = h('select', { name: 'by' }, BY.map(([v, l]) => h('option', { value: v, selected: v === by }, l)));
  const results = h('section', { class: 'results', 'aria-live': 'polite', 'aria-label': 'Results' });
  const form = h('form', { role: 'search', class: 'search-form', onsubmit: (e) => {
    e.preventDefault();
    setQuery({ q: input.value.trim(), by: select.value === 'auto' ? '' : select.value }, { push: true });
    run(input.value.trim(), select.value, results, next());
  } },
  field('Title, creator, licence, identifier or digest', input,
    'Paste a sha256: digest or a package URL to see every work that carries it.'),
  field('Search by', select),
  h('button', { type: 'submit' }, 'Find'));

  main.append(
    h('h1', null, 'Find works'),
    h('p', { class: 'lede' }, 'Works, their licences and how they derive from each other: look one up, then open its family tree.'),
    form, results);
  await run(q, by, results, next());
}

async function run(q, by, out, signal) {
  delete out.dataset.count;
  replace(out, loading(q ? 'Searching' : 'Loading works'));
  try {
    if (!q) return await listing(out, { pageSize: PAGE }, 'Registered works', signal);
    let key = by;
    let value = q;
    if (by === 'auto') ({ by: key, value } = classifyQuery(q));
    if (LOOKUP_KEYS.has(key)) return await lookup(out, key, value, signal);
    if (by === 'auto') return await anything(out, value, signal);
    return await listing(out, { filter: worksFilter(key, value), pageSize: PAGE },
      `Works whose ${key === 'title' ? 'title contains' : key === 'licence' ? 'licence names' : `${key} is`} “${value}”`, signal);
  } catch (e) {
    if (e?.name !== 'AbortError') replace(out, errorBox(e));
  }
}

// lookup lists every work that carries a digest or an identifier.
async function lookup(out, key, value, signal) {
  const list = h('ul', { class: 'work-list' });
  const heading = h('h2', null);
  const resp = await api.lookupWorks({ [key]: value, pageSize: PAGE }, { signal });
  const works = resp.works || [];
  const what = key === 'digest' ? 'content digest' : `${key} identifier`;
  heading.textContent = works.length === 0 ? `No work carries this ${what}`
    : works.length === 1 && !resp.nextPageToken ? `1 work carries this ${what}`
      : `${works.length}${resp.nextPageToken ? '+' : ''} works carry this ${what}`;
  const note = works.length > 1
    ? h('p', { class: 'note replication', role: 'note' }, 'The same content is registered as several works: replication made visible. Their family trees may say how they relate.')
    : null;
  works.forEach((w) => list.append(workSummary(w, matchLine(w, key, value))));
  replace(out, heading, h('p', null, h('code', { class: 'break' }, value)), note, list,
    resp.nextPageToken ? more(list, (token) => api.lookupWorks({ [key]: value, pageSize: PAGE, pageToken: token }, { signal }), resp.nextPageToken, (w) => matchLine(w, key, value)) : null);
  out.dataset.count = String(works.length);
}

function matchLine(w, key, value) {
  if (key === 'digest') return h('p', { class: 'small muted' }, 'carries ', h('code', { class: 'break' }, value));
  const id = (w.identifiers || []).find((i) => i.type === key);
  return id ? h('p', { class: 'small muted' }, `${key}: `, h('code', { class: 'break' }, id.value)) : null;
}

// listing lists works matching a ListWorks filter, a page at a time.
async function listing(out, query, title, signal) {
  const resp = await api.listWorks(query, { signal });
  const works = resp.works || [];
  const list = h('ul', { class: 'work-list' }, works.map((w) => workSummary(w)));
  replace(out, h('h2', null, title),
    works.length ? list : h('p', null, query.filter ? 'No work matches.' : 'No works are registered yet. Register one on the Register page.'),
    resp.nextPageToken ? more(list, (token) => api.listWorks({ ...query, pageToken: token }, { signal }), resp.nextPageToken) : null);
  out.dataset.count = String(works.length);
}

// anything searches titles, creators and licences at once.
async function anything(out, value, signal) {
  const searches = [
    ['title', 'title'],
    ['creator', 'creator'],
    ['licence', 'licence'],
  ];
  const found = new Map();
  const settled = await Promise.allSettled(searches.map(([key]) =>
    api.listWorks({ filter: worksFilter(key, value), pageSize: PAGE }, { signal })));
  let firstError = null;
  settled.forEach((r, i) => {
    if (r.status === 'rejected') {
      // A plain word is rarely a licence id: that search may fail alone.
      if (searches[i][0] === 'title') firstError = r.reason;
      return;
    }
    for (const w of r.value.works || []) {
      const e = found.get(w.name) || { work: w, by: [] };
      e.by.push(searches[i][1]);
      found.set(w.name, e);
    }
  });
  if (firstError && !found.size) throw firstError;
  const list = h('ul', { class: 'work-list' }, [...found.values()].map(({ work, by }) =>
    workSummary(work, h('p', { class: 'small muted' }, `matched by ${by.join(', ')}`))));
  const refine = h('p', { class: 'small' }, 'Only one kind? Search by ',
    ...['title', 'creator', 'licence'].flatMap((k, i) => [i ? ', ' : '', h('a', { href: `/?q=${encodeURIComponent(value)}&by=${k}` }, k)]), '.');
  replace(out, h('h2', null, found.size ? `${found.size} works match “${value}”` : `No work matches “${value}”`), refine, list);
  out.dataset.count = String(found.size);
}

function more(list, fetchPage, token, extra) {
  let next = token;
  return moreButton('More results', async () => {
    const resp = await fetchPage(next);
    (resp.works || []).forEach((w) => list.append(workSummary(w, extra ? extra(w) : null)));
    next = resp.nextPageToken;
    return !next;
  });
}
