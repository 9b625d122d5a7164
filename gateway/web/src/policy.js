// What the policy and curation pages share, kept free of the DOM so that
// the unit tests run it under node.

/** ACTIONS are the display records of a finding's action: words and a sign, never a colour alone. */
export const ACTIONS = {
  POLICY_ACTION_DENY: { key: 'deny', label: 'Denied', sign: '✗' },
  POLICY_ACTION_REVIEW: { key: 'review', label: 'Needs review', sign: '?' },
  POLICY_ACTION_ALLOW: { key: 'allow', label: 'Allowed', sign: '✓' },
};

/** OUTCOMES are the display records of an evaluation's outcome. */
export const OUTCOMES = {
  POLICY_OUTCOME_PASS: { key: 'pass', label: 'Pass', sign: '✓' },
  POLICY_OUTCOME_REVIEW: { key: 'review', label: 'Needs review', sign: '?' },
  POLICY_OUTCOME_DENY: { key: 'deny', label: 'Denied', sign: '✗' },
};

/** action returns the display record of a finding's action. */
export function action(a) {
  return ACTIONS[a] || { key: 'unknown', label: 'Unknown', sign: '?' };
}

/** outcome returns the display record of an evaluation's outcome (a missing one passed). */
export function outcome(o) {
  return OUTCOMES[o] || OUTCOMES.POLICY_OUTCOME_PASS;
}

const RANK = { deny: 2, review: 1 };

/**
 * policyMarks maps each work an ancestry evaluation found against to the
 * worst of its findings' actions, "deny" or "review": the family tree
 * marks those works. Exempted findings and findings about a product
 * outside the registry are left out.
 */
export function policyMarks(findings) {
  const marks = new Map();
  for (const f of findings || []) {
    const k = action(f.action).key;
    if (!f.work || f.exemption || !RANK[k]) continue;
    if ((RANK[marks.get(f.work)] || 0) < RANK[k]) marks.set(f.work, k);
  }
  return marks;
}

/** findingTitle names a finding's subject: its title and version, or its reference. */
export function findingTitle(f) {
  const t = f.title || f.subject || f.work || '?';
  return f.version ? `${t}@${f.version}` : t;
}

/**
 * purlBase is a package URL without its version, qualifiers and subpath:
 * pkg:npm/%40scope/lib@1.0.0?x=y#sub → pkg:npm/%40scope/lib.
 */
export function purlBase(purl) {
  return withoutVersion(purl).toLowerCase();
}

/** withoutVersion is a package URL naming the package, any version: what a curation over a range names. */
export function withoutVersion(purl) {
  const p = String(purl || '').split('#')[0].split('?')[0];
  const at = p.lastIndexOf('@');
  return at > p.lastIndexOf('/') ? p.slice(0, at) : p;
}

/**
 * curationsFilter is the AIP-160 filter that lists the curations that may
 * concern a work: those naming it, and those naming its packages (by
 * substring; curationConcerns then keeps the exact ones).
 */
export function curationsFilter(work) {
  const q = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const parts = [`work = ${q(work.name)}`];
  for (const p of purls(work)) parts.push(`purl : ${q(purlBase(p))}`);
  return parts.join(' OR ');
}

/**
 * curationConcerns says whether a curation is about the work: it names
 * the work, or a package of the work, the same package by its base and,
 * when the curation names a version, that version. (The server decides
 * version ranges; a curation over a range is listed, with its range.)
 */
export function curationConcerns(c, work) {
  if (c.work) return c.work === work.name;
  if (!c.purl) return false;
  return purls(work).some((p) => {
    if (purlBase(p) !== purlBase(c.purl)) return false;
    const want = versionOf(c.purl);
    return !want || want === (versionOf(p) || work.version || '');
  });
}

function purls(work) {
  return (work.identifiers || []).filter((i) => i.type === 'purl').map((i) => i.value);
}

function versionOf(purl) {
  const p = String(purl).split('#')[0].split('?')[0];
  const at = p.lastIndexOf('@');
  return at > p.lastIndexOf('/') ? p.slice(at + 1) : '';
}

/** CURATION_STATES are the display records of a curation's state. */
export const CURATION_STATES = {
  CURATION_STATE_PROPOSED: { key: 'proposed', label: 'Proposed' },
  CURATION_STATE_ACCEPTED: { key: 'accepted', label: 'Accepted' },
  CURATION_STATE_REJECTED: { key: 'rejected', label: 'Rejected' },
};

/** curationState returns the display record of a curation's state. */
export function curationState(s) {
  return CURATION_STATES[s] || { key: 'unknown', label: 'Unknown' };
}

/** toBase64 encodes bytes (an uploaded file's) as the JSON mapping of a proto bytes field wants. */
export function toBase64(bytes) {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}
