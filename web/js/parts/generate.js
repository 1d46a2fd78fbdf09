// What the generate and assistant pages share: the style lists the API
// declares (docs/openapi.json), and the provider catalogue's words said in
// the page's language.
import { t } from '../i18n.js';

// POST /api/creative/style-transfer: the builtin styles (its `style` enum).
export const RESTYLES = ['grayscale', 'sepia', 'sketch', 'emboss', 'pixelate', 'posterize', 'vintage',
  'oil_painting', 'watercolor'];

// POST /api/assistant/chat preferred_style and /api/assistant/enhance style.
export const PROMPT_STYLES = ['realistic', 'anime', 'oil_painting', 'watercolor', 'pixel_art', 'cyberpunk',
  '3d_render', 'sketch'];

export function restyleName(style) {
  return t(`gen.rstyle.${style}`);
}

export function promptStyleName(style) {
  return t(`gen.pstyle.${style}`);
}

// Why a provider of GET /api/settings/api-providers is not available to the
// caller, in the page's language, from the entry's own fields; the server's
// sentence (English) only when none of the known cases fits.
export function unavailableReason(p, serverKeys) {
  const setting = `IG_${p.name.toUpperCase()}_API_KEY`;
  const policy = serverKeys && serverKeys.policy;
  if (p.needs_key && !p.configured) return t('gen.why.no_server_key', { setting });
  if (p.server_key_remaining === 0) return t('gen.why.daily_used');
  if (policy === 'none') return t('gen.why.not_shared');
  if (policy === 'admins') return t('gen.why.admins_only');
  return p.unavailable_reason || t('gen.why.unknown');
}

// The analyzer's suggestions (POST /api/analyze-prompt) are fixed English
// sentences, one per missing element and one for a short prompt: each is
// shown in the page's language by the element it names; a sentence this
// table does not know is shown as the server wrote it.
const SUGGESTION_KEYS = [
  [/^Name a clear subject/, 'gen.tip.subject'],
  [/^Add an art style/, 'gen.tip.style'],
  [/^Describe the lighting/, 'gen.tip.lighting'],
  [/^Say how the shot is framed/, 'gen.tip.composition'],
  [/^Give the mood/, 'gen.tip.mood'],
  [/^Add quality modifiers/, 'gen.tip.quality_modifiers'],
  [/^Add more detail/, 'gen.tip.detail'],
];

export function suggestionText(s) {
  for (const [re, key] of SUGGESTION_KEYS) if (re.test(s)) return t(key);
  return s;
}
