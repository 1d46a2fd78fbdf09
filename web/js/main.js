// The page's shell: header, navigation, language and theme, and the routes.
import { h, clear, append } from './dom.js';
import { t, languages, lang, detect, setLang, onLangChange } from './i18n.js';
import { restore, signedIn, user, logout, onSession } from './api.js';
import { setRoutes, start, resolve, go, href, currentRoute } from './router.js';
import { page, empty, errorText } from './ui.js';
import { followSavedPreferences } from './parts/account.js';

// Every view: its path, its module in js/pages/ (loaded when first opened),
// who may open it, and its entry in the navigation (a catalogue key).
const pages = (name) => () => import(`./pages/${name}.js`);
const routes = [
  { path: '/', load: pages('generate'), auth: true },
  { path: '/login', load: pages('login'), view: 'login' },
  { path: '/register', load: pages('login'), view: 'register' },
  { path: '/forgot-password', load: pages('login'), view: 'forgot' },
  { path: '/reset-password', load: pages('login'), view: 'reset' },
  { path: '/generate', load: pages('generate'), auth: true, nav: 'nav.generate' },
  { path: '/batch', load: pages('batch'), auth: true, nav: 'nav.batch' },
  { path: '/batch/:id', load: pages('batch'), auth: true, view: 'one' },
  { path: '/gallery', load: pages('gallery'), auth: true, nav: 'nav.gallery' },
  { path: '/image/:id', load: pages('image'), auth: true },
  { path: '/projects', load: pages('projects'), auth: true, nav: 'nav.projects' },
  { path: '/projects/:id', load: pages('projects'), auth: true, view: 'one' },
  { path: '/shared/:token', load: pages('shared') },
  { path: '/assistant', load: pages('assistant'), auth: true, nav: 'nav.assistant' },
  { path: '/analytics', load: pages('analytics'), auth: true, nav: 'nav.analytics' },
  { path: '/monitoring', load: pages('monitoring'), auth: true, admin: true, nav: 'nav.monitoring' },
  { path: '/account', load: pages('account'), auth: true, nav: 'nav.account' },
];

const THEME_KEY = 'ig.theme';

// theme: 'light', 'dark' or 'system' (follows the operating system).
export function setTheme(theme, { remember = true } = {}) {
  const value = ['light', 'dark'].includes(theme) ? theme : 'system';
  document.documentElement.dataset.theme = value;
  if (remember) localStorage.setItem(THEME_KEY, value);
}

function header() {
  const u = user();
  const active = currentRoute() ? currentRoute().route.path : '';
  const links = routes.filter((r) => r.nav && (!r.auth || u) && (!r.admin || (u && u.role === 'admin')))
    .map((r) => h('li', null, h('a', {
      href: href(r.path), 'aria-current': active === r.path || (active.startsWith(r.path + '/') && r.path !== '/') ? 'page' : null,
    }, t(r.nav))));
  const langSelect = h('select', {
    id: 'lang', 'aria-label': t('shell.language'),
    onchange: (ev) => setLang(ev.target.value),
  }, languages.map((l) => h('option', { value: l.code, selected: l.code === lang(), lang: l.code }, l.name)));
  const account = u
    ? h('div', { class: 'who' },
      h('span', { class: 'user-name' }, u.display_name || u.username),
      h('button', {
        type: 'button', class: 'btn link',
        onclick: async () => { await logout().catch(() => {}); go('/login'); },
      }, t('shell.logout')))
    : h('div', { class: 'who' }, h('a', { href: href('/login') }, t('shell.login')));
  return [
    h('a', { class: 'skip', href: '#main' }, t('shell.skip')),
    h('div', { class: 'bar' },
      h('a', { class: 'brand', href: href('/generate') }, 'imagegen'),
      h('nav', { 'aria-label': t('shell.nav') }, h('ul', null, links)),
      h('div', { class: 'tools' }, langSelect, account)),
  ];
}

function renderHeader() {
  const el = document.getElementById('top');
  append(clear(el), header());
  // The skip link targets <main>, not the hash router.
  el.querySelector('.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    document.getElementById('main').focus();
  });
}

async function mount(cur) {
  const view = document.getElementById('main');
  renderHeader();
  try {
    const mod = await cur.route.load();
    const cleanup = await mod.render(view, { params: cur.params, query: cur.query, view: cur.route.view });
    const title = view.querySelector('h1');
    if (title && document.activeElement === document.body) title.focus({ preventScroll: true });
    return cleanup;
  } catch (err) {
    page(view, t('error.title'), h('p', { role: 'alert' }, errorText(err)));
    return null;
  }
}

async function boot() {
  await setLang(detect(), { remember: false });
  setTheme(localStorage.getItem(THEME_KEY) || 'system', { remember: false });
  // Signing in (or resuming a session) applies the theme and language the user saved.
  followSavedPreferences(setTheme);
  await restore();
  setRoutes(routes, {
    render: mount,
    notFound: () => {
      renderHeader();
      page(document.getElementById('main'), t('error.not_found_title'), empty(t('error.not_found')));
    },
    // Signed-out visitors of a private view sign in first, then come back.
    before: (route, path, query) => {
      if (route.auth && !signedIn()) return { path: '/login', query: { next: path + (query.toString() ? '?' + query : '') } };
      if ((route.view === 'login' || route.view === 'register') && signedIn()) return { path: '/generate' };
      return null;
    },
  });
  onLangChange(() => resolve());
  onSession(() => renderHeader());
  await start();
}

boot();
