// The REST client. Every request goes to the server the page came from
// (relative URLs only), reads are anonymous, writes carry the API key kept
// in this tab's session storage as a bearer token.

const KEY_STORAGE = 'stemma.apiKey';

/** CODES names the google.rpc.Code values. */
export const CODES = {
  0: 'OK', 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE', 12: 'UNIMPLEMENTED',
  13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

/** ApiError is a google.rpc.Status the server (or the client) returned. */
export class ApiError extends Error {
  constructor({ httpStatus = 0, code = 2, message = 'unknown error', details = [] }) {
    super(message);
    this.name = 'ApiError';
    this.httpStatus = httpStatus;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }
  get codeName() { return CODES[this.code] || `code ${this.code}`; }
  /** detail returns the first detail of the given type suffix, e.g. "ErrorInfo". */
  detail(type) {
    return this.details.find((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(`.${type}`));
  }
  /** detailsOf returns every detail of the given type suffix. */
  detailsOf(type) {
    return this.details.filter((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(`.${type}`));
  }
}

/** apiKey returns the key kept for this tab, or ''. */
export function apiKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

/** setApiKey keeps key for this tab only (session storage); '' forgets it. */
export function setApiKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lives for this page only */ }
}

/** qs encodes a query; arrays repeat the parameter, empty values are left out. */
export function qs(query) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, String(x)));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** requestId is a fresh AIP-155 request id. */
export function requestId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * request calls the API. It resolves to the decoded JSON body and rejects
 * with an ApiError, whatever went wrong (network, HTTP, body).
 */
export async function request(method, path, opts = {}) {
  // Reads refused for load (429, 503) are retried twice, after the delay
  // the server asks for (RetryInfo), at most two seconds.
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(method, path, opts);
    } catch (e) {
      const retriable = e instanceof ApiError && (e.code === 8 || e.code === 14) && e.httpStatus && method === 'GET';
      if (!retriable || attempt >= 2 || opts.signal?.aborted) throw e;
      const delay = parseDelay(e.detail('RetryInfo')?.retryDelay) ?? 250 * (attempt + 1);
      await new Promise((r) => setTimeout(r, Math.min(delay, 2000)));
    }
  }
}

function parseDelay(d) {
  const m = /^([\d.]+)s$/.exec(String(d || ''));
  return m ? Number(m[1]) * 1000 : null;
}

