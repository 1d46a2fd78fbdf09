// The generate page: a prompt with the analyzer's live score and tips, the
// provider's own choices (models, sizes, counts), and the results, each
// with download, open, upscale, variations and restyle.
//
// The draft, the analysis, an enhance proposal and the results live in this
// module, not in the DOM: a language switch re-renders the page, and coming
// back to it later shows what was there.
import { h, clear } from '../dom.js';
import { t, formatNumber } from '../i18n.js';
import { api } from '../api.js';
import { href } from '../router.js';
import { page, field, form, button, busy, notify, errorText, nextId } from '../ui.js';
import { RESTYLES, restyleName, unavailableReason, suggestionText } from '../parts/generate.js';
import { parseTags } from '../parts/gallery.js';

const PROMPT_MAX = 4000;
// Sizes offered for a provider that takes any size up to max_side (its
// `sizes` is null); the field also takes any other WIDTHxHEIGHT.
const COMMON_SIZES = ['256x256', '512x512', '768x768', '1024x1024', '1024x768', '768x1024',
  '1536x1024', '1024x1536', '2048x2048'];

const state = {
  draft: null, // {prompt, negative_prompt, api_provider, model, image_size, image_count, seed}
  analysis: null, // the last answer of /api/analyze-prompt for draft.prompt
  analyzedPrompt: null,
  enhance: null, // {for, enhanced_prompt, negative_prompt, changes}
  cards: [], // in display order: {key, kind: 'pending'|'image'|'error', …}
  serial: 0, // images are numbered in the order they arrive
  keys: 0,
  running: 0,
  status: null, // () => the status line's text
};

let mounted = null; // {list, els: Map(key → li), emptyEl, statusEl}

// ---- results ---------------------------------------------------------

function nextKey() {
  state.keys += 1;
  return 'c' + state.keys;
}

function indexOf(key) {
  return state.cards.findIndex((c) => c.key === key);
}

// put(card, {after, replace}): into the state and, when the page is shown, the DOM.
function put(cards, { after = null, replace = null } = {}) {
  const list = Array.isArray(cards) ? cards : [cards];
  let at;
  if (replace) {
    at = indexOf(replace);
    if (at >= 0) state.cards.splice(at, 1);
    else at = 0;
  } else if (after) {
    at = indexOf(after) + 1;
  } else {
    at = 0;
  }
  state.cards.splice(at, 0, ...list);
  if (!mounted) return;
  const old = replace ? mounted.els.get(replace) : null;
  const els = list.map((c) => { const el = cardEl(c); mounted.els.set(c.key, el); return el; });
  if (old) {
    old.replaceWith(...els);
    mounted.els.delete(replace);
  } else if (after && mounted.els.get(after)) {
    mounted.els.get(after).after(...els);
  } else {
    mounted.list.prepend(...els);
  }
  mounted.emptyEl.hidden = state.cards.length > 0;
}

function drop(key) {
  const at = indexOf(key);
  if (at >= 0) state.cards.splice(at, 1);
  if (!mounted) return;
  const el = mounted.els.get(key);
  if (el) el.remove();
  mounted.els.delete(key);
  mounted.emptyEl.hidden = state.cards.length > 0;
}

// say(() => text): the status line (role=status); kept as a function so
// that a re-render says it again in the new language.
function say(fn) {
  state.status = fn;
  if (mounted) mounted.statusEl.textContent = fn ? fn() : '';
}

// An image of an answer as a card: {key, kind: 'image', img, n, note}.
function imageCard(img, note) {
  state.serial += 1;
  return { key: nextKey(), kind: 'image', img, n: state.serial, note };
}

