// The assistant: a chat (POST /api/assistant/chat, one conversation kept by
// its conversation_id) whose proposed prompts each have a button that opens
// the generate page with that prompt; and ideas from GET
// /api/assistant/suggestions. The conversation lives in this module, so a
// language switch or a visit elsewhere keeps it.
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { go } from '../router.js';
import { page, field, form, button, errorText, nextId } from '../ui.js';
import { PROMPT_STYLES, promptStyleName } from '../parts/generate.js';

const chat = {
  conversationId: null,
  turns: [], // {who: 'me'|'bot', text, prompts, source}
  style: '',
  draft: '',
};

// A proposed prompt with its "use" button, the prompt text its description.
function proposal(text) {
  const id = nextId('prop');
  return h('li', { class: 'as-prompt' },
    h('p', { id }, text),
    button(t('as.use'), () => go('/generate', { prompt: text }), { 'aria-describedby': id }));
}

function turnEl(turn) {
  if (turn.who === 'me') {
    return h('li', { class: 'as-turn me' },
      h('p', { class: 'as-who' }, t('as.you')), h('p', { class: 'as-text' }, turn.text));
  }
  return h('li', { class: 'as-turn bot' },
    h('p', { class: 'as-who' }, t('as.bot'), ' ', h('span', { class: 'as-source' }, t(`as.source.${turn.source}`))),
    h('p', { class: 'as-text' }, turn.text),
    turn.prompts && turn.prompts.length
      ? [h('p', { class: 'as-sub' }, t('as.proposed')), h('ul', { class: 'as-prompts' }, turn.prompts.map(proposal))]
      : null);
}

const PROMPT_KINDS = new Set(['recent', 'example']);

async function ideas(box) {
  clear(box).append(h('p', { class: 'loading' }, t('common.loading')));
  try {
    const res = await api('/api/assistant/suggestions', { query: { style: chat.style || undefined } });
    const list = res.suggestions || [];
    clear(box);
    if (!list.length) { box.append(h('p', { class: 'empty' }, t('as.no_ideas'))); return; }
    box.append(h('ul', { class: 'as-prompts' }, list.map((s) => {
      const id = nextId('idea');
      return h('li', { class: ['as-prompt', 'kind-' + s.kind] },
        h('p', { class: 'as-kind' }, t(`as.kind.${s.kind}`)),
        h('p', { id }, s.text),
        PROMPT_KINDS.has(s.kind)
          ? button(t('as.use'), () => go('/generate', { prompt: s.text }), { 'aria-describedby': id }) : null);
    })));
  } catch (err) {
    clear(box).append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
  }
}

export function render(view) {
  const log = h('ol', { class: 'as-log', 'aria-labelledby': 'as-log-title' });
  const liveEl = h('p', { class: 'visually-hidden', role: 'status' });
  const emptyEl = h('p', { class: 'empty' }, t('as.empty'));
  const draw = () => {
    clear(log).append(...chat.turns.map(turnEl));
    emptyEl.hidden = chat.turns.length > 0;
  };

  const msg = field({ label: t('as.message'), name: 'message', type: 'textarea', rows: 3, value: chat.draft,
    placeholder: t('as.message_placeholder'), hint: t('as.message_hint') });
  msg.control.addEventListener('input', () => { chat.draft = msg.control.value; });
  // Ctrl+Enter (⌘+Enter) sends; Enter alone starts a new line.
  msg.control.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      msg.control.form.requestSubmit();
    }
  });
  const styleField = field({ label: t('as.style'), name: 'preferred_style', type: 'select', value: chat.style,
    options: [{ value: '', label: t('as.style_any') }, ...PROMPT_STYLES.map((s) => ({ value: s, label: promptStyleName(s) }))] });
  styleField.control.addEventListener('change', () => { chat.style = styleField.control.value; ideas(ideasBox); });
  const send = button(t('as.send'), null, { kind: 'primary', type: 'submit' });
  const reset = button(t('as.new'), () => {
    chat.conversationId = null;
    chat.turns = [];
    draw();
    liveEl.textContent = t('as.new_done');
    msg.control.focus();
  });

  const theForm = form(async () => {
    const message = chat.draft.trim();
    const body = { message: chat.draft };
    if (chat.style) body.preferred_style = chat.style;
    if (chat.conversationId) body.conversation_id = chat.conversationId;
    liveEl.textContent = t('as.thinking');
    send.setAttribute('aria-busy', 'true');
    let res;
    try {
      res = await api('/api/assistant/chat', { method: 'POST', body });
    } catch (err) {
      liveEl.textContent = '';
      throw err;
    } finally {
      send.removeAttribute('aria-busy');
    }
    chat.conversationId = res.conversation_id || chat.conversationId;
    chat.turns.push({ who: 'me', text: message });
    chat.turns.push({ who: 'bot', text: res.reply || '', prompts: res.suggested_prompts || [], source: res.source || 'builtin' });
    chat.draft = '';
    msg.control.value = '';
    draw();
    liveEl.textContent = t('as.replied', { n: (res.suggested_prompts || []).length });
    const last = log.lastElementChild && log.lastElementChild.querySelector('button');
    if (last) last.focus(); else msg.control.focus();
  },
  msg, styleField,
  h('div', { class: 'row' }, send, reset));
  theForm.classList.add('as-form');

  const ideasBox = h('div', { class: 'as-ideas' });
  page(view, t('as.title'),
    h('p', { class: 'muted' }, t('as.intro')),
    h('div', { class: 'as-layout' },
      h('section', { class: 'as-chat', 'aria-labelledby': 'as-log-title' },
        h('h2', { id: 'as-log-title' }, t('as.conversation')),
        emptyEl, log, liveEl, theForm),
      h('section', { class: 'as-side', 'aria-labelledby': 'as-ideas-title' },
        h('h2', { id: 'as-ideas-title' }, t('as.ideas')),
        ideasBox)));
  draw();
  ideas(ideasBox);
}
