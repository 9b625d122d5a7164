// DOM helpers. Every element is built with createElement and text nodes,
// never from HTML strings, so nothing the API returns can become markup.

/**
 * h builds an element. attrs keys: class, text, dataset (object), on<event>
 * (listener), and any other attribute (true sets it empty, false/null skip).
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 * @param {string} tag
 * @param {Record<string, any>|null} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = Boolean(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** append adds children (nested arrays, strings, nodes) to el. */
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

/** clear removes every child of el. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** replace replaces el's children with children. */
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

/** link is an in-app link: the router intercepts it. */
export function link(href, ...children) {
  return h('a', { href }, ...children);
}

/**
 * webURL reports whether href is an absolute http(s) URL, the only kind the
 * explorer links to: works and creators carry URIs their owners write, and a
 * javascript: or data: link would run what its author chose.
 * @param {string} href
 */
export function webURL(href) {
  try {
    const u = new URL(href);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

/**
 * extLink opens another site; it is a navigation, never a request the page
 * makes. Any other URI is shown as text, after the label if there is one.
 */
export function extLink(href, ...children) {
  if (!webURL(href || '')) return h('span', null, ...children, children.length ? ` (${href})` : href);
  return h('a', { href, rel: 'noopener noreferrer external', target: '_blank' }, ...(children.length ? children : [href]));
}

/** loading is a polite busy indicator. */
export function loading(what = 'Loading') {
  return h('p', { class: 'loading', role: 'status' }, `${what}…`);
}

/** field wraps a labelled form control. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** formatTime renders a protobuf timestamp string for people. */
export function formatTime(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** timeEl is a <time> element. */
export function timeEl(ts) {
  return h('time', { datetime: ts || '' }, formatTime(ts));
}

/**
 * latest returns a function that, on each call, aborts the signal it gave
 * the call before and returns a new one (aborted too when parent is): a
 * form submitted twice shows the answer to the second submission only.
 */
export function latest(parent) {
  let current = null;
  return () => {
    current?.abort();
    const c = new AbortController();
    current = c;
    parent?.addEventListener('abort', () => c.abort(), { once: true });
    return c.signal;
  };
}
