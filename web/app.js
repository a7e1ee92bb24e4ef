// crisk's web UI: a hash router over the pages, the header (navigation, language, logout) and
// the login form. Plain ES modules, no framework (docs/web.md).
import { h, clear, api, session, errorBox, ApiError } from './util.js';
import { t, lang, setLang, onLang } from './i18n.js';
import { disposeAll } from './charts.js';
import { dashboardPage } from './page-dashboard.js';
import { searchPage, portraitPage } from './page-enterprise.js';
import { modelPage, quarantinePage, auditPage, usersPage } from './page-admin.js';
import { warningsPage, warningPage, tasksPage, taskPage } from './page-workflow.js';
import { plansPage, planPage, drawPage, inspectionsPage, jobsPage } from './page-inspect.js';

const READERS = ['city_admin', 'city_analyst', 'district', 'street', 'grid'];
const CITY = ['city_admin', 'city_analyst'];

// Pages: route → [nav label key or null, roles, the API path the page needs, render].
const PAGES = {
  dashboard: ['nav.dashboard', READERS, '/api/v1/runs/{run}/levels', dashboardPage],
  search: ['nav.search', READERS, '/api/v1/enterprises', searchPage],
  firm: [null, READERS, '/api/v1/enterprises/{uscc}', portraitPage],
  warnings: ['nav.warnings', READERS, '/api/v1/warnings', warningsPage],
  warning: [null, READERS, '/api/v1/warnings/{id}', warningPage],
  tasks: ['nav.tasks', READERS, '/api/v1/tasks', tasksPage],
  task: [null, READERS, '/api/v1/tasks/{id}', taskPage],
  plans: ['nav.plans', READERS, '/api/v1/plans', plansPage],
  plan: [null, READERS, '/api/v1/plans/{id}', planPage],
  draw: [null, READERS, '/api/v1/draws/{id}', drawPage],
  inspections: ['nav.inspections', READERS, '/api/v1/inspections', inspectionsPage],
  jobs: ['nav.jobs', CITY, '/api/v1/jobs', jobsPage],
  model: ['nav.model', READERS.concat(['auditor']), '/api/v1/model', modelPage],
  quarantine: ['nav.quarantine', CITY, '/api/v1/quarantine', quarantinePage],
  audit: ['nav.audit', ['auditor', 'city_admin'], '/api/v1/audit', auditPage],
  users: ['nav.users', ['city_admin'], '/api/v1/users', usersPage],
};

const state = { me: null, routes: null };

// The API paths the server has (its openapi.json): pages of routes not built are left out.
async function loadRoutes() {
  if (state.routes) return state.routes;
  try {
    const doc = await fetch('/api/v1/openapi.json').then((r) => r.json());
    state.routes = new Set(Object.keys(doc.paths || {}));
  } catch {
    state.routes = new Set();
  }
  return state.routes;
}

function allowed(name) {
  const p = PAGES[name];
  return p && state.me && p[1].includes(state.me.role) && state.routes.has(p[2]);
}

function home() {
  return allowed('dashboard') ? 'dashboard' : allowed('audit') ? 'audit' : 'model';
}

function renderHeader() {
  const nav = clear(document.getElementById('nav'));
  const who = clear(document.getElementById('who'));
  const logout = document.getElementById('logout');
  document.getElementById('lang').textContent = lang() === 'zh' ? 'English' : '中文';
  logout.textContent = t('nav.logout');
  logout.hidden = !state.me;
  if (!state.me) return;
  const current = (location.hash.slice(2).split(/[/?]/)[0]) || home();
  for (const [name, p] of Object.entries(PAGES))
    if (p[0] && allowed(name))
      nav.append(h('a', { href: '#/' + name, class: name === current ? 'active' : '', 'data-page': name }, t(p[0])));
  who.append(t('role.' + state.me.role), state.me.scope ? ' ' + state.me.scope : '', ' · ', state.me.name);
}

function loginPage(main, params) {
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { id: 'login-msg' });
  const form = h('form', { class: 'login card', id: 'login-form' },
    h('h1', {}, t('login.title')),
    h('label', {}, t('login.name'), name),
    h('label', {}, t('login.password'), password),
    h('button', { type: 'submit', id: 'login-submit' }, t('login.submit')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    try {
      const r = await api('/login', { method: 'POST', body: { name: name.value, password: password.value } });
      session.csrf = r.csrf_token;
      state.me = { name: r.name, role: r.role, scope: r.scope };
      const target = params.get('next') || '#/' + home();
      if (location.hash === target) route();
      else location.hash = target;
    } catch (e) {
      msg.append(e instanceof ApiError && e.status === 401 ? h('p', { class: 'error', role: 'alert' }, t('login.bad'))
        : e instanceof ApiError && e.status === 429 ? h('p', { class: 'error', role: 'alert' }, t('login.limited'))
          : errorBox(e));
    }
  });
  main.append(form);
  name.focus();
}

let generation = 0;
export async function route() {
  const my = ++generation;
  delete document.body.dataset.rendered;
  disposeAll();
  // Each visit renders into a fresh container: a page still loading when the user moves on
  // writes into its own detached container, never into the next page.
  const main = h('div', { class: 'page' });
  document.getElementById('main').replaceChildren(main);
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  await loadRoutes();
  if (!state.me) {
    try {
      state.me = await api('/me');
    } catch {
      state.me = null;
    }
  }
  if (my !== generation) return;
  renderHeader();
  if (!state.me || parts[0] === 'login') {
    if (state.me) { location.hash = '#/' + home(); return; }
    document.title = t('login.title') + ' · crisk';
    loginPage(main, params);
    rendered(my);
    return;
  }
  const name = parts[0] || home();
  if (!allowed(name)) {
    main.append(h('p', { class: 'error' }, t('common.no_page')));
    rendered(my);
    return;
  }
  document.body.dataset.page = name;
  document.title = t(PAGES[name][0] || 'nav.' + name) + ' · crisk';
  try {
    await PAGES[name][3](main, { args: parts.slice(1), params, me: state.me, routes: state.routes, stale: () => my !== generation });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      state.me = null;
      session.csrf = '';
      location.hash = '#/login';
      return;
    }
    main.append(errorBox(e));
  }
  rendered(my);
}

// Marks the page as drawn (its data loaded; charts draw on the next frames): the end-to-end
// test waits for this rather than for elements an earlier page may also have had.
function rendered(my) {
  if (my === generation) document.body.dataset.rendered = location.hash || '#/';
}

document.getElementById('lang').addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
document.getElementById('logout').addEventListener('click', async () => {
  try { await api('/logout', { method: 'POST' }); } catch { /* the session may have ended already */ }
  state.me = null;
  session.csrf = '';
  location.hash = '#/login';
});
onLang(() => route());
window.addEventListener('hashchange', () => route());
route();
