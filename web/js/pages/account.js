// The account page: profile and password, personal API keys (a new key is
// shown once), stored provider keys (only their last four characters, with
// a test button), preferences (defaults for generating; theme and language,
// applied at once), recent activity, and deleting the account.
import { h, clear, append } from '../dom.js';
import { t, formatDate, languages } from '../i18n.js';
import { api, user, setUser, logout } from '../api.js';
import { go } from '../router.js';
import { setTheme } from '../main.js';
import {
  page, field, form, button, busy, notify, copyButton, confirmDialog, empty, spinner, errorText,
} from '../ui.js';
import { loadProviders, providerName, applyPreferences, state, labelledTable } from '../parts/account.js';

const STORED_PROVIDERS = ['gemini', 'openai', 'stability', 'huggingface', 'replicate', 'local_ai'];
const COMMON_SIZES = ['256x256', '512x512', '768x768', '1024x1024', '1024x768', '768x1024', '1536x1024',
  '1024x1536', '1792x1024', '1024x1792', '2048x2048'];
const EXPIRIES = [['', 'account.expiry_never'], ['86400', 'account.expiry_1d'], ['604800', 'account.expiry_7d'],
  ['2592000', 'account.expiry_30d'], ['7776000', 'account.expiry_90d'], ['31536000', 'account.expiry_365d']];
const KINDS = ['registered', 'login', 'login_failed', 'logout', 'logout_all', 'password_changed',
  'password_reset_requested', 'email_changed', 'email_confirmed', 'profile_updated', 'api_key_created',
  'api_key_revoked', 'provider_key_added', 'provider_key_deleted', 'refresh_token_reused', 'share_created',
  'share_received', 'share_revoked', 'project_member_added', 'comment_reply', 'comment_on_image',
  'webhook_secret_rotated'];

function section(id, title, ...children) {
  return h('section', { class: 'card account-section', 'aria-labelledby': id },
    h('h2', { id }, title), children);
}

function failure(err) {
  return h('p', { class: 'form-error', role: 'alert' }, errorText(err));
}

function when(iso) {
  return iso ? formatDate(iso) : '—';
}

// — Profile and password —

function profile() {
  const u = user() || {};
  const status = h('p', { role: 'status', class: 'muted' });
  const f = form(async (fd, el) => {
    const body = {};
    const name = fd.get('display_name').trim();
    if (name !== (u.display_name || '')) body.display_name = name || null;
    const email = fd.get('email').trim();
    if (email !== u.email) {
      body.email = email;
      body.current_password = fd.get('current_password');
    }
    if (!Object.keys(body).length) {
      status.textContent = t('account.nothing_changed');
      return;
    }
    const r = await api('/api/user', { method: 'PUT', body });
    Object.assign(u, r.user);
    setUser(r.user);
    el.querySelector('[name=current_password]').value = '';
    status.textContent = r.user.email_confirmed === false ? t('account.email_pending') : t('common.saved');
    notify(t('common.saved'));
  },
  h('p', null, t('account.username'), ' ', h('strong', null, u.username || ''),
    u.role === 'admin' ? h('span', { class: 'badge' }, t('account.admin')) : null),
  field({ label: t('account.display_name'), name: 'display_name', value: u.display_name || '', maxlength: 100, autocomplete: 'name' }),
  field({ label: t('account.email'), name: 'email', type: 'email', value: u.email || '', autocomplete: 'email', required: true,
    hint: u.email_confirmed === false ? t('account.email_unconfirmed') : null }),
  field({ label: t('account.current_password'), name: 'current_password', type: 'password', autocomplete: 'current-password',
    hint: t('account.current_password_hint') }),
  h('div', { class: 'row' }, button(t('account.save_profile'), null, { kind: 'primary', type: 'submit' })),
  status);
  return section('ac-profile', t('account.profile'), f);
}

