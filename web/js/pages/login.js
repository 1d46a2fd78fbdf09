// Signing in, registering and resetting a password.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, login, register } from '../api.js';
import { go, href } from '../router.js';
import { page, field, form, button, notify } from '../ui.js';

// Where to go after signing in: the ?next= view when it is one of ours.
function next(query) {
  const n = query.get('next') || '';
  return /^\/[A-Za-z0-9/_-]*$/.test(n.split('?')[0]) && n !== '/login' ? n : '/generate';
}

function signIn(view, query) {
  page(view, t('login.title'),
    form(async (data) => {
      await login(data.get('username_or_email'), data.get('password'));
      const [path, q] = next(query).split('?');
      go(path, q ? Object.fromEntries(new URLSearchParams(q)) : undefined);
    },
    field({ label: t('login.who'), name: 'username_or_email', autocomplete: 'username', required: true }),
    field({ label: t('login.password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('div', { class: 'row' }, button(t('login.submit'), null, { kind: 'primary', type: 'submit' }))),
    h('p', null, h('a', { href: href('/register') }, t('login.to_register'))),
    h('p', null, h('a', { href: href('/forgot-password') }, t('login.to_forgot'))));
}

function signUp(view) {
  page(view, t('register.title'),
    form(async (data) => {
      const fields = {
        username: data.get('username'), email: data.get('email'), password: data.get('password'),
      };
      if (data.get('display_name')) fields.display_name = data.get('display_name');
      await register(fields);
      await login(fields.username, fields.password);
      notify(t('register.done'));
      go('/generate');
    },
    field({ label: t('register.username'), name: 'username', autocomplete: 'username', required: true,
      minlength: 3, maxlength: 50, pattern: '[A-Za-z0-9_]+', hint: t('register.username_hint') }),
    field({ label: t('register.email'), name: 'email', type: 'email', autocomplete: 'email', required: true }),
    field({ label: t('register.display_name'), name: 'display_name', autocomplete: 'name' }),
    field({ label: t('register.password'), name: 'password', type: 'password', autocomplete: 'new-password',
      required: true, minlength: 10, hint: t('register.password_hint') }),
    h('div', { class: 'row' }, button(t('register.submit'), null, { kind: 'primary', type: 'submit' }))),
    h('p', null, h('a', { href: href('/login') }, t('register.to_login'))));
}

function forgot(view) {
  const done = h('p', { role: 'status', class: 'done', hidden: true }, t('forgot.sent'));
  page(view, t('forgot.title'),
    h('p', null, t('forgot.intro')),
    form(async (data) => {
      await api('/api/auth/password-reset/request', { method: 'POST', body: { email: data.get('email') } });
      done.hidden = false;
    },
    field({ label: t('register.email'), name: 'email', type: 'email', autocomplete: 'email', required: true }),
    h('div', { class: 'row' }, button(t('forgot.submit'), null, { kind: 'primary', type: 'submit' }))),
    done);
}

// The page the mailed link opens: /reset-password?token=…
function reset(view, query) {
  page(view, t('reset.title'),
    form(async (data) => {
      await api('/api/auth/password-reset/confirm', {
        method: 'POST', body: { token: data.get('token'), new_password: data.get('new_password') },
      });
      notify(t('reset.done'));
      // The token has done its work: drop it from the address bar.
      history.replaceState(null, '', '/#/login');
      go('/login');
    },
    field({ label: t('reset.token'), name: 'token', value: query.get('token') || '', required: true,
      autocomplete: 'off', hint: t('reset.token_hint') }),
    field({ label: t('reset.password'), name: 'new_password', type: 'password', autocomplete: 'new-password',
      required: true, minlength: 10, hint: t('register.password_hint') }),
    h('div', { class: 'row' }, button(t('reset.submit'), null, { kind: 'primary', type: 'submit' }))));
}

export function render(view, { view: which, query }) {
  if (which === 'register') signUp(view);
  else if (which === 'forgot') forgot(view);
  else if (which === 'reset') reset(view, query);
  else signIn(view, query);
}