// derive(card, what, call): a creative tool on a result; the new image(s)
// appear right after it, with a note saying what they are.
async function derive(card, btn, what, call, note) {
  // The button stays focusable while it works (a disabled one would drop
  // the keyboard's focus): aria-disabled, and a second press is ignored.
  if (btn.getAttribute('aria-disabled') === 'true') return;
  btn.setAttribute('aria-disabled', 'true');
  btn.setAttribute('aria-busy', 'true');
  const pending = { key: nextKey(), kind: 'pending', text: () => t(`gen.working.${what}`, { n: card.n }) };
  put(pending, { after: card.key });
  say(pending.text);
  try {
    const res = await call();
    const imgs = res.images || (res.image ? [res.image] : []);
    const cards = imgs.map((img, i) => imageCard(img, note(i, imgs.length)));
    put(cards, { replace: pending.key });
    say(() => t('gen.derived_ready', { n: cards.length }));
  } catch (err) {
    put({ key: nextKey(), kind: 'error', text: () => `${t(`gen.failed.${what}`, { n: card.n })} ${failureText(err)}` },
      { replace: pending.key });
    say(null);
  } finally {
    btn.removeAttribute('aria-disabled');
    btn.removeAttribute('aria-busy');
  }
}

function failureText(err) {
  if (err && err.status === 429 && err.retryAfter) return t('gen.retry_after', { s: formatNumber(err.retryAfter) });
  if (err && (err.status === 502 || err.status === 504)) return t('gen.provider_failed', { message: err.message });
  return errorText(err);
}

function actions(card) {
  const { img } = card;
  const styleId = nextId('restyle');
  const styleSel = h('select', { id: styleId, name: 'style' },
    RESTYLES.map((s) => h('option', { value: s }, restyleName(s))));
  const scaleId = nextId('scale');
  const scaleSel = h('select', { id: scaleId, name: 'scale' },
    [2, 4].map((n) => h('option', { value: n }, t('gen.scale', { n }))));
  const up = button(t('gen.upscale'), () => derive(card, up, 'upscale',
    () => api('/api/creative/upscale', { method: 'POST', body: { image_id: img.id, scale: Number(scaleSel.value) } }),
    () => t('gen.note.upscale', { n: card.n, scale: scaleSel.value })));
  const vary = button(t('gen.variations'), () => derive(card, vary, 'variations',
    () => api('/api/creative/variations', { method: 'POST', body: { image_id: img.id, count: 2 } }),
    (i, total) => t('gen.note.variation', { n: card.n, i: i + 1, total })));
  const restyle = button(t('gen.restyle'), () => {
    const style = styleSel.value;
    return derive(card, restyle, 'restyle',
      () => api('/api/creative/style-transfer', { method: 'POST', body: { image_id: img.id, style } }),
      () => t('gen.note.restyle', { n: card.n, style: restyleName(style) }));
  });
  return h('div', { class: 'gen-actions' },
    h('div', { class: 'row' },
      h('a', { class: 'btn', href: img.url, download: img.filename || '' }, t('gen.download')),
      h('a', { class: 'btn', href: href('/image/' + encodeURIComponent(img.id)) }, t('gen.open'))),
    h('div', { class: 'row gen-tool' },
      h('label', { for: scaleId }, t('gen.scale_label')), scaleSel, up),
    h('div', { class: 'row gen-tool' }, vary),
    h('div', { class: 'row gen-tool' },
      h('label', { for: styleId }, t('gen.style_label')), styleSel, restyle));
}

function cardEl(card) {
  if (card.kind === 'pending') {
    return h('li', { class: 'gen-card pending' },
      h('div', { class: 'gen-wait', 'aria-hidden': 'true' }),
      h('p', { class: 'loading' }, card.text()));
  }
  if (card.kind === 'error') {
    const li = h('li', { class: 'gen-card failed' },
      h('p', { class: 'form-error', role: 'alert' }, card.text()),
      button(t('gen.dismiss'), () => drop(card.key)));
    return li;
  }
  const { img } = card;
  const title = t('gen.image_n', { n: card.n });
  const meta = [img.width && img.height ? t('gen.dims', { w: img.width, h: img.height }) : null,
    img.seed !== null && img.seed !== undefined ? t('gen.seed_n', { seed: img.seed }) : null].filter(Boolean).join(' · ');
  const pic = h('img', {
    src: img.url, alt: card.prompt || img.prompt || title, width: img.width || 512, height: img.height || 512, decoding: 'async',
  });
  return h('li', { class: ['gen-card', card.note ? 'derived' : null], dataset: { id: img.id } },
    h('figure', null, pic,
      h('figcaption', null,
        h('strong', null, title),
        card.note ? h('span', { class: 'gen-note' }, card.note) : null,
        meta ? h('span', { class: 'muted' }, meta) : null)),
    actions(card));
}