async function once(method, path, { query, body, auth = false, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    const key = apiKey();
    if (!key) {
      throw new ApiError({ code: 16, message: 'This needs an API key: enter yours under “API key” (on the Register page, or beside this form).' });
    }
    headers.Authorization = `Bearer ${key}`;
  }
  let resp;
  try {
    resp = await fetch(path + qs(query), {
      method, headers, signal,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError({ code: 14, message: 'The Stemma server could not be reached. Is it running?' });
  }
  const text = await resp.text().catch(() => '');
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (resp.ok) {
    if (data === null && text) throw new ApiError({ httpStatus: resp.status, code: 13, message: 'The server answered with something that is not JSON.' });
    return data ?? {};
  }
  throw responseError(resp, data);
}

// responseError is the ApiError of a failed answer: its google.rpc.Status
// when it has one.
function responseError(resp, data) {
  if (data && typeof data === 'object' && typeof data.message === 'string') {
    return new ApiError({ httpStatus: resp.status, code: Number(data.code) || 2, message: data.message, details: data.details });
  }
  return new ApiError({
    httpStatus: resp.status,
    code: httpToCode(resp.status),
    message: `The server answered ${resp.status} ${resp.statusText || ''}`.trim(),
  });
}

function httpToCode(s) {
  return ({ 400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 413: 3, 429: 8, 501: 12, 503: 14, 504: 4 })[s] || (s >= 500 ? 13 : 2);
}

/** workPath turns "works/abc" or "abc" into the API path of the work. */
export function workPath(name) {
  return `/v1/works/${encodeURIComponent(workId(name))}`;
}

/** workId is the id part of a work's name. */
export function workId(name) {
  return String(name || '').replace(/^works\//, '');
}

export const api = {
  getWork: (name, o) => request('GET', workPath(name), o),
  listWorks: (query, o) => request('GET', '/v1/works', { ...o, query }),
  lookupWorks: (query, o) => request('GET', '/v1/works:lookup', { ...o, query }),
  similarWorks: (query, o) => request('GET', '/v1/works:similar', { ...o, query }),
  // asOf (RFC 3339) gives each work's licence in force at that time.
  batchGetWorks: (names, { asOf, ...o } = {}) => request('GET', '/v1/works:batchGet', { ...o, query: { names, allowMissing: true, asOf } }),
  // Whom the tab's key names; anonymous without one.
  getCaller: (o) => request('GET', '/v1/caller', { ...o, auth: Boolean(apiKey()) }),
  licenceChanges: (name, query, o) => request('GET', `${workPath(name)}/licenceChanges`, { ...o, query }),
  listDerivations: (query, o) => request('GET', '/v1/derivations', { ...o, query }),
  ancestors: (name, query, o) => request('GET', `${workPath(name)}/ancestors`, { ...o, query }),
  descendants: (name, query, o) => request('GET', `${workPath(name)}/descendants`, { ...o, query }),
  audit: (name, query, o) => request('GET', `${workPath(name)}:audit`, { ...o, query }),
  attribution: (name, query, o) => request('GET', `${workPath(name)}/attribution`, { ...o, query }),
  notice: (name, o) => request('GET', `${workPath(name)}/notice`, o),
  check: (body, o) => request('POST', '/v1/compatibility:check', { ...o, body }),
  suggestOutbound: (body, o) => request('POST', '/v1/compatibility:suggestOutbound', { ...o, body }),
  parse: (expression, o) => request('POST', '/v1/expressions:parse', { ...o, body: { expression } }),
  getLicence: (id, o) => request('GET', `/v1/licences/${encodeURIComponent(id)}`, o),
  getException: (id, o) => request('GET', `/v1/exceptions/${encodeURIComponent(id)}`, o),
  createWork: (work, query, o) => request('POST', '/v1/works', { ...o, auth: true, body: work, query }),
  createDerivation: (derivation, query, o) => request('POST', '/v1/derivations', { ...o, auth: true, body: derivation, query }),
  listPolicies: (query, o) => request('GET', '/v1/policies', { ...o, query }),
  getPolicy: (id, o) => request('GET', policyPath(id), o),
  policyRevisions: (id, query, o) => request('GET', `${policyPath(id)}:listRevisions`, { ...o, query }),
  // Evaluation takes a key: it may parse an SBOM of up to the body bound.
  evaluatePolicy: (id, body, o) => request('POST', `${policyPath(id)}:evaluate`, { ...o, auth: true, body }),
  listCurations: (query, o) => request('GET', '/v1/curations', { ...o, query }),
  createCuration: (curation, o) => request('POST', '/v1/curations', { ...o, auth: true, body: curation }),
  reviewCuration: (name, verb, note, o) => request('POST', `/v1/curations/${encodeURIComponent(String(name).replace(/^curations\//, ''))}:${verb}`, { ...o, auth: true, body: { note } }),
};

/**
 * readEvents reads the event log's past for a work's scope, every page of
 * SubscriptionService.ListEvents with the tab's key (a scope beyond the
 * work needs one), up to the log's head when the first page was read.
 * Resolves to {events, complete}: complete is false when maxPages pages
 * did not reach the end.
 */
export async function readEvents(query, { signal, maxPages = 50 } = {}) {
  const events = [];
  let token = '';
  for (let page = 0; page < maxPages; page++) {
    const resp = await request('GET', '/v1/events', { signal, auth: true, query: { ...query, pageSize: 1000, pageToken: token } });
    events.push(...(resp.events || []));
    token = resp.nextPageToken || '';
    if (!token) return { events, complete: true };
  }
  return { events, complete: false };
}

/** policyPath turns "policies/abc" or "abc" into the API path of the policy. */
export function policyPath(name) {
  return `/v1/policies/${encodeURIComponent(String(name || '').replace(/^policies\//, ''))}`;
}
