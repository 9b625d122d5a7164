// ApiErrors as readable messages: a heading that says what kind of problem
// it is, the server's message, and the details that help (fields, reasons).
import { h } from './dom.js';
import { ApiError } from './api.js';

const TITLES = {
  3: 'The request was not accepted',
  4: 'The server took too long',
  5: 'Not found',
  6: 'Already registered',
  7: 'Not allowed',
  8: 'Too many requests',
  9: 'Refused',
  10: 'Changed meanwhile',
  12: 'Not available on this server yet',
  13: 'The server failed',
  14: 'The server is unavailable',
  16: 'An API key is needed',
};

const HINTS = {
  7: 'Only the owner of a work, or an admin, may change it.',
  10: 'Someone changed it since you loaded it: reload and try again.',
  12: 'This part of Stemma is not running on this server.',
  14: 'Try again in a moment.',
  16: 'Enter a valid API key on the Register page; it is kept in this tab only.',
};

/** errorTitle returns the heading for an error. */
export function errorTitle(err) {
  return err instanceof ApiError ? (TITLES[err.code] || 'Something went wrong') : 'Something went wrong';
}

/** detailLines lists the human-readable parts of an error's details. */
export function detailLines(err) {
  if (!(err instanceof ApiError)) return [];
  const lines = [];
  for (const br of err.detailsOf('BadRequest')) {
    for (const v of br.fieldViolations || []) {
      if (v.description && v.description !== err.message) lines.push(v.field ? `${v.field}: ${v.description}` : v.description);
    }
  }
  for (const pf of err.detailsOf('PreconditionFailure')) {
    for (const v of pf.violations || []) {
      if (v.description && v.description !== err.message) lines.push(v.description);
    }
  }
  for (const ri of err.detailsOf('RetryInfo')) {
    if (ri.retryDelay) lines.push(`Try again after ${ri.retryDelay}.`);
  }
  for (const lm of err.detailsOf('LocalizedMessage')) {
    if (lm.message) lines.push(lm.message);
  }
  return [...new Set(lines)];
}

/** errorBox renders err as an alert. extra nodes follow the details. */
export function errorBox(err, ...extra) {
  if (err?.name === 'AbortError') return null;
  const msg = err instanceof ApiError ? err.message : String(err?.message || err);
  const lines = detailLines(err);
  const hint = err instanceof ApiError ? HINTS[err.code] : null;
  return h('div', { class: 'error', role: 'alert', dataset: { code: err instanceof ApiError ? err.codeName : 'CLIENT' } },
    h('p', { class: 'error-title' }, h('strong', null, errorTitle(err))),
    h('p', { class: 'error-message' }, capitalise(msg)),
    lines.length ? h('ul', { class: 'error-details' }, lines.map((l) => h('li', null, l))) : null,
    hint ? h('p', { class: 'hint' }, hint) : null,
    ...extra);
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/**
 * expressionError finds the position of a bad token in an expression error
 * (ErrorInfo metadata or "at position N" in the message).
 * @returns {{field: string, position: number, token: string}|null}
 */
export function expressionError(err) {
  if (!(err instanceof ApiError) || err.code !== 3) return null;
  const info = err.detail('ErrorInfo');
  const md = info?.metadata || {};
  let pos = md.position !== undefined ? Number(md.position) : NaN;
  if (Number.isNaN(pos)) {
    const m = /at position (\d+)/.exec(err.message);
    if (m) pos = Number(m[1]);
  }
  if (Number.isNaN(pos)) return null;
  let fieldName = md.field || '';
  if (!fieldName) {
    const fv = err.detail('BadRequest')?.fieldViolations?.[0];
    fieldName = fv?.field || '';
  }
  return { field: fieldName, position: pos, token: md.token || '' };
}

/**
 * caretView shows an expression with the offending token marked, with a
 * caret underneath, for a parse error at position (0-based or 1-based, as
 * the server counts).
 */
export function caretView(expression, position, token) {
  const start = tokenStart(expression, position, token);
  const len = Math.max(1, token ? token.length : 1);
  const before = expression.slice(0, start);
  const bad = expression.slice(start, start + len) || ' ';
  const after = expression.slice(start + len);
  return h('div', { class: 'caret-view', dataset: { position: String(start) } },
    h('code', null, before, h('mark', { class: 'bad-token', title: 'here' }, bad), after),
    h('code', { 'aria-hidden': 'true', class: 'caret-line' }, ' '.repeat(start) + '^'.repeat(len)),
    h('span', { class: 'sr-only' }, `The problem is at character ${start + 1}${token ? `, “${token}”` : ''}.`));
}

/** tokenStart works out where a reported position points. */
export function tokenStart(expression, position, token) {
  const p = Math.max(0, Math.min(position, expression.length));
  if (token) {
    if (expression.startsWith(token, p)) return p;
    if (p > 0 && expression.startsWith(token, p - 1)) return p - 1;
    const i = expression.indexOf(token);
    if (i >= 0) return i;
  }
  return p;
}