// ---- the form -----------------------------------------------------------

function providerOf(providers, name) {
  return providers.find((p) => p.name === name) || null;
}

function defaults(providers, prefs) {
  const usable = providers.filter((p) => p.available !== false);
  let p = providerOf(usable, prefs.default_provider) || providerOf(usable, 'builtin') || usable[0] || providers[0];
  const name = p ? p.name : '';
  return {
    prompt: '', negative_prompt: '', api_provider: name,
    model: p && prefs.default_model && p.models.some((m) => m.id === prefs.default_model) ? prefs.default_model : '',
    image_size: prefs.default_image_size || '1024x1024',
    image_count: String(prefs.default_image_count || 1),
    seed: '',
  };
}

function sizesOf(p) {
  if (!p) return [];
  if (Array.isArray(p.sizes)) return p.sizes;
  const max = p.max_side || 2048;
  return COMMON_SIZES.filter((s) => s.split('x').every((n) => Number(n) <= max));
}

// The draft's choices made to fit the provider: its model, a size and a count it allows.
function fit(draft, p) {
  if (!p) return draft;
  const d = { ...draft };
  if (!p.models.some((m) => m.id === d.model)) {
    const def = p.models.find((m) => m.default) || p.models[0];
    d.model = def ? def.id : '';
  }
  if (Array.isArray(p.sizes) && !p.sizes.includes(d.image_size)) {
    d.image_size = p.sizes.includes('1024x1024') ? '1024x1024' : p.sizes[0];
  }
  if (Number(d.image_count) > (p.max_images || 1)) d.image_count = String(p.max_images || 1);
  return d;
}

function scoreView() {
  const a = state.analysis;
  const draft = state.draft;
  if (!draft.prompt.trim()) return [h('p', { class: 'muted' }, t('gen.score_empty'))];
  if (!a) return [h('p', { class: 'muted' }, t('gen.scoring'))];
  const an = a.analysis;
  const est = an.estimate && an.estimate.low_s !== undefined
    ? t('gen.estimate', { low: formatNumber(an.estimate.low_s), high: formatNumber(an.estimate.high_s) }) : null;
  return [
    h('div', { class: 'gen-score-row' },
      h('meter', { id: 'gen-meter', min: 0, max: 10, low: 4, high: 7, optimum: 10, value: an.quality_score,
        'aria-label': t('gen.score_label') }),
      h('span', { class: 'gen-score' }, t('gen.score', { score: formatNumber(an.quality_score) })),
      h('span', { class: 'muted' }, [t(`gen.complexity.${an.complexity}`), t('gen.words', { n: an.word_count }), est]
        .filter(Boolean).join(' · '))),
    an.suggestions && an.suggestions.length
      ? h('ul', { class: 'gen-tips' }, an.suggestions.map((s) => h('li', null, suggestionText(s))))
      : h('p', { class: 'done' }, t('gen.no_tips')),
  ];
}

