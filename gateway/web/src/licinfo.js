// Cached answers of the licences service: licences, exceptions and parsed
// expressions do not change while a page is open.
import { api } from './api.js';
import { expressionCategory } from './vocab.js';

const licences = new Map();
const exceptions = new Map();
const expressions = new Map();

/** licence resolves to the licence record of an SPDX id (null for a LicenseRef). */
export function licence(id) {
  if (/^(LicenseRef|DocumentRef)-/i.test(id)) return Promise.resolve(null);
  if (!licences.has(id)) {
    const p = api.getLicence(id).catch((e) => { licences.delete(id); throw e; });
    licences.set(id, p);
  }
  return licences.get(id);
}

/** exception resolves to the exception record of an SPDX exception id. */
export function exception(id) {
  if (!exceptions.has(id)) {
    const p = api.getException(id).catch((e) => { exceptions.delete(id); throw e; });
    exceptions.set(id, p);
  }
  return exceptions.get(id);
}

/** parse resolves to the parsed expression (canonical, licenceIds, tree). */
export function parse(expr) {
  if (!expressions.has(expr)) {
    const p = api.parse(expr).catch((e) => { expressions.delete(expr); throw e; });
    expressions.set(expr, p);
  }
  return expressions.get(expr);
}

/**
 * categoryOf resolves to the category enum name to colour an expression
 * by, '' for no expression, or CATEGORY_PROPRIETARY_OR_UNKNOWN when it
 * cannot be read.
 */
export async function categoryOf(expr) {
  if (!expr) return '';
  try {
    const parsed = await parse(expr);
    const cats = {};
    await Promise.all((parsed.licenceIds || []).map(async (id) => {
      try {
        const l = await licence(id);
        cats[id] = l?.category || 'CATEGORY_PROPRIETARY_OR_UNKNOWN';
      } catch {
        cats[id] = 'CATEGORY_PROPRIETARY_OR_UNKNOWN';
      }
    }));
    return expressionCategory(parsed.tree, cats) || 'CATEGORY_PROPRIETARY_OR_UNKNOWN';
  } catch {
    return 'CATEGORY_PROPRIETARY_OR_UNKNOWN';
  }
}
