// A work's page: its metadata, creators, identifiers and digests, its
// licence explained, its licence history, its derivations in and out, its
// licence curations and its policy findings.
import { h, append, loading, replace, extLink, timeEl } from '../dom.js';
import { api, apiKey, readEvents, workId, workPath } from '../api.js';
import { licenceTimeline, upstreamAlerts } from '../timeline.js';
import { errorBox } from '../errors.js';
import { workTabs, workLink, licenceBadge, workHref, verdictBadge, moreButton } from '../components.js';
import { explainExpression } from '../explain.js';
import { kindLabel, relationLabel, RELATIONS } from '../vocab.js';
import { mergeSimilar } from '../similar.js';
import { curationsSection } from '../curations.js';
import { findingsSection } from '../policyfindings.js';

export default async function work({ main, params, signal }) {
  const name = `works/${params.id}`;
  const w = await api.getWork(name, { signal });
  document.title = `${w.title} · Stemma explorer`;
  const licence = h('section', { 'aria-labelledby': 'h-licence' }, h('h2', { id: 'h-licence' }, 'Licence'), loading('Reading the licence'));
  const history = h('section', { 'aria-labelledby': 'h-history', dataset: { timeline: '' } }, h('h2', { id: 'h-history' }, 'Licence timeline'), loading());
  const alerts = h('section', { 'aria-labelledby': 'h-alerts', dataset: { alerts: '' } }, h('h2', { id: 'h-alerts' }, 'Alerts from upstream'), loading('Reading the licence changes upstream'));
  const from = h('section', { 'aria-labelledby': 'h-from', dataset: { derivations: 'in' } },
    h('h2', { id: 'h-from' }, 'Derived from'), loading());
  const into = h('section', { 'aria-labelledby': 'h-into', dataset: { derivations: 'out' } },
    h('h2', { id: 'h-into' }, 'Derived into'), loading());
  const like = h('section', { 'aria-labelledby': 'h-similar', dataset: { similar: '' } },
    h('h2', { id: 'h-similar' }, 'Similar works'), loading());

  // append, not main.append: the DOM's own would print a missing part
  // (a work without a description) as the word "null".
  append(main, [
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Find'), ' › ', h('span', null, w.name)),
    h('h1', null, w.title),
    workTabs(params.id, ''),
    h('p', { class: 'lede' }, kindLabel(w.kind), w.version ? ` · version ${w.version}` : '', ' · ', licenceBadge(w.licence)),
    w.description ? h('p', { class: 'description' }, w.description) : null,
    h('div', { class: 'columns' },
      h('section', { 'aria-labelledby': 'h-about' }, h('h2', { id: 'h-about' }, 'About'), about(w)),
      h('section', { 'aria-labelledby': 'h-ids' }, h('h2', { id: 'h-ids' }, 'Identifiers and digests'), identifiers(w))),
    licence, history, alerts,
    h('div', { class: 'columns' }, from, into),
    like,
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: workHref(name, 'tree') }, 'Family tree'), ' ',
      h('a', { class: 'button', href: workHref(name, 'audit') }, 'Audit & attribution'), ' ',
      h('a', { class: 'button secondary', href: `/register?derivative=${encodeURIComponent(name)}#derivation` }, 'Record a source of this work'), ' ',
      h('a', { class: 'button secondary', href: `/register?source=${encodeURIComponent(name)}#derivation` }, 'Record a work derived from it')),
    h('p', { class: 'actions', dataset: { downloads: '' } },
      noticeButton(name, signal), ' ',
      h('a', { class: 'button secondary', href: `${workPath(name)}/sbom?format=cyclonedx`, download: `${params.id}.cdx.json` }, 'SBOM (CycloneDX)'), ' ',
      h('a', { class: 'button secondary', href: `${workPath(name)}/sbom?format=spdx`, download: `${params.id}.spdx.json` }, 'SBOM (SPDX)')),
    curationsSection(w, signal),
    findingsSection(w, signal)]);

  explainExpression(w.licence, { signal }).then((el) => replace(licence, licence.firstChild, el));
  licenceHistory(name, history, signal);
  upstream(w, alerts, signal);
  derivations(name, 'derivative', from, signal);
  derivations(name, 'source', into, signal);
  similarWorks(w, like, signal);
}