export async function render(view, { query }) {
  page(view, t('gen.title'), h('p', { class: 'loading', role: 'status' }, t('common.loading')));
  const [cat, prefs] = await Promise.all([
    api('/api/settings/api-providers'),
    api('/api/settings/user-preferences').then((r) => r.preferences || {}, () => ({})),
  ]);
  const providers = cat.providers || [];
  if (!state.draft) state.draft = defaults(providers, prefs);
  const wanted = query && query.get('prompt');
  if (wanted) {
    state.draft.prompt = wanted;
    state.enhance = null;
    // The prompt is taken: the address no longer carries it (a language
    // switch re-renders and must not undo the user's edits).
    history.replaceState(null, '', '#/generate');
  }
  state.draft = fit(state.draft, providerOf(providers, state.draft.api_provider));

  let timer = null;
  let seq = 0;
  let controller = null;
  const d = state.draft;

  // -- prompt and its analysis
  const prompt = field({ label: t('gen.prompt'), name: 'prompt', type: 'textarea', rows: 4, value: d.prompt,
    placeholder: t('gen.prompt_placeholder'), hint: t('gen.prompt_hint', { max: formatNumber(PROMPT_MAX) }) });
  const counter = h('span', { class: 'gen-count muted', 'aria-hidden': 'true' });
  prompt.querySelector('label').after(counter);
  const scoreBox = h('div', { class: 'gen-analysis' });
  // What a screen reader hears as the score changes: one short line.
  const scoreLive = h('p', { class: 'visually-hidden', role: 'status' });
  const showCount = () => { counter.textContent = t('gen.chars', { n: formatNumber(d.prompt.length), m: formatNumber(PROMPT_MAX) }); };
  const showScore = () => {
    clear(scoreBox).append(...scoreView());
    const a = state.analysis;
    scoreLive.textContent = a && d.prompt.trim() ? t('gen.score', { score: formatNumber(a.analysis.quality_score) }) : '';
  };

  const analyze = async () => {
    const text = d.prompt;
    if (controller) controller.abort();
    if (!text.trim()) {
      state.analysis = null; state.analyzedPrompt = null;
      scoreBox.classList.remove('stale'); scoreBox.removeAttribute('aria-busy');
      showScore();
      return;
    }
    const mine = ++seq;
    controller = new AbortController();
    try {
      const res = await api('/api/analyze-prompt', { method: 'POST', body: { prompt: text, api_provider: d.api_provider || undefined }, signal: controller.signal });
      if (mine !== seq || text !== d.prompt) return; // a stale answer
      state.analysis = res;
      state.analyzedPrompt = text;
      scoreBox.classList.remove('stale');
      scoreBox.removeAttribute('aria-busy');
      showScore();
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq) return;
      scoreBox.classList.remove('stale'); scoreBox.removeAttribute('aria-busy');
      clear(scoreBox).append(h('p', { class: 'form-error' }, errorText(err)));
    }
  };
  const analyzeSoon = () => { clearTimeout(timer); timer = setTimeout(analyze, 350); };
  prompt.control.addEventListener('input', () => {
    d.prompt = prompt.control.value;
    showCount();
    // The last score stays shown, marked as out of date, until the new one comes.
    const stale = state.analyzedPrompt !== d.prompt;
    scoreBox.classList.toggle('stale', stale && !!state.analysis);
    if (stale) scoreBox.setAttribute('aria-busy', 'true');
    if (!d.prompt.trim() || !state.analysis) showScore();
    analyzeSoon();
  });

  // -- enhance
  const enhanceBox = h('div', { class: 'gen-enhance card', hidden: true });
  const showEnhance = () => {
    const e = state.enhance;
    enhanceBox.hidden = !e;
    clear(enhanceBox);
    if (!e) return;
    const useIt = button(t('gen.enhance_use'), () => {
      d.prompt = e.enhanced_prompt;
      prompt.control.value = d.prompt;
      if (e.negative_prompt && !negative.control.disabled) {
        d.negative_prompt = e.negative_prompt;
        negative.control.value = d.negative_prompt;
      }
      state.enhance = null;
      showEnhance();
      showCount();
      analyze();
      prompt.control.focus();
    }, { kind: 'primary' });
    enhanceBox.append(
      h('h2', { class: 'gen-h3', id: 'gen-enh-title' }, t('gen.enhance_title')),
      h('p', { class: 'gen-proposal' }, e.enhanced_prompt),
      e.negative_prompt ? h('p', null, h('span', { class: 'muted' }, t('gen.enhance_negative') + ' '), e.negative_prompt) : null,
      e.changes && e.changes.length ? h('details', null, h('summary', null, t('gen.enhance_changes', { n: e.changes.length })),
        h('ul', null, e.changes.map((c) => h('li', null, c)))) : null,
      h('div', { class: 'row' }, useIt,
        button(t('gen.dismiss'), () => { state.enhance = null; showEnhance(); enhanceBtn.focus(); })));
  };
  const enhanceBtn = button(t('gen.enhance'), async () => {
    clear(enhanceErr); enhanceErr.hidden = true;
    try {
      const res = await busy(enhanceBtn, api('/api/assistant/enhance', { method: 'POST', body: { prompt: d.prompt } }));
      state.enhance = res;
      showEnhance();
      enhanceBox.querySelector('button').focus();
    } catch (err) {
      enhanceErr.textContent = errorText(err);
      enhanceErr.hidden = false;
    }
  });
  const enhanceErr = h('p', { class: 'form-error', role: 'alert', hidden: true });

  // -- negative prompt, provider, model, size, count, seed
  const negative = field({ label: t('gen.negative'), name: 'negative_prompt', type: 'textarea', rows: 2,
    value: d.negative_prompt, placeholder: t('gen.negative_placeholder') });
  const providerField = field({ label: t('gen.provider'), name: 'api_provider', type: 'select', value: d.api_provider,
    options: [] });
  const providerSel = providerField.control;
  for (const p of providers) {
    const ok = p.available !== false;
    providerSel.append(h('option', { value: p.name, disabled: !ok, selected: p.name === d.api_provider },
      ok ? p.display_name : t('gen.provider_unavailable', { name: p.display_name })));
  }
  const off = providers.filter((p) => p.available === false);
  const offList = off.length ? h('details', { class: 'gen-off' },
    h('summary', null, t('gen.unavailable_title', { n: off.length })),
    h('ul', null, off.map((p) => h('li', null, h('strong', null, p.display_name), ': ', unavailableReason(p, cat.server_keys)))),
    h('p', null, h('a', { href: href('/account') }, t('gen.store_key')))) : null;

  const modelField = field({ label: t('gen.model'), name: 'model', type: 'select', options: [] });
  const sizeSlot = h('div', { class: 'gen-size-slot' });
  const countField = field({ label: t('gen.count'), name: 'image_count', type: 'select', options: [] });
  const seedField = field({ label: t('gen.seed'), name: 'seed', type: 'number', min: 0, max: 4294967295, step: 1,
    inputmode: 'numeric', value: d.seed, placeholder: t('gen.seed_placeholder') });
  const tagsField = field({ label: t('gen.tags'), name: 'tags', autocomplete: 'off', hint: t('gallery.tags_hint') });
  const providerNote = h('p', { class: 'hint' });
  let sizeControl = null;

  const fillProvider = () => {
    const p = providerOf(providers, d.api_provider);
    Object.assign(d, fit(d, p));
    clear(modelField.control).append(...(p ? p.models : []).map((m) =>
      h('option', { value: m.id, selected: m.id === d.model }, m.name)));
    modelField.control.value = d.model;
    // Sizes: a fixed list is a select; "any size up to max_side" is a field with suggestions.
    clear(sizeSlot);
    let sizeField;
    if (p && Array.isArray(p.sizes)) {
      sizeField = field({ label: t('gen.size'), name: 'image_size', type: 'select', value: d.image_size,
        options: p.sizes.map((s) => ({ value: s, label: s.replace('x', ' × ') })) });
    } else {
      const listId = nextId('sizes');
      sizeField = field({ label: t('gen.size'), name: 'image_size', value: d.image_size, list: listId,
        autocomplete: 'off', spellcheck: 'false',
        hint: t('gen.size_hint', { max: formatNumber(p ? p.max_side || 2048 : 2048) }) });
      sizeField.append(h('datalist', { id: listId }, sizesOf(p).map((s) => h('option', { value: s }))));
    }
    sizeControl = sizeField.control;
    sizeControl.addEventListener('change', () => { d.image_size = sizeControl.value; });
    sizeControl.addEventListener('input', () => { d.image_size = sizeControl.value; });
    sizeSlot.append(sizeField);
    const max = p ? p.max_images || 1 : 1;
    clear(countField.control).append(...Array.from({ length: max }, (_, i) =>
      h('option', { value: String(i + 1), selected: String(i + 1) === d.image_count }, formatNumber(i + 1))));
    countField.control.value = d.image_count;
    const negOk = !p || p.supports_negative_prompt !== false;
    const seedOk = !p || p.supports_seed !== false;
    negative.control.disabled = !negOk;
    seedField.control.disabled = !seedOk;
    const notes = [];
    if (!negOk) notes.push(t('gen.no_negative'));
    if (!seedOk) notes.push(t('gen.no_seed'));
    notes.push(t('gen.max_images', { n: formatNumber(max) }));
    providerNote.textContent = notes.join(' ');
  };
  providerSel.setAttribute('aria-describedby', [providerSel.getAttribute('aria-describedby'), 'gen-provider-note'].join(' '));
  providerNote.id = 'gen-provider-note';
  providerSel.addEventListener('change', () => {
    d.api_provider = providerSel.value;
    fillProvider();
    if (d.prompt.trim()) analyzeSoon(); // the estimate is the provider's
  });
  modelField.control.addEventListener('change', () => { d.model = modelField.control.value; });
  countField.control.addEventListener('change', () => { d.image_count = countField.control.value; });
  seedField.control.addEventListener('input', () => { d.seed = seedField.control.value; });
  negative.control.addEventListener('input', () => { d.negative_prompt = negative.control.value; });

  // -- submit
  const submit = button(t('gen.submit'), null, { kind: 'primary', type: 'submit' });
  const statusEl = h('p', { class: 'gen-status', role: 'status' });
  const theForm = form(async () => {
    const p = providerOf(providers, d.api_provider);
    const body = {
      prompt: d.prompt, api_provider: d.api_provider, image_size: d.image_size.trim(),
      image_count: Number(d.image_count) || 1,
    };
    if (d.model) body.model = d.model;
    if (!negative.control.disabled && d.negative_prompt.trim()) body.negative_prompt = d.negative_prompt;
    if (!seedField.control.disabled && String(d.seed).trim() !== '') body.seed = Number(d.seed);
    const tags = parseTags(tagsField.control.value);
    if (tags.length) body.tags = tags;
    const pending = { key: nextKey(), kind: 'pending',
      text: () => t('gen.working.generate', { n: formatNumber(body.image_count), provider: p ? p.display_name : d.api_provider }) };
    put(pending);
    say(pending.text);
    state.running += 1;
    try {
      const res = await busy(submit, api('/api/generate-image', { method: 'POST', body }));
      const note = res.cached ? t('gen.note.cached') : null;
      const cards = res.images.map((img) => ({ ...imageCard(img, note), prompt: body.prompt }));
      put(cards, { replace: pending.key });
      const failed = res.statistics && res.statistics.failed_count;
      say(() => (failed ? t('gen.ready_some_failed', { n: cards.length, failed }) : t('gen.ready', { n: cards.length })));
    } catch (err) {
      drop(pending.key);
      say(null);
      if (err && err.field) throw err; // shown beside its field
      throw { message: failureText(err) };
    } finally {
      state.running -= 1;
    }
  },
  prompt, scoreBox, scoreLive, h('div', { class: 'row gen-prompt-tools' }, enhanceBtn), enhanceErr, enhanceBox, negative,
  h('div', { class: 'grid2' }, providerField, modelField),
  providerNote, offList,
  sizeSlot, h('div', { class: 'grid2 gen-pair' }, countField, seedField),
  tagsField,
  h('div', { class: 'row' }, submit), statusEl);
  theForm.classList.add('gen-form');

  // -- results
  const list = h('ul', { class: 'gen-results', 'aria-labelledby': 'gen-results-title' });
  const emptyEl = h('p', { class: 'empty' }, t('gen.no_results'));
  mounted = { list, els: new Map(), emptyEl, statusEl };
  for (const c of state.cards) {
    const el = cardEl(c);
    mounted.els.set(c.key, el);
    list.append(el);
  }
  emptyEl.hidden = state.cards.length > 0;
  if (state.status) statusEl.textContent = state.status();

  page(view, t('gen.title'),
    h('div', { class: 'gen-layout' },
      h('section', { class: 'gen-left', 'aria-label': t('gen.form_label') }, theForm),
      h('section', { class: 'gen-right', 'aria-labelledby': 'gen-results-title' },
        h('h2', { id: 'gen-results-title' }, t('gen.results')),
        emptyEl, list)));
  fillProvider();
  showCount();
  showScore();
  showEnhance();
  if (state.running) submit.setAttribute('aria-busy', 'true');
  if (d.prompt.trim() && state.analyzedPrompt !== d.prompt) analyze();

  return () => {
    mounted = null;
    clearTimeout(timer);
    if (controller) controller.abort();
    seq += 1;
  };
}
