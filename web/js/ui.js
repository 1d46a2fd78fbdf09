// Small pieces every page uses: labelled fields, forms that show the API's
// error beside the field it names, notices, copy buttons, confirmations.
import { h, append, clear } from './dom.js';
import { t } from './i18n.js';

let uid = 0;
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// The user-facing text of an error: the catalogue's text for its code when
// there is one, else the server's message (already written for people).
export function errorText(err) {
  if (!err) return '';
  const key = 'error.' + (err.code || '');
  const text = t(key);
  if (text !== key) return text;
  return err.message || t('error.unknown');
}

// field({label, name, type, …}): a <label> and its control, with room for a
// hint and an error message, both tied to the control by aria-describedby.
export function field(opts) {
  const { label, name, type = 'text', hint, options, rows, ...attrs } = opts;
  const id = nextId(name || 'f');
  let control;
  if (type === 'select') {
    control = h('select', { id, name, ...attrs },
      (options || []).map((o) => h('option', { value: o.value, selected: o.value === attrs.value }, o.label)));
  } else if (type === 'textarea') {
    control = h('textarea', { id, name, rows: rows || 4, ...attrs });
  } else {
    control = h('input', { id, name, type, ...attrs });
  }
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
  const errEl = h('p', { class: 'field-error', id: id + '-err', hidden: true });
  control.setAttribute('aria-describedby', [hintEl && hintEl.id, errEl.id].filter(Boolean).join(' '));
  const wrap = type === 'checkbox'
    ? h('div', { class: 'field check' }, control, h('label', { for: id }, label), hintEl, errEl)
    : h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, errEl);
  wrap.control = control;
  return wrap;
}

// Clear the errors a form shows.
export function clearErrors(formEl) {
  for (const el of formEl.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of formEl.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  const summary = formEl.querySelector('.form-error');
  if (summary) { summary.hidden = true; summary.textContent = ''; }
}

// Show err on formEl: beside the control named err.field when the form has
// one (focused), and always in the form's summary (role=alert).
export function showError(formEl, err) {
  clearErrors(formEl);
  const text = errorText(err);
  const ctl = err && err.field ? formEl.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
  if (ctl) {
    ctl.setAttribute('aria-invalid', 'true');
    const msg = ctl.closest('.field') && ctl.closest('.field').querySelector('.field-error');
    if (msg) { msg.textContent = text; msg.hidden = false; }
    ctl.focus();
  }
  let summary = formEl.querySelector('.form-error');
  if (!summary) {
    summary = h('p', { class: 'form-error', role: 'alert' });
    formEl.prepend(summary);
  }
  summary.textContent = text;
  summary.hidden = false;
}

// form(onsubmit, ...children): a <form> whose submit runs onsubmit(data,
// formEl) with the submit button disabled meanwhile; a thrown error is shown.
export function form(onsubmit, ...children) {
  const f = h('form', { novalidate: true });
  append(f, h('p', { class: 'form-error', role: 'alert', hidden: true }), children);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const buttons = f.querySelectorAll('button[type=submit]');
    buttons.forEach((b) => { b.disabled = true; });
    clearErrors(f);
    try {
      await onsubmit(new FormData(f), f);
    } catch (err) {
      showError(f, err);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return f;
}

export function button(label, onclick, { kind = 'secondary', type = 'button', ...attrs } = {}) {
  return h('button', { type, class: ['btn', kind], onclick, ...attrs }, label);
}

// busy(btn, promise): the button disabled (aria-busy) until promise settles.
export async function busy(btn, promise) {
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    return await promise;
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  }
}

// notify(text, kind): a short message in the page's live region.
export function notify(text, kind = 'info') {
  const region = document.getElementById('notices');
  const item = h('p', { class: ['notice', kind], role: kind === 'error' ? 'alert' : 'status' }, text);
  region.append(item);
  setTimeout(() => item.remove(), 6000);
}

// copyButton(() => text): copies, then says so.
export function copyButton(getText, label = t('common.copy')) {
  return button(label, async () => {
    try {
      await navigator.clipboard.writeText(getText());
      notify(t('common.copied'));
    } catch (_) {
      notify(t('common.copy_failed'), 'error');
    }
  });
}

// confirmDialog(text): resolves true when the user confirms (a modal
// <dialog>: focus is trapped and Escape cancels).
export function confirmDialog(text, { ok = t('common.confirm'), danger = false } = {}) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'dialog', 'aria-label': text });
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    append(dlg,
      h('p', null, text),
      h('div', { class: 'row end' },
        button(t('common.cancel'), () => done(false)),
        button(ok, () => done(true), { kind: danger ? 'danger' : 'primary' })));
    dlg.addEventListener('cancel', (ev) => { ev.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// page(view, title, ...children): fill the view with a titled page.
export function page(view, title, ...children) {
  document.title = `${title} · imagegen`;
  clear(view);
  append(view, h('h1', { id: 'page-title', tabindex: '-1' }, title), children);
  return view;
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function spinner(label = t('common.loading')) {
  return h('p', { class: 'loading', role: 'status' }, label);
}
