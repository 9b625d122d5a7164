// Words for the API's enums, and the colours of licence categories. Pure
// data and functions (no DOM), so that the unit tests can import them.

/** CATEGORIES, most to least permissive, as the API orders them. */
export const CATEGORIES = {
  CATEGORY_PUBLIC_DOMAIN: { label: 'Public domain', short: 'PD', colour: '#8fd19e', rank: 1,
    about: 'No conditions: a public-domain dedication or its equivalent.' },
  CATEGORY_PERMISSIVE: { label: 'Permissive', short: 'P', colour: '#4fb286', rank: 2,
    about: 'Use, modify and relicense, keeping the credits and notices.' },
  CATEGORY_WEAK_COPYLEFT_FILE: { label: 'Weak copyleft (file)', short: 'WF', colour: '#56b4e9', rank: 3,
    about: 'Changes to the licensed files stay under the licence; the rest of a larger work may differ.' },
  CATEGORY_WEAK_COPYLEFT_LIBRARY: { label: 'Weak copyleft (library)', short: 'WL', colour: '#7aa6ff', rank: 4,
    about: 'The library stays under the licence; works that link it may differ.' },
  CATEGORY_STRONG_COPYLEFT: { label: 'Strong copyleft', short: 'SC', colour: '#b58cd9', rank: 5,
    about: 'The whole derived or combined work goes out under the same licence.' },
  CATEGORY_NETWORK_COPYLEFT: { label: 'Network copyleft', short: 'NW', colour: '#cc79a7', rank: 6,
    about: 'Strong copyleft that also reaches use over a network.' },
  CATEGORY_SHARE_ALIKE: { label: 'Share-alike', short: 'SA', colour: '#e69f00', rank: 7,
    about: 'Adaptations of the content or data are shared under the same licence.' },
  CATEGORY_NON_COMMERCIAL: { label: 'Non-commercial', short: 'NC', colour: '#d8b365', rank: 8,
    about: 'Commercial use is not allowed.' },
  CATEGORY_NO_DERIVATIVES: { label: 'No derivatives', short: 'ND', colour: '#a6a6a6', rank: 9,
    about: 'Adaptations may not be shared.' },
  CATEGORY_PROPRIETARY_OR_UNKNOWN: { label: 'Proprietary or unknown', short: '?', colour: '#d9d9d9', rank: 10,
    about: 'Proprietary, source-available, or a licence Stemma has not classified.' },
};

/** NO_LICENCE is the pseudo-category of a work without a licence expression. */
export const NO_LICENCE = { label: 'No licence recorded', short: '–', colour: '#f4f4f4', rank: 11,
  about: 'The work has no licence expression: all rights reserved unless its makers say otherwise.' };

/** CONFLICT_COLOUR is reserved for licence conflicts. */
export const CONFLICT_COLOUR = '#c62828';

/** category returns the display record of a category enum name. */
export function category(name) {
  return CATEGORIES[name] || CATEGORIES.CATEGORY_PROPRIETARY_OR_UNKNOWN;
}

export const OBLIGATIONS = {
  OBLIGATION_ATTRIBUTION: ['Credit the authors', 'Name the authors when you share the work or adaptations.'],
  OBLIGATION_NOTICE: ['Keep the notices', 'Keep the copyright and licence notice with the material.'],
  OBLIGATION_STATE_CHANGES: ['State your changes', 'Mark or describe what you changed.'],
  OBLIGATION_DISCLOSE_SOURCE: ['Share the source', 'Make the source available to those who receive the work.'],
  OBLIGATION_SAME_LICENCE: ['Same licence', 'Release adaptations under the same (or a compatible) licence.'],
  OBLIGATION_NETWORK_USE: ['Source for network users', 'Offer the source to users who interact with it over a network.'],
};

export const RELATIONS = {
  RELATION_ADAPTATION: { label: 'adaptation', verb: 'adapted from' },
  RELATION_TRANSLATION: { label: 'translation', verb: 'translated from' },
  RELATION_REMIX: { label: 'remix', verb: 'remixes' },
  RELATION_FORK: { label: 'fork', verb: 'forked from' },
  RELATION_INCLUSION: { label: 'inclusion', verb: 'includes' },
  RELATION_COPY: { label: 'copy', verb: 'copy of' },
  RELATION_DEPENDENCY: { label: 'dependency', verb: 'depends on' },
  RELATION_TRAINING: { label: 'training', verb: 'trained on' },
};

/** relation returns the short label of a relation enum name. */
export function relationLabel(r) {
  return RELATIONS[r]?.label || String(r || 'derivation').replace(/^RELATION_/, '').toLowerCase();
}

export const USES = {
  USE_INCORPORATE: 'Incorporate (modify, adapt or include)',
  USE_LINK_STATIC: 'Link statically',
  USE_LINK_DYNAMIC: 'Link dynamically',
  USE_AGGREGATE: 'Aggregate (distribute beside)',
  USE_NETWORK_SERVICE: 'Run as a network service',
  USE_TRAINING: 'Train a model',
};

