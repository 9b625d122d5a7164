// Register: keep an API key for this tab, register a work, record a
// derivation. A derivation the licences do not allow is refused with the
// verdict's reasons, and may then be recorded knowingly, as a conflict.
import { h, field, replace, loading, append } from '../dom.js';
import { api, requestId, workId, ApiError } from '../api.js';
import { errorBox, expressionError, caretView } from '../errors.js';
import { workLink, workHref, reasonsList, verdictBadge, keyPanel } from '../components.js';
import { KINDS, RELATIONS, USES, IDENTIFIER_TYPES } from '../vocab.js';

export default async function register({ main, query }) {
  document.title = 'Register · Stemma explorer';
  main.append(
    h('h1', null, 'Register'),
    h('p', { class: 'lede' }, 'Register a work, or record that one work derives from another. Reading needs no key; registering does.'),
    keyPanel(),
    workSection(),
    derivationSection(query));
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

function rows(makeRow, label) {
  const list = h('div', { class: 'rows' });
  const add = () => {
    const row = makeRow();
    append(row, [h('button', { type: 'button', class: 'secondary small-button', 'aria-label': `Remove this ${label}`, onclick: () => row.remove() }, 'Remove')]);
    list.append(row);
    row.querySelector('input,select')?.focus();
  };
  return { list, add, el: h('div', null, list, h('button', { type: 'button', class: 'secondary', onclick: add }, `Add a ${label}`)) };
}

function workSection() {
  const kind = h('select', { name: 'kind', required: true }, Object.entries(KINDS).map(([v, l]) => h('option', { value: v }, l)));
  const title = h('input', { type: 'text', name: 'title', required: true });
  const description = h('textarea', { name: 'description', rows: 3 });
  const version = h('input', { type: 'text', name: 'version' });
  const licence = h('input', { type: 'text', name: 'licence', spellcheck: 'false', autocapitalize: 'off', placeholder: 'e.g. MIT, CC-BY-4.0, GPL-3.0-or-later' });
  const workIdInput = h('input', { type: 'text', name: 'workId', pattern: '[a-z0-9][a-z0-9-]{0,62}', spellcheck: 'false', autocapitalize: 'off' });
  const digests = h('textarea', { name: 'digests', rows: 2, spellcheck: 'false', placeholder: 'sha256:…' });
  const uris = h('textarea', { name: 'sourceUris', rows: 2, spellcheck: 'false', placeholder: 'https://…' });
  let n = 0;
  const creators = rows(() => {
    n += 1;
    return h('fieldset', { class: 'row' }, h('legend', { class: 'sr-only' }, `Creator ${n}`),
      field('Name', h('input', { type: 'text', name: 'creatorName' })),
      field('Role', h('input', { type: 'text', name: 'creatorRole', placeholder: 'author' })),
      field('URI', h('input', { type: 'url', name: 'creatorUri', placeholder: 'https://orcid.org/…' })));
  }, 'creator');
  const ids = rows(() => h('fieldset', { class: 'row' }, h('legend', { class: 'sr-only' }, 'Identifier'),
    field('Scheme', h('select', { name: 'idType' }, IDENTIFIER_TYPES.map((t) => h('option', { value: t }, t)))),
    field('Identifier', h('input', { type: 'text', name: 'idValue', spellcheck: 'false' }))), 'identifier');
  creators.add();
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h('form', { class: 'work-form', onsubmit: async (e) => {
    e.preventDefault();
    licence.removeAttribute('aria-invalid');
    const lines = (ta) => ta.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const work = {
      kind: kind.value,
      title: title.value.trim(),
      description: description.value.trim(),
      version: version.value.trim(),
      licence: licence.value.trim(),
      creators: [...creators.list.children].map((r) => ({
        name: r.querySelector('[name=creatorName]').value.trim(),
        role: r.querySelector('[name=creatorRole]').value.trim(),
        uri: r.querySelector('[name=creatorUri]').value.trim(),
      })).filter((c) => c.name),
      identifiers: [...ids.list.children].map((r) => ({
        type: r.querySelector('[name=idType]').value,
        value: r.querySelector('[name=idValue]').value.trim(),
      })).filter((i) => i.value),
      digests: lines(digests),
      sourceUris: lines(uris),
    };
    for (const k of Object.keys(work)) {
      if (work[k] === '' || (Array.isArray(work[k]) && !work[k].length)) delete work[k];
    }
    replace(result, loading('Registering'));
    try {
      const w = await api.createWork(work, { requestId: requestId(), workId: workIdInput.value.trim() });
      replace(result, h('div', { class: 'success', role: 'status', dataset: { work: w.name } },
        h('p', null, 'Registered ', workLink(w.name, w.title), ' as ', h('code', null, w.name), '.'),
        h('p', null,
          h('a', { class: 'button secondary', href: `/register?derivative=${encodeURIComponent(w.name)}#derivation` }, 'Record what it derives from'), ' ',
          h('a', { class: 'button secondary', href: workHref(w.name) }, 'Open its page'))));
      form.reset();
    } catch (err) {
      const pe = expressionError(err);
      if (pe && /licence/.test(pe.field || '')) {
        licence.setAttribute('aria-invalid', 'true');
        replace(result, errorBox(err, caretView(licence.value.trim(), pe.position, pe.token)));
      } else {
        replace(result, errorBox(err));
      }
    }
  } },
  field('Kind', kind),
  field('Title', title),
  field('Licence (SPDX expression)', licence, 'Leave empty when the licence is not known.'),
  field('Version', version),
  field('Description', description),
  h('fieldset', null, h('legend', null, 'Creators'), creators.el),
  h('fieldset', null, h('legend', null, 'Identifiers'), ids.el),
  field('Content digests, one per line', digests, 'As algorithm:hex, for example sha256:9f86d0…'),
  field('Where to find it (URLs), one per line', uris),
  field('Identifier in Stemma (optional)', workIdInput, 'Lower-case letters, digits and hyphens; Stemma chooses one when empty.'),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Register the work')));
  return h('section', { id: 'work', 'aria-labelledby': 'h-work', class: 'panel' },
    h('h2', { id: 'h-work' }, 'Register a work'), form, result);
}

/** asWorkName accepts works/x, x, or an explorer URL of a work. */
export function asWorkName(s) {
  const v = String(s || '').trim();
  const m = /\/works\/([^/?#]+)/.exec(v);
  if (m) return `works/${decodeURIComponent(m[1])}`;
  return v ? `works/${workId(v)}` : '';
}

function derivationSection(query) {
  const derivative = h('input', { type: 'text', name: 'derivative', required: true, spellcheck: 'false', autocapitalize: 'off',
    value: query.get('derivative') || '', placeholder: 'works/…' });
  const source = h('input', { type: 'text', name: 'source', required: true, spellcheck: 'false', autocapitalize: 'off',
    value: query.get('source') || '', placeholder: 'works/…' });
  const relation = h('select', { name: 'relation', required: true }, Object.entries(RELATIONS).map(([v, r]) =>
    h('option', { value: v, selected: v === query.get('relation') }, `${r.label} (the derivative is ${r.verb} the source)`)));
  const use = h('select', { name: 'use' }, h('option', { value: '' }, 'As the relation implies'),
    Object.entries(USES).map(([v, l]) => h('option', { value: v }, l)));
  const note = h('input', { type: 'text', name: 'note', placeholder: 'e.g. colours changed' });
  const portion = h('input', { type: 'text', name: 'portion', placeholder: 'e.g. chapter 2' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });

  const submit = async (allowConflict) => {
    const d = {
      derivative: asWorkName(derivative.value),
      source: asWorkName(source.value),
      relation: relation.value,
    };
    if (use.value) d.use = use.value;
    if (note.value.trim()) d.note = note.value.trim();
    if (portion.value.trim()) d.portion = portion.value.trim();
    replace(result, loading(allowConflict ? 'Recording the conflict' : 'Recording'));
    try {
      const rec = await api.createDerivation(d, { requestId: requestId(), allowConflict });
      replace(result, h('div', { class: rec.conflict ? 'success conflict-recorded' : 'success', role: 'status', dataset: { derivation: rec.name, conflict: String(!!rec.conflict) } },
        h('p', null, rec.conflict ? h('strong', null, '⚠ Recorded as a licence conflict: ') : 'Recorded: ',
          workLink(rec.derivative), ` ${RELATIONS[rec.relation]?.verb || 'derives from'} `, workLink(rec.source), ` (${rec.name}).`),
        rec.verdict ? h('p', null, 'Licence check: ', verdictBadge(rec.verdict.verdict)) : null,
        h('p', null, h('a', { class: 'button secondary', href: workHref(rec.derivative, 'tree') }, 'See the family tree'))));
    } catch (err) {
      replace(result, await refusal(err, d, () => submit(true)));
    }
  };

  return h('section', { id: 'derivation', 'aria-labelledby': 'h-derivation', class: 'panel' },
    h('h2', { id: 'h-derivation' }, 'Record a derivation'),
    h('p', { class: 'small' }, 'The derivative’s owner records it. Stemma checks that the source’s licence allows the derivative’s licence for the relation.'),
    h('form', { class: 'derivation-form', onsubmit: (e) => { e.preventDefault(); submit(false); } },
      field('Derivative: the work that derives', derivative, 'Its name (works/…) or its explorer URL.'),
      field('Source: the work it derives from', source),
      field('Relation', relation),
      field('Use of the source', use),
      field('What was done (appears in attributions)', note),
      field('Which part of the source (optional)', portion),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Record the derivation'))),
    result);
}

/**
 * refusal explains a refused derivation. For a licence refusal it shows the
 * verdict's reasons and offers to record the derivation as a conflict.
 */
async function refusal(err, d, recordAnyway) {
  if (!(err instanceof ApiError) || err.code !== 9) return errorBox(err);
  const info = err.detail('ErrorInfo');
  const md = info?.metadata || {};
  const licenceConflict = info?.reason === 'LICENCE_CONFLICT' || (!info?.reason && !/cycle/i.test(err.message));
  if (!licenceConflict) return errorBox(err);
  const box = h('div', { class: 'refusal' });
  let reasons = reasonsFromDetails(err);
  let check = null;
  if (!reasons.length) {
    // The status names the licences and the verdict; the licences service
    // gives the reasons with their sources.
    try {
      let { inbound, outbound } = md;
      if (!inbound || !outbound) {
        const [src, der] = await Promise.all([api.getWork(d.source), api.getWork(d.derivative)]);
        inbound = src.licence;
        outbound = der.licence;
      }
      if (inbound && outbound) {
        check = await api.check({ inbound, outbound, use: md.use || d.use || useOf(d.relation) });
        reasons = check.reasons || [];
      }
    } catch { /* the status alone must do */ }
  }
  // The reasons below say what the status's violations say, with sources.
  const shown = reasons.length
    ? new ApiError({ httpStatus: err.httpStatus, code: err.code, message: err.message, details: err.details.filter((x) => !String(x['@type']).endsWith('.PreconditionFailure')) })
    : err;
  append(box, [
    errorBox(shown,
      check ? h('p', null, h('code', null, check.canonicalInbound), ' into ', h('code', null, check.canonicalOutbound), ': ', verdictBadge(check.verdict)) : null,
      reasons.length ? [h('h3', null, 'Why'), reasonsList(reasons)] : null,
      h('p', null, 'Stemma records what really happened, including what should not have. ',
        h('button', { type: 'button', class: 'danger', onclick: recordAnyway }, 'Record as conflict'))),
  ]);
  return box;
}

function useOf(relation) {
  if (relation === 'RELATION_TRAINING') return 'USE_TRAINING';
  if (relation === 'RELATION_DEPENDENCY') return 'USE_LINK_DYNAMIC';
  return 'USE_INCORPORATE';
}

/** reasonsFromDetails finds verdict reasons carried in an error's details. */
export function reasonsFromDetails(err) {
  const out = [];
  for (const d of err.details || []) {
    if (Array.isArray(d.reasons)) out.push(...d.reasons);
    else if (d.verdict && Array.isArray(d.verdict.reasons)) out.push(...d.verdict.reasons);
  }
  return out;
}
