// The curations of a work on its page: what is claimed about its licence
// and by whom, a form to propose one, and accept / reject for reviewers.
import { h, field, replace, loading, timeEl, extLink } from './dom.js';
import { api } from './api.js';
import { errorBox } from './errors.js';
import { licenceBadge } from './components.js';
import { curationsFilter, curationConcerns, curationState, withoutVersion } from './policy.js';

/** curationsSection lists, proposes and reviews the curations of work w. */
export function curationsSection(w, signal) {
  const listEl = h('div', { class: 'curation-list' }, loading());
  const section = h('section', { id: 'curations', 'aria-labelledby': 'h-curations' },
    h('h2', { id: 'h-curations' }, 'Licence curations'),
    h('p', { class: 'small muted' }, 'A curation corrects the licence a work (or its package, over a version range) declares, with evidence. ',
      'Once a reviewer accepts it, audits, attributions, NOTICEs, SBOM exports and policy evaluations take the curated licence and say so.'),
    listEl, proposeForm(w, () => load()), h('p', { class: 'small muted' }, 'Proposing and reviewing take an API key (the panel under Policy findings, or the Register page).'));

  async function load() {
    try {
      const r = await api.listCurations({ filter: curationsFilter(w), pageSize: 100 }, { signal });
      const cs = (r.curations || []).filter((c) => curationConcerns(c, w));
      section.dataset.count = String(cs.length);
      replace(listEl, cs.length ? h('ul', { class: 'curations' }, cs.map((c) => curationItem(c, load, signal)))
        : h('p', { class: 'muted' }, 'No curation proposed.'));
    } catch (e) {
      replace(listEl, errorBox(e));
    }
  }
  load();
  return section;
}

function curationItem(c, reload, signal) {
  const st = curationState(c.state);
  const status = h('span', { class: 'small', role: 'status' });
  const note = h('input', { type: 'text', name: 'reviewNote', 'aria-label': `Review note for ${c.name}`, placeholder: 'note (optional)' });
  const review = (verb) => async () => {
    status.textContent = '';
    try {
      await api.reviewCuration(c.name, verb, note.value.trim(), { signal });
      await reload();
    } catch (e) {
      status.replaceChildren(errorBox(e) || '');
    }
  };
  const open = c.state === 'CURATION_STATE_PROPOSED';
  return h('li', { class: `curation curation-${st.key}`, dataset: { curation: c.name, state: st.key } },
    h('p', null, h('span', { class: `curation-state state-${st.key}` }, st.label), ' ', licenceBadge(c.licence),
      c.purl ? [' for ', h('code', { class: 'break' }, c.purl), c.versions ? [' ', h('code', null, c.versions)] : null] : ' for this work'),
    h('p', { class: 'small' }, 'Evidence: ', extLink(c.evidence?.url),
      c.evidence?.textDigest ? [' · text ', h('code', { class: 'break' }, c.evidence.textDigest)] : null,
      c.evidence?.note ? [' · ', c.evidence.note] : null),
    h('p', { class: 'small muted' }, `${c.name} · proposed by ${c.proposer || '?'} `, timeEl(c.createTime),
      c.reviewer ? ` · ${st.label.toLowerCase()} by ${c.reviewer}` : ''),
    open || c.state === 'CURATION_STATE_ACCEPTED' ? h('p', { class: 'curation-review' }, note, ' ',
      open ? h('button', { type: 'button', onclick: review('accept') }, 'Accept') : null, ' ',
      h('button', { type: 'button', class: 'secondary', onclick: review('reject') }, 'Reject'), ' ', status) : null);
}

function proposeForm(w, reload) {
  const purls = (w.identifiers || []).filter((i) => i.type === 'purl').map((i) => i.value);
  const target = h('select', { name: 'target' },
    h('option', { value: '' }, 'this work'),
    purls.map((p) => [h('option', { value: p }, `the package ${p}`),
      withoutVersion(p) !== p ? h('option', { value: withoutVersion(p) }, `the package ${withoutVersion(p)}, over the versions below`) : null]));
  const versions = h('input', { type: 'text', name: 'versions', spellcheck: 'false', placeholder: 'vers:npm/<1.0.0' });
  const licence = h('input', { type: 'text', name: 'curationLicence', required: true, spellcheck: 'false' });
  const url = h('input', { type: 'url', name: 'evidenceUrl', required: true, placeholder: 'https://…' });
  const note = h('input', { type: 'text', name: 'evidenceNote' });
  const out = h('div', { 'aria-live': 'polite' });
  return h('details', { class: 'propose-curation' }, h('summary', null, 'Propose a curation'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const c = { licence: licence.value.trim(), evidence: { url: url.value.trim(), note: note.value.trim() } };
      if (target.value) {
        c.purl = target.value;
        if (versions.value.trim()) c.versions = versions.value.trim();
      } else {
        c.work = w.name;
      }
      try {
        const made = await api.createCuration(c);
        replace(out, h('p', { class: 'success', dataset: { curation: made.name } }, `Proposed as ${made.name}; a reviewer may now accept it.`));
        await reload();
      } catch (err) {
        replace(out, errorBox(err));
      }
    } },
    field('About', target),
    field('Versions (a vers: range, for a package without a version)', versions),
    field('Licence (SPDX expression)', licence),
    field('Evidence URL', url),
    field('Evidence note', note),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Propose'))), out);
}
