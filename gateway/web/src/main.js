// The explorer's entry point: routes and the page shell.
import './style.css';
import { route, start } from './router.js';
import find from './pages/find.js';
import work from './pages/work.js';
import check from './pages/check.js';
import suggest from './pages/suggest.js';
import register from './pages/register.js';
import licencePage from './pages/licence.js';
import { list as policies, view as policy } from './pages/policies.js';

// The family tree pulls in the graph libraries; load them only there.
const tree = async (ctx) => (await import('./pages/tree.js')).default(ctx);
const audit = async (ctx) => (await import('./pages/audit.js')).default(ctx);

route('/', find);
route('/works/:id', work);
route('/works/:id/tree', tree);
route('/works/:id/audit', audit);
route('/check', check);
route('/suggest', suggest);
route('/register', register);
route('/licences/:id', licencePage);
route('/policies', policies);
route('/policies/:id', policy);

const NAV = { '/': 'find', '/check': 'check', '/suggest': 'suggest', '/register': 'register', '/policies': 'policies' };

start(document.getElementById('main'), (path) => {
  const active = NAV[path] || (path.startsWith('/works/') ? 'find' : path.startsWith('/policies/') ? 'policies' : '');
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
});