function password() {
  const f = form(async (fd) => {
    const r = await api('/api/user', {
      method: 'PUT', body: { current_password: fd.get('current_password'), new_password: fd.get('new_password') },
    });
    // A new password ends every session, this one too: sign in again.
    await logout().catch(() => {});
    notify(t('account.password_changed', { keys: (r.revoked && r.revoked.api_keys) || 0 }));
    go('/login');
  },
  h('p', { class: 'muted' }, t('account.password_intro')),
  field({ label: t('account.current_password'), name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
  field({ label: t('account.new_password'), name: 'new_password', type: 'password', autocomplete: 'new-password', required: true,
    minlength: 10, hint: t('register.password_hint') }),
  h('div', { class: 'row' }, button(t('account.change_password'), null, { kind: 'primary', type: 'submit' })));
  return section('ac-password', t('account.password'), f);
}

// — Personal API keys —

function apiKeys(keysState) {
  const list = h('div', null, spinner());
  const reveal = h('div', { class: 'new-key-slot' });

  const draw = () => {
    const keys = keysState.data ? keysState.data.api_keys : [];
    clear(list);
    if (keysState.error) { append(list, failure(keysState.error)); return; }
    if (!keys.length) { append(list, empty(t('account.no_api_keys'))); return; }
    append(list, labelledTable(t('account.api_keys'), 'keys', [t('account.key_name'), t('account.key'),
      t('account.scopes'), t('account.created'), t('account.last_used'), t('account.expires'), t('account.actions')],
      h('tbody', null, keys.map((k) => {
        const revoke = button(t('account.revoke'), async () => {
          if (!await confirmDialog(t('account.revoke_confirm', { name: k.name }), { ok: t('account.revoke'), danger: true })) return;
          try {
            await busy(revoke, api(`/api/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' }));
            notify(t('account.revoked', { name: k.name }));
            await keysState.reload();
          } catch (err) {
            notify(errorText(err), 'error');
          }
        }, { kind: 'danger', 'aria-label': t('account.revoke_named', { name: k.name }) });
        return h('tr', { dataset: { id: k.id } },
          h('th', { scope: 'row' }, k.name),
          h('td', null, h('code', null, `${k.prefix}…`)),
          h('td', null, (k.scopes || []).map((sc) => t(`account.scope_${sc}`)).join(', ')),
          h('td', { class: 'nowrap' }, when(k.created_at)),
          h('td', { class: 'nowrap' }, k.last_used_at ? when(k.last_used_at) : t('account.never')),
          h('td', { class: 'nowrap' }, k.expires_at ? when(k.expires_at) : t('account.no_expiry')),
          h('td', null, revoke));
      }))));
  };
  keysState.listeners.push(draw);

  const scopes = h('fieldset', { class: 'scopes' },
    h('legend', null, t('account.scopes')),
    ['read', 'generate', 'admin'].map((sc) => field({
      label: t(`account.scope_${sc}`), name: 'scopes', type: 'checkbox', value: sc, checked: sc !== 'admin',
      hint: t(`account.scope_${sc}_hint`),
    })));
  const f = form(async (fd, el) => {
    const body = { name: fd.get('name').trim(), scopes: fd.getAll('scopes') };
    if (fd.get('expires_in')) body.expires_in = Number(fd.get('expires_in'));
    const r = await api('/api/keys', { method: 'POST', body });
    el.querySelector('[name=name]').value = '';
    showNewKey(reveal, r);
    await keysState.reload();
  },
  h('h3', null, t('account.new_api_key')),
  field({ label: t('account.key_name'), name: 'name', required: true, maxlength: 100, autocomplete: 'off',
    hint: t('account.key_name_hint') }),
  scopes,
  field({ label: t('account.expiry'), name: 'expires_in', type: 'select', value: '',
    options: EXPIRIES.map(([v, k]) => ({ value: v, label: t(k) })) }),
  h('div', { class: 'row' }, button(t('account.create_key'), null, { kind: 'primary', type: 'submit' })));
  return section('ac-keys', t('account.api_keys'), h('p', { class: 'muted' }, t('account.api_keys_intro')), reveal, list, f);
}

// The new key, this once: a copy button and a clear warning. "Done" takes
// it off the page for good.
function showNewKey(slot, r) {
  const code = h('code', { class: 'secret', id: 'new-key-value' }, r.key);
  const done = button(t('account.key_done'), () => { clear(slot); });
  const panel = h('div', { class: 'new-key', role: 'alert' },
    h('p', { class: 'new-key-title' }, t('account.key_created', { name: r.name })),
    h('p', null, h('strong', null, t('account.key_once'))),
    h('div', { class: 'row' }, code),
    h('div', { class: 'row' }, copyButton(() => r.key, t('account.copy_key')), done));
  append(clear(slot), panel);
  panel.querySelector('button').focus();
}

// — Stored provider keys —

function providerKeys(keysState) {
  const list = h('div', null, spinner());
  const draw = () => {
    const keys = keysState.data ? keysState.data.provider_keys : [];
    clear(list);
    if (keysState.error) { append(list, failure(keysState.error)); return; }
    if (!keys.length) { append(list, empty(t('account.no_provider_keys'))); return; }
    append(list, labelledTable(t('account.provider_keys'), 'keys provider-keys', [t('account.provider'),
      t('account.key_name'), t('account.key'), t('account.created'), t('account.last_used'), t('account.test_result'),
      t('account.actions')],
      h('tbody', null, keys.map((k) => {
        const result = h('span', { role: 'status', class: 'test-result' });
        const label = k.name || providerName(k.provider);
        const test = button(t('account.test'), async () => {
          result.textContent = t('account.testing');
          try {
            const r = await busy(test, api(`/api/keys/providers/${encodeURIComponent(k.id)}/test`, { method: 'POST' }));
            clear(result);
            append(result, state(r.valid, t('account.key_valid'), t('account.key_invalid')),
              ' ', h('span', { class: 'muted' }, r.status && !r.valid ? t('account.provider_said', { status: r.status }) + ' · ' : '',
                t('account.checked_at', { at: when(r.checked_at) })));
          } catch (err) {
            clear(result);
            append(result, h('span', { class: 'state bad' }, '✗ ', errorText(err)));
          }
        }, { 'aria-label': t('account.test_named', { name: label }) });
        const del = button(t('common.delete'), async () => {
          if (!await confirmDialog(t('account.delete_provider_key_confirm', { name: label }), { ok: t('common.delete'), danger: true })) return;
          try {
            await busy(del, api(`/api/keys/providers/${encodeURIComponent(k.id)}`, { method: 'DELETE' }));
            notify(t('account.provider_key_deleted', { name: label }));
            await keysState.reload();
          } catch (err) {
            notify(errorText(err), 'error');
          }
        }, { kind: 'danger', 'aria-label': t('account.delete_named', { name: label }) });
        return h('tr', { dataset: { id: k.id } },
          h('th', { scope: 'row' }, providerName(k.provider)),
          h('td', null, k.name || '—'),
          h('td', null, h('code', { class: 'last4', 'aria-label': t('account.ending_in', { last4: k.last4 }) }, `••••${k.last4}`)),
          h('td', { class: 'nowrap' }, when(k.created_at)),
          h('td', { class: 'nowrap' }, k.last_used_at ? when(k.last_used_at) : t('account.never')),
          h('td', null, result),
          h('td', null, h('div', { class: 'row' }, test, del)));
      }))));
  };
  keysState.listeners.push(draw);

  const f = form(async (fd, el) => {
    const body = { provider: fd.get('provider'), api_key: fd.get('api_key') };
    if (fd.get('name').trim()) body.name = fd.get('name').trim();
    await api('/api/keys/providers', { method: 'POST', body });
    el.querySelector('[name=api_key]').value = '';
    el.querySelector('[name=name]').value = '';
    notify(t('account.provider_key_stored', { provider: providerName(body.provider) }));
    await keysState.reload();
  },
  h('h3', null, t('account.add_provider_key')),
  field({ label: t('account.provider'), name: 'provider', type: 'select', value: 'openai',
    options: STORED_PROVIDERS.map((p) => ({ value: p, label: providerName(p) })) }),
  field({ label: t('account.provider_key'), name: 'api_key', type: 'password', required: true, minlength: 8,
    autocomplete: 'off', spellcheck: 'false', hint: t('account.provider_key_hint') }),
  field({ label: t('account.key_label_optional'), name: 'name', maxlength: 100, autocomplete: 'off' }),
  h('div', { class: 'row' }, button(t('account.store_key'), null, { kind: 'primary', type: 'submit' })));
  return section('ac-provider-keys', t('account.provider_keys'), h('p', { class: 'muted' }, t('account.provider_keys_intro')), list, f);
}

// — Preferences —

function sizesOf(p, current) {
  let list = p && Array.isArray(p.sizes) && p.sizes.length ? p.sizes.slice()
    : COMMON_SIZES.filter((sz) => !p || !p.max_side || sz.split('x').every((n) => Number(n) <= p.max_side));
  if (current && !list.includes(current)) list = [current, ...list];
  return list;
}

function preferences(providers) {
  const slot = h('div', null, spinner());
  const sec = section('ac-prefs', t('account.preferences'), h('p', { class: 'muted' }, t('account.preferences_intro')), slot);
  (async () => {
    let prefs;
    try {
      prefs = (await api('/api/settings/user-preferences')).preferences || {};
    } catch (err) {
      append(clear(slot), failure(err));
      return;
    }
    const byName = (n) => providers.find((p) => p.name === n);
    const provField = field({
      label: t('account.default_provider'), name: 'default_provider', type: 'select', value: prefs.default_provider,
      options: providers.map((p) => ({ value: p.name, label: p.available === false ? t('account.provider_unavailable', { name: p.display_name }) : p.display_name })),
    });
    const modelField = field({ label: t('account.default_model'), name: 'default_model', type: 'select' });
    const sizeField = field({ label: t('account.default_size'), name: 'default_image_size', type: 'select' });
    const countField = field({ label: t('account.default_count'), name: 'default_image_count', type: 'number', min: 1, step: 1,
      value: String(prefs.default_image_count || 1) });
    const fill = (provider, model, size) => {
      const p = byName(provider);
      const models = (p && p.models) || [];
      append(clear(modelField.control),
        h('option', { value: '', selected: !model }, t('account.provider_default_model')),
        models.map((m) => h('option', { value: m.id, selected: m.id === model }, m.name)));
      append(clear(sizeField.control), sizesOf(p, size).map((sz) => h('option', { value: sz, selected: sz === size }, sz.replace('x', ' × '))));
      countField.control.max = String((p && p.max_images) || 10);
    };
    fill(prefs.default_provider, prefs.default_model, prefs.default_image_size);
    provField.control.addEventListener('change', () => {
      fill(provField.control.value, null, sizeField.control.value);
    });
    const f = form(async (fd) => {
      const body = {
        default_provider: fd.get('default_provider'),
        default_model: fd.get('default_model') || null,
        default_image_size: fd.get('default_image_size'),
        default_image_count: Number(fd.get('default_image_count')),
        theme: fd.get('theme'),
        language: fd.get('language'),
      };
      const r = await api('/api/settings/user-preferences', { method: 'PUT', body });
      const u = user();
      if (u) u.preferences = { ...(u.preferences || {}), theme: r.preferences.theme, language: r.preferences.language };
      // Theme and language apply at once (and at every later sign-in).
      applyPreferences(r.preferences, setTheme);
      notify(t('account.preferences_saved'));
    },
    h('div', { class: 'grid2' }, provField, modelField, sizeField, countField),
    h('div', { class: 'grid2' },
      field({ label: t('account.theme'), name: 'theme', type: 'select', value: prefs.theme || 'system',
        options: [{ value: 'system', label: t('account.theme_system') }, { value: 'light', label: t('account.theme_light') },
          { value: 'dark', label: t('account.theme_dark') }] }),
      field({ label: t('account.language'), name: 'language', type: 'select', value: prefs.language,
        options: languages.map((l) => ({ value: l.code, label: l.name })) })),
    h('div', { class: 'row' }, button(t('account.save_preferences'), null, { kind: 'primary', type: 'submit' })));
    append(clear(slot), f);
  })();
  return sec;
}

// — Activity —

function describe(a) {
  const d = a.details || {};
  const bits = [];
  for (const [k, v] of Object.entries(d)) {
    if (v === null || typeof v === 'object') continue;
    if (k === 'id' || k.endsWith('_id')) continue;
    bits.push(`${k}: ${v}`);
  }
  return bits.join(' · ');
}

function activity() {
  const body = h('tbody');
  const wrap = h('div', null, spinner());
  let cursor = null;
  const more = button(t('account.more_activity'), () => load(true));
  async function load(next) {
    try {
      const r = await busy(more, api('/api/user/activity', { query: { limit: 20, cursor: next ? cursor : undefined } }));
      cursor = r.next_cursor;
      more.hidden = !cursor;
      append(body, r.activity.map((a) => h('tr', null,
        h('td', { class: 'nowrap' }, when(a.created_at)),
        h('td', null, KINDS.includes(a.kind) ? t(`account.kind_${a.kind}`) : a.kind),
        h('td', { class: 'small' }, describe(a)),
        h('td', { class: 'small mono' }, a.ip || '—'))));
      if (!next) {
        append(clear(wrap), r.activity.length
          ? labelledTable(t('account.activity'), 'activity',
            [t('account.when'), t('account.what'), t('account.details'), t('account.ip')], body)
          : empty(t('account.no_activity')), more);
      }
    } catch (err) {
      append(next ? wrap : clear(wrap), failure(err));
    }
  }
  load(false);
  return section('ac-activity', t('account.activity'), wrap);
}

// — Deleting the account —

function deletion() {
  const f = form(async (fd) => {
    if (!await confirmDialog(t('account.delete_confirm'), { ok: t('account.delete_ok'), danger: true })) return;
    await api('/api/user', { method: 'DELETE', body: { password: fd.get('password') } });
    await logout().catch(() => {});
    notify(t('account.deleted'));
    go('/login');
  },
  h('p', null, t('account.delete_intro')),
  field({ label: t('account.delete_password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
  h('div', { class: 'row' }, button(t('account.delete_account'), null, { kind: 'danger', type: 'submit' })));
  return h('section', { class: 'card account-section danger-zone', 'aria-labelledby': 'ac-delete' },
    h('h2', { id: 'ac-delete' }, t('account.delete_title')), f);
}

export async function render(view) {
  let providers = [];
  try {
    providers = await loadProviders();
  } catch (_) { /* names then show as ids; the preferences section says what failed */ }

  // The keys list feeds two sections; one GET /api/keys for both.
  const keysState = {
    data: null, error: null, listeners: [],
    async reload() {
      try {
        this.data = await api('/api/keys');
        this.error = null;
      } catch (err) {
        this.error = err;
      }
      this.listeners.forEach((fn) => fn());
    },
  };

  const toc = h('nav', { class: 'toc', 'aria-label': t('account.sections') }, h('ul', null,
    [['ac-profile', 'account.profile'], ['ac-password', 'account.password'], ['ac-keys', 'account.api_keys'],
      ['ac-provider-keys', 'account.provider_keys'], ['ac-prefs', 'account.preferences'], ['ac-activity', 'account.activity'],
      ['ac-delete', 'account.delete_title']]
      .map(([id, key]) => h('li', null, h('button', {
        type: 'button', class: 'btn link',
        onclick: () => { const el = document.getElementById(id); el.scrollIntoView(); el.setAttribute('tabindex', '-1'); el.focus(); },
      }, t(key))))));

  page(view, t('account.title'),
    toc,
    h('div', { class: 'account-grid' },
      profile(), password(), apiKeys(keysState), providerKeys(keysState),
      preferences(providers), activity(), deletion()));
  await keysState.reload();
}