// similarWorks lists the works whose ISCC codes are near this work's (at
// the server's default distance), each with its licence, marked when it
// differs from this work's: a copy registered under other terms.
async function similarWorks(w, section, signal) {
  const codes = w.isccCodes || [];
  if (!codes.length) {
    replace(section, section.firstChild, h('p', { class: 'muted' },
      'No ISCC codes recorded, so copies that are not byte-identical cannot be found. Register the work with ',
      h('code', null, 'stemma works create --fingerprint FILE'), ' to store them.'));
    section.dataset.count = '0';
    return;
  }
  try {
    const responses = await Promise.all(codes.map((iscc) => api.similarWorks({ iscc, licence: w.licence, pageSize: 50 }, { signal })));
    const matches = mergeSimilar(w.name, responses);
    const table = h('table', { class: 'similar' },
      h('caption', { class: 'sr-only' }, 'Works whose content is near this work’s'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Work'), h('th', { scope: 'col' }, 'Distance'), h('th', { scope: 'col' }, 'Licence'))),
      h('tbody', null, matches.map((m) => h('tr', { class: m.licenceDiffers ? 'conflict-row' : null, dataset: { similar: m.work.name } },
        h('td', null, workLink(m.work.name, m.work.title)),
        h('td', null, `${m.distance} of 64 bits`, h('div', { class: 'small muted' }, m.unit)),
        h('td', null, licenceBadge(m.work.licence),
          m.licenceDiffers ? h('div', { class: 'conflict-mark' }, '⚠ Licence differs from this work’s') : null)))));
    replace(section, section.firstChild,
      matches.length ? table : h('p', { class: 'muted' }, 'No other work has content near this one’s.'),
      h('p', { class: 'small muted' }, 'Near by their ISCC codes (ISO 24138): a resized image, a re-encoded file, a reflowed text.'));
    section.dataset.count = String(matches.length);
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

// noticeButton downloads the work's third-party notices (every credited
// upstream work and the full text of each licence) as a text file.
function noticeButton(name, signal) {
  const status = h('span', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    status.textContent = '';
    try {
      const notice = await api.notice(name, { signal });
      const a = h('a', { href: URL.createObjectURL(new Blob([notice.text || ''], { type: 'text/plain' })), download: `NOTICE-${workId(name)}.txt` });
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      status.textContent = e.message;
    }
  } }, 'Download NOTICE');
  return [button, status];
}

function about(w) {
  const row = (k, v) => (v ? [h('dt', null, k), h('dd', null, v)] : null);
  return h('dl', { class: 'meta' },
    row('Name', h('code', null, w.name)),
    row('Kind', kindLabel(w.kind)),
    row('Version', w.version),
    row('Creators', w.creators?.length ? h('ul', { class: 'creators' }, w.creators.map((c) => h('li', null,
      c.uri ? extLink(c.uri, c.name) : c.name, c.role ? h('span', { class: 'muted' }, ` (${c.role})`) : null,
      ' ', h('a', { class: 'small', href: `/?q=${encodeURIComponent(c.name)}&by=creator`, 'aria-label': `Other works by ${c.name}` }, 'other works')))) : 'none recorded'),
    row('Where to find it', w.sourceUris?.length ? h('ul', null, w.sourceUris.map((u) => h('li', null, extLink(u)))) : null),
    row('Owner', w.owner),
    row('Registered', w.createTime ? timeEl(w.createTime) : null),
    row('Updated', w.updateTime && w.updateTime !== w.createTime ? timeEl(w.updateTime) : null));
}

function identifiers(w) {
  const ids = w.identifiers || [];
  const digests = w.digests || [];
  if (!ids.length && !digests.length) return h('p', { class: 'muted' }, 'None recorded.');
  return h('div', null,
    ids.length ? h('table', { class: 'ids' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Scheme'), h('th', { scope: 'col' }, 'Identifier'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Look up')))),
      h('tbody', null, ids.map((i) => h('tr', null,
        h('td', null, i.type),
        h('td', null, h('code', { class: 'break' }, i.value)),
        h('td', null, h('a', { href: `/?q=${encodeURIComponent(i.value)}&by=${encodeURIComponent(i.type)}` }, 'Who else has it?')))))) : null,
    digests.length ? h('table', { class: 'digests' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Content digest'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Look up')))),
      h('tbody', null, digests.map((d) => h('tr', null,
        h('td', null, h('code', { class: 'break' }, d)),
        h('td', null, h('a', { href: `/?q=${encodeURIComponent(d)}&by=digest` }, 'Who else has it?')))))) : null);
}

