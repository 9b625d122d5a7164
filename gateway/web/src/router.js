// A small History-API router: every page has a real URL (the gateway
// answers deep links with the explorer), in-app links are intercepted, and
// the page that is left is told to stop its requests.

const routes = [];
let current = null;
let outlet = null;
let onChange = () => {};
let first = true;

/** route registers a page for a path pattern such as "/works/:id/tree". */
export function route(pattern, page) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/\/:([a-zA-Z]+)/g, (_, k) => { keys.push(k); return '/([^/]+)'; })}/?$`);
  routes.push({ re, keys, page });
}

/** match finds the page and parameters of a path. */
export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { page: r.page, params };
    }
  }
  return null;
}

/** navigate goes to an in-app URL. */
export function navigate(url, { replace = false } = {}) {
  const u = new URL(url, location.href);
  if (u.origin !== location.origin) { location.href = u.href; return; }
  if (replace) history.replaceState(null, '', u.pathname + u.search + u.hash);
  else history.pushState(null, '', u.pathname + u.search + u.hash);
  render();
}

/**
 * setQuery replaces the current URL's query without re-rendering, so that
 * what a page shows can be shared as it is.
 */
export function setQuery(params, { push = false } = {}) {
  const u = new URL(location.href);
  u.search = '';
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (Array.isArray(v)) v.forEach((x) => u.searchParams.append(k, x));
    else u.searchParams.set(k, String(v));
  }
  const next = u.pathname + u.search + u.hash;
  if (next === location.pathname + location.search + location.hash) return;
  if (push) history.pushState(null, '', next);
  else history.replaceState(null, '', next);
}

/** start mounts the router on the main element. */
export function start(main, changed) {
  outlet = main;
  onChange = changed || onChange;
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest?.('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.getAttribute('rel')?.includes('external')) return;
    const u = new URL(a.href, location.href);
    if (u.origin !== location.origin || u.pathname.startsWith('/v1/') || u.pathname === '/openapi.json') return;
    e.preventDefault();
    if (u.pathname === location.pathname && u.search === location.search && u.hash) {
      const target = document.getElementById(decodeURIComponent(u.hash.slice(1)));
      if (target) {
        if (!target.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) target.setAttribute('tabindex', '-1');
        target.focus({ preventScroll: true });
        target.scrollIntoView();
      }
      return;
    }
    navigate(u.href);
  });
  window.addEventListener('popstate', () => render());
  render();
}

/** render shows the page of the current URL. */
export async function render() {
  if (current) current.abort();
  const isFirst = first;
  first = false;
  const controller = new AbortController();
  current = controller;
  const found = match(location.pathname);
  const query = new URLSearchParams(location.search);
  outlet.replaceChildren();
  outlet.setAttribute('aria-busy', 'true');
  onChange(location.pathname);
  try {
    const page = found ? found.page : (await import('./pages/notfound.js')).default;
    await page({ main: outlet, params: found?.params || {}, query, signal: controller.signal });
  } catch (e) {
    if (e?.name !== 'AbortError') {
      const { errorBox, errorTitle } = await import('./errors.js');
      if (!outlet.querySelector('h1')) {
        const h1 = document.createElement('h1');
        h1.textContent = errorTitle(e);
        outlet.prepend(h1);
      }
      outlet.append(errorBox(e));
    }
  } finally {
    if (current === controller) outlet.removeAttribute('aria-busy');
  }
  if (current === controller && !isFirst) {
    // After an in-app navigation, move focus to the new page's heading so
    // that keyboard and screen-reader users start at the top of it.
    const heading = outlet.querySelector('h1');
    if (heading && (document.activeElement === document.body || !document.activeElement?.isConnected)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
}