/** USE_PHRASES finish "May material under X …" for each use. */
export const USE_PHRASES = {
  USE_INCORPORATE: 'be modified, adapted or included in a work released under',
  USE_LINK_STATIC: 'be linked statically into a work released under',
  USE_LINK_DYNAMIC: 'be linked dynamically by a work released under',
  USE_AGGREGATE: 'be distributed beside (aggregated with) a work released under',
  USE_NETWORK_SERVICE: 'run in a network service whose work is released under',
  USE_TRAINING: 'train a model released under',
};

export const VERDICTS = {
  VERDICT_COMPATIBLE: { label: 'Compatible', cls: 'ok', sign: '✓' },
  VERDICT_INCOMPATIBLE: { label: 'Incompatible', cls: 'bad', sign: '✗' },
  VERDICT_CONDITIONAL: { label: 'Compatible on conditions', cls: 'cond', sign: '!' },
  VERDICT_UNKNOWN: { label: 'Unknown', cls: 'unknown', sign: '?' },
  VERDICT_UNSPECIFIED: { label: 'No verdict', cls: 'unknown', sign: '?' },
};

/** verdict returns the display record of a verdict enum name. */
export function verdict(v) {
  return VERDICTS[v] || VERDICTS.VERDICT_UNSPECIFIED;
}

export const KINDS = {
  WORK_KIND_SOFTWARE: 'Software',
  WORK_KIND_TEXT: 'Text',
  WORK_KIND_IMAGE: 'Image',
  WORK_KIND_AUDIO: 'Audio',
  WORK_KIND_VIDEO: 'Video',
  WORK_KIND_DATASET: 'Data set',
  WORK_KIND_MODEL: 'Model',
  WORK_KIND_OTHER: 'Other',
};

/** kindLabel returns the label of a work kind enum name. */
export function kindLabel(k) {
  return KINDS[k] || 'Unspecified';
}

export const IDENTIFIER_TYPES = ['doi', 'swhid', 'purl', 'isbn', 'iscc', 'url'];

/**
 * classifyQuery says what a search box entry is: a content digest, an
 * identifier of a known scheme, or words to look for in titles.
 * @returns {{by: string, value: string}}
 */
export function classifyQuery(q) {
  const s = String(q || '').trim();
  if (/^(sha1|sha256|sha384|sha512|sha3-256|sha3-512|blake2b|blake3|md5):[0-9a-f]+$/i.test(s)) {
    const [alg, hex] = s.split(':');
    return { by: 'digest', value: `${alg.toLowerCase()}:${hex.toLowerCase()}` };
  }
  if (/^[0-9a-f]{64}$/i.test(s)) return { by: 'digest', value: `sha256:${s.toLowerCase()}` };
  if (/^pkg:/i.test(s)) return { by: 'purl', value: s };
  if (/^swh:1:/i.test(s)) return { by: 'swhid', value: s };
  if (/^(doi:)?10\.\d{4,9}\//i.test(s)) return { by: 'doi', value: s.replace(/^doi:/i, '') };
  if (/^https?:\/\/(dx\.)?doi\.org\/10\./i.test(s)) return { by: 'doi', value: s.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '') };
  if (/^iscc:/i.test(s)) return { by: 'iscc', value: s };
  if (/^(isbn:?\s*)?(97[89][- ]?)?\d{1,5}[- ]?\d+[- ]?\d+[- ]?[\dX]$/i.test(s) && s.replace(/[^\dX]/gi, '').length >= 10
      && s.replace(/[^\dX]/gi, '').length <= 13) {
    return { by: 'isbn', value: s.replace(/^isbn:?\s*/i, '') };
  }
  if (/^https?:\/\//i.test(s)) return { by: 'url', value: s };
  return { by: 'title', value: s };
}

/** filterString quotes a value for an AIP-160 filter. */
export function filterString(v) {
  return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * worksFilter builds the ListWorks filter for a search by title, creator or
 * licence.
 */
export function worksFilter(by, value) {
  switch (by) {
    case 'creator': return `creator = ${filterString(value)}`;
    case 'licence': return `licence_id = ${filterString(value)}`;
    case 'owner': return `owner = ${filterString(value)}`;
    default: return `title : ${filterString(value)}`;
  }
}

/**
 * expressionCategory is the category to colour an expression by: for AND
 * the most restrictive operand (all bind), for OR the most permissive one
 * (the user may choose). cats maps licence ids to category enum names.
 */
export function expressionCategory(tree, cats) {
  if (!tree) return null;
  const rankOf = (c) => category(c).rank;
  const walk = (n) => {
    if (n.kind === 'KIND_LICENCE') return cats[n.licenceId] || 'CATEGORY_PROPRIETARY_OR_UNKNOWN';
    const ops = (n.operands || []).map(walk).filter(Boolean);
    if (!ops.length) return null;
    const pick = n.kind === 'KIND_OR'
      ? ops.reduce((a, b) => (rankOf(b) < rankOf(a) ? b : a))
      : ops.reduce((a, b) => (rankOf(b) > rankOf(a) ? b : a));
    return pick;
  };
  return walk(tree);
}