// licenceHistory shows the work's licence timeline: every entry in
// effective-time order, the one in force now, the ones still to come.
async function licenceHistory(name, section, signal) {
  try {
    const changes = [];
    let token = '';
    let pages = 0;
    do {
      const resp = await api.licenceChanges(name, { pageSize: 100, pageToken: token }, { signal });
      changes.push(...(resp.licenceChanges || []));
      token = resp.nextPageToken || '';
    } while (token && ++pages < HISTORY_PAGES);
    const entries = licenceTimeline(changes);
    const list = h('ol', { class: 'timeline' }, entries.map((c) => h('li', { class: `timeline-item timeline-${c.state}`, dataset: { state: c.state, licence: c.licence || '' } },
      h('p', { class: 'timeline-when' }, c.registration
        ? ['From the start of the record', h('span', { class: 'small muted' }, ' (registered ', timeEl(c.effectiveTime), ')')]
        : ['Effective ', timeEl(c.effectiveTime)],
      ' ', stateLabel(c.state)),
      h('p', null, c.registration ? 'Registered under ' : 'Changed to ', licenceBadge(c.licence),
        !c.registration && c.previousLicence ? [' from ', h('code', null, c.previousLicence)] : null),
      h('p', { class: 'small muted' }, c.actor ? `by ${c.actor} · ` : '', 'recorded ', timeEl(c.recordTime)),
      c.note ? h('p', { class: 'small' }, c.note) : null)));
    replace(section, section.firstChild, changes.length ? list : h('p', { class: 'muted' }, 'No licence history recorded.'),
      token ? h('p', { class: 'small muted' }, `Only the first ${changes.length} entries are shown.`) : null);
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

const HISTORY_PAGES = 10;

function stateLabel(state) {
  const text = { 'in-force': '✓ in force now', scheduled: '◇ scheduled', superseded: 'superseded' }[state];
  return h(state === 'superseded' ? 'span' : 'strong', { class: `state-badge ${state}` }, text);
}

// upstream shows the owner of a work the licence changes of its
// ancestors, each with whether it binds this work's lineage. It needs the
// tab's key (GetCaller names its principal; a watch beyond the work needs
// a key) and is shown only to the work's owner.
async function upstream(w, section, signal) {
  if (!apiKey()) {
    replace(section, section.firstChild, h('p', { class: 'muted' },
      'If you own this work, enter your API key (on the ', h('a', { href: '/register' }, 'Register'), ' page) to see the licence changes upstream of it here.'));
    section.dataset.state = 'no-key';
    return;
  }
  try {
    const caller = await api.getCaller({ signal });
    if (!caller.principal || caller.principal !== w.owner) {
      section.remove();
      return;
    }
    const [read, ancestry] = await Promise.all([
      readEvents({ work: w.name, scope: 'SCOPE_ANCESTORS', kinds: 'EVENT_KIND_LICENCE_CHANGED' }, { signal }),
      ancestorsOf(w.name, signal),
    ]);
    const changed = [...new Set(read.events.map((e) => e.licenceChange?.work).filter((x) => x && x !== w.name))];
    const derivations = [];
    for (let i = 0; i < changed.length; i += 100) {
      const resp = await api.listDerivations({ sources: changed.slice(i, i + 100), pageSize: 1000 }, { signal });
      derivations.push(...(resp.derivations || []));
    }
    const alerts = upstreamAlerts({ root: w.name, events: read.events, ancestry, derivations });
    const titles = await titlesOf([...new Set([...changed, ...derivations.map((d) => d.derivative)])], signal);
    const title = (n) => (n === w.name ? w.title : titles.get(n));
    replace(section, section.firstChild,
      alerts.length ? h('ul', { class: 'alerts' }, alerts.map((a) => h('li', { class: `alert alert-${a.affects}`, dataset: { work: a.work, affects: a.affects } },
        h('p', null, h('strong', null, AFFECTS[a.affects].sign, ' '), workLink(a.work, title(a.work)), ' (ancestor) relicensed ',
          h('code', null, a.from || 'no licence'), ' → ', h('code', null, a.to || 'no licence'),
          Date.parse(a.effectiveTime) > Date.now() ? ' scheduled for ' : ' effective ', timeEl(a.effectiveTime)),
        h('p', null, AFFECTS[a.affects].text),
        a.edges.length ? h('ul', { class: 'small' }, a.edges.map((x) => h('li', null,
          workLink(x.derivative, title(x.derivative)), ' took it ', timeEl(x.taken), ': ',
          x.affected ? 'after the change, so under the new terms.' : 'before the change, so under the old terms.'))) : null,
        h('p', { class: 'small muted' }, a.actor ? `by ${a.actor}` : '', a.note ? ` · ${a.note}` : '')))) : h('p', { class: 'muted' }, 'No upstream work of this one has changed its licence.'),
      h('p', { class: 'small muted' }, read.complete
        ? 'From the event log (every licence change of an ancestor, at any depth, past-dated and scheduled ones included).'
        : 'Only the first pages of the event log were read; it may hold more changes than are shown.'));
    section.dataset.state = 'ready';
    section.dataset.count = String(alerts.length);
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

const AFFECTS = {
  yes: { sign: '⚠', text: 'It affects this work: the material was taken after the change took effect, so the new licence applies.' },
  partly: { sign: '⚠', text: 'It affects part of this work’s lineage: some derivations took the material after the change, some before.' },
  no: { sign: 'ℹ', text: 'It does not affect this work: the material was taken before the change, under the old terms (the audit lists it as “relicensed since”).' },
  unknown: { sign: 'ℹ', text: 'No derivation taking this work’s material was found in the ancestry.' },
};

// ancestorsOf is the set of the work and its ancestors (up to the server's
// depth bound).
async function ancestorsOf(name, signal) {
  const out = new Set([name]);
  let token = '';
  let pages = 0;
  do {
    const resp = await api.ancestors(name, { pageSize: 1000, pageToken: token }, { signal });
    for (const r of resp.ancestors || []) out.add(r.work);
    token = resp.nextPageToken || '';
  } while (token && ++pages < HISTORY_PAGES);
  return out;
}

// derivations lists the derivations where this work is the derivative
// ("derived from") or the source ("derived into").
async function derivations(name, role, section, signal) {
  const other = role === 'derivative' ? 'source' : 'derivative';
  const body = h('tbody');
  const table = h('table', { class: 'derivations' },
    h('caption', { class: 'sr-only' }, role === 'derivative' ? 'Works this work derives from' : 'Works derived from this work'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Work'), h('th', { scope: 'col' }, 'Relation'),
      h('th', { scope: 'col' }, 'Licence then'), h('th', { scope: 'col' }, 'Check'))),
    body);
  const addRows = async (list) => {
    const names = [...new Set(list.map((d) => d[other]))];
    const titles = await titlesOf(names, signal);
    for (const d of list) {
      body.append(h('tr', { class: d.conflict ? 'conflict-row' : null, dataset: { derivation: d.name } },
        h('td', null, workLink(d[other], titles.get(d[other]))),
        h('td', null, RELATIONS[d.relation] ? (role === 'derivative' ? RELATIONS[d.relation].verb : `${relationLabel(d.relation)}`) : relationLabel(d.relation),
          d.note ? h('div', { class: 'small muted' }, d.note) : null),
        h('td', null, h('code', null, d.sourceLicence || '—'), d.derivativeLicence ? [' → ', h('code', null, d.derivativeLicence)] : null),
        h('td', null, d.conflict ? h('span', { class: 'conflict-mark' }, '⚠ Conflict (recorded knowingly)') : verdictBadge(d.verdict?.verdict))));
    }
  };
  try {
    const q = { [role]: name, pageSize: 50 };
    const resp = await api.listDerivations(q, { signal });
    const list = resp.derivations || [];
    await addRows(list);
    let token = resp.nextPageToken;
    replace(section, section.firstChild,
      list.length ? table : h('p', { class: 'muted' }, role === 'derivative' ? 'No recorded sources.' : 'No recorded derivatives.'),
      token ? moreButton('More derivations', async () => {
        const r = await api.listDerivations({ ...q, pageToken: token }, { signal });
        await addRows(r.derivations || []);
        token = r.nextPageToken;
        return !token;
      }) : null);
    section.dataset.count = String(list.length);
  } catch (e) {
    replace(section, section.firstChild, errorBox(e));
  }
}

/** titlesOf resolves to a map from work names to titles (missing ones left out). */
export async function titlesOf(names, signal) {
  const out = new Map();
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    if (!chunk.length) continue;
    try {
      const resp = await api.batchGetWorks(chunk, { signal });
      for (const w of resp.works || []) out.set(w.name, w.title);
    } catch (e) {
      if (e?.name === 'AbortError') throw e;
    }
  }
  return out;
}

export { workId };
