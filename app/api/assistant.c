/*
 * assistant.c — the assistant: chat, suggestions and enhance (API.md
 * "Prompts and assistant"). The built-in engine answers from the prompt
 * analyzer and the prompt library; when the caller (a stored key) or the
 * server has an OpenAI or Gemini key (the server's as lib/jobs/serverkey.h
 * allows, each chat counted for a metered caller), chat goes to that LLM
 * through its chat API, with the conversation's earlier turns from the
 * database.
 * `source` says which answered.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/auth/provider_key.h"
#include "lib/auth/secretbox.h"
#include "lib/core/json.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/serverkey.h"
#include "lib/prompts/analyze.h"
#include "lib/prompts/conversation.h"
#include "lib/prompts/library.h"

#define MESSAGE_MAX 4000
#define HISTORY_TURNS 20
#define LLM_TIMEOUT_MS 60000
#define LLM_MAX_BYTES (1L * 1024 * 1024)

static const char *const system_prompt =
    "You help people write prompts for image generators. Answer briefly; when you propose a prompt, "
    "put it on its own line starting with 'Prompt:'.";

/* What each missing element can gain, and a style's own words. */
static const char *const additions[IG_EL__MAX] = {
	[IG_EL_SUBJECT] = NULL,
	[IG_EL_STYLE] = "in a painterly illustration style",
	[IG_EL_LIGHTING] = "soft golden-hour lighting",
	[IG_EL_COMPOSITION] = "rule-of-thirds composition, wide shot",
	[IG_EL_MOOD] = "serene atmosphere",
	[IG_EL_QUALITY] = "highly detailed, sharp focus",
};

static const struct {
	const char *style, *words, *negative;
} styles[] = {
	{ "realistic", "photorealistic, natural colours", "cartoon, illustration, blurry, deformed hands, extra fingers, watermark, text" },
	{ "anime", "anime style, clean line art, cel shading", "photorealistic, lowres, bad anatomy, extra limbs, watermark, text" },
	{ "oil_painting", "oil painting, visible brush strokes, rich impasto", "photograph, flat colours, blurry, watermark, text" },
	{ "watercolor", "watercolor painting, soft washes, paper texture", "photograph, hard edges, oversaturated, watermark, text" },
	{ "pixel_art", "pixel art, limited palette, crisp pixels", "blurry, anti-aliased, photorealistic, gradients, watermark" },
	{ "cyberpunk", "cyberpunk, neon lights, rain-slick streets", "daylight pastoral, washed out, blurry, watermark, text" },
	{ "3d_render", "3D render, physically based materials, global illumination", "flat, sketchy, low poly artifacts, noisy, watermark" },
	{ "sketch", "pencil sketch, cross-hatching, graphite on paper", "colour, photograph, blurry, smudged, watermark" },
};

static int
style_index(const char *s)
{
	for (size_t i = 0; s && i < sizeof(styles) / sizeof(styles[0]); i++)
		if (strcmp(styles[i].style, s) == 0)
			return (int)i;
	return -1;
}

/* A style field (its value given): one of styles[], named by the field. */
static int
style_known(const char *name, const char *style, ig_err *err)
{
	if (style_index(style) < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, name,
		    "%s must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch", name);
	return 0;
}

/* The prompt with what it lacks added, the negative prompt for the style,
 * and the list of changes made. */
static void
enhance(const char *prompt, const char *style, ig_buf *out, const char **negative, json_object *changes)
{
	ig_analysis a;
	int si = style_index(style);

	ig_buf_puts(out, prompt);
	*negative = si >= 0 ? styles[si].negative : "blurry, low quality, watermark, text, deformed";
	if (ig_analyze_prompt(prompt, &a) != 0)
		return;
	for (int e = 0; e < IG_EL__MAX; e++) {
		const char *add = e == IG_EL_STYLE && si >= 0 ? styles[si].words : additions[e];
		char *change;
		if (a.nterms[e] > 0 || add == NULL)
			continue;
		ig_buf_printf(out, ", %s", add);
		change = ig_xasprintf("added %s: %s", ig_element_name((ig_element)e), add);
		json_object_array_add(changes, json_object_new_string(change));
		free(change);
	}
}

/* Up to n library prompts in style (any when NULL) as a JSON array. */
static json_object *
library_prompts(const char *style, int n, ig_err *err)
{
	ig_prompt_entry *e;
	int ne;
	json_object *a = json_object_new_array();

	if (ig_prompt_suggest(NULL, style, n, &e, &ne, err) != 0)
		return a;
	for (int i = 0; i < ne; i++)
		json_object_array_add(a, json_object_new_string(e[i].prompt));
	ig_prompt_entries_free(e, ne);
	return a;
}

/* The built-in engine's reply: what the message (taken as a prompt) has,
 * what it lacks, and an enhanced version. */
static char *
builtin_reply(const char *message, const char *style)
{
	ig_analysis a;
	ig_buf b = { 0 }, enhanced = { 0 };
	const char *neg;
	json_object *changes = json_object_new_array();

	if (ig_analyze_prompt(message, &a) != 0) {
		json_object_put(changes);
		return ig_xstrdup("That text is not valid UTF-8, so I cannot read it as a prompt.");
	}
	ig_buf_printf(&b, "Read as a prompt, this has %zu word%s and scores %.1f of 10.", a.word_count,
	    a.word_count == 1 ? "" : "s", a.quality_score);
	for (int e = 0; e < IG_EL__MAX; e++)
		if (a.nterms[e] > 0)
			ig_buf_printf(&b, " It names %s (%s).", ig_element_name((ig_element)e), a.terms[e][0]);
	for (int i = 0; i < a.nsuggestions; i++)
		ig_buf_printf(&b, " %s", a.suggestions[i]);
	enhance(message, style, &enhanced, &neg, changes);
	if (json_object_array_length(changes) > 0)
		ig_buf_printf(&b, "\nPrompt: %s\nNegative prompt: %s", enhanced.data, neg);
	ig_buf_free(&enhanced);
	json_object_put(changes);
	return b.data;
}

/* The providers with a chat API (the registry's chat.build), in their
 * chat.order, into order; returns how many. */
static int
chat_providers(const ig_provider_ops *order[IG_PROVIDERS_MAX])
{
	int n = 0;

	for (size_t i = 0; ig_providers[i] != NULL; i++) {
		const ig_provider_ops *ops = ig_providers[i];
		int at;

		if (ops->chat.build == NULL || ops->chat.parse == NULL)
			continue;
		for (at = n++; at > 0 && order[at - 1]->chat.order > ops->chat.order; at--)
			order[at] = order[at - 1];
		order[at] = ops;
	}
	return n;
}

/* The LLM to ask: a stored key of the caller's first, then the server's
 * where lib/jobs/serverkey.h lets the caller use it (a metered caller's
 * chat counted here); providers in chat.order (OpenAI before Gemini). *pc
 * NULL: none (the built-in engine answers). 0, or -1 with err (429 past
 * the daily cap). */
static int
llm_for(ig_req *req, const ig_pconf **pc, char **key, ig_err *err)
{
	const ig_provider_ops *order[IG_PROVIDERS_MAX];
	int norder = chat_providers(order);
	ig_sk_caller who = { req->caller.user_id, req->caller.is_admin };
	char why[256];
	int retry_after;

	*key = NULL;
	*pc = NULL;
	for (int i = 0; i < norder; i++) {
		ig_err kerr;
		/* A key that cannot be read or opened is passed over. */
		if (ig_provider_key_open(req->caller.user_id, order[i]->name, key, &kerr) == 0) {
			*pc = ig_pconf_get(order[i]->name);
			return 0;
		}
	}
	for (int i = 0; i < norder; i++) {
		ig_sk_verdict v = ig_server_key_allowed(&who, order[i]->name, IG_SK_CHATS, why, sizeof(why));
		if (v == IG_SK_DENIED)
			continue;
		if (v == IG_SK_METERED && ig_server_key_charge(who.user_id, IG_SK_CHATS, 1, NULL, &retry_after, err) != 0) {
			if (retry_after > 0) {
				char ra[16];
				snprintf(ra, sizeof(ra), "%d", retry_after);
				ig_req_add_header(req, "Retry-After", ra);
			}
			return -1;
		}
		*pc = ig_pconf_get(order[i]->name);
		*key = ig_xstrdup((*pc)->api_key);
		return 0;
	}
	return 0;
}

/* Ask the LLM (its adapter's chat.build / chat.parse); its reply text
 * (caller frees) or NULL with err. */
static char *
ask_llm(const ig_pconf *pc, const char *key, const ig_conv_turn *hist, int n, const char *message, ig_err *err)
{
	ig_http_req h = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128], *reply = NULL;
	ig_chat_turn *turns = ig_xcalloc((size_t)n + 1, sizeof(*turns));

	for (int i = 0; i < n; i++) {
		turns[i].role = hist[i].role;
		turns[i].content = hist[i].content;
	}
	turns[n].role = "user";
	turns[n].content = message;
	if (pc->ops->chat.build(pc->base_url, key, system_prompt, turns, n + 1, &h) != 0) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "%s chat request could not be built", pc->ops->name);
		goto out;
	}
	if (ig_http_fetch(&h, pc, LLM_TIMEOUT_MS, LLM_MAX_BYTES, &resp, &buf, ctype, err) != 0)
		goto out;
	if (resp.status != 200) {
		ig_err_set(err, resp.status == 401 || resp.status == 403 ? IG_E_PROVIDER_AUTH_FAILED :
		    resp.status == 429 ? IG_E_RATE_LIMITED : resp.timed_out ? IG_E_PROVIDER_TIMEOUT : IG_E_PROVIDER_ERROR,
		    NULL, "%s chat answered %ld", pc->ops->name, resp.status);
		goto out;
	}
	reply = pc->ops->chat.parse(&resp);
	if (reply == NULL)
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "%s chat answered something unreadable", pc->ops->name);
out:
	free(turns);
	ig_http_req_free(&h);
	ig_buf_free(&buf);
	return reply;
}

/* POST /api/assistant/chat. */
struct chat_body {
	const char *message, *context, *style, *conversation_id;
};

static int
check_chat_style(void *dst, ig_err *err)
{
	return style_known("preferred_style", ((struct chat_body *)dst)->style, err);
}

static const ig_field chat_fields[] = {
	{ "message", IG_F_STRING, IG_F_REQUIRED, 1, MESSAGE_MAX, .at = IG_AT(struct chat_body, message) },
	{ "context", IG_F_STRING, 0, 0, MESSAGE_MAX, .at = IG_AT(struct chat_body, context) },
	{ "preferred_style", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct chat_body, style), .check = check_chat_style },
	/* Its form is checked below: a malformed id is no such conversation. */
	{ "conversation_id", IG_F_STRING, 0, 36, 36, .at = IG_AT(struct chat_body, conversation_id) },
	IG_FIELDS_END
};

int
ig_api_assistant_chat(ig_req *req, json_object **out, ig_err *err)
{
	struct chat_body b = { NULL, NULL, NULL, NULL };
	const char *source = ig_provider_builtin.name;
	char conv[IG_UUID_BUF], *key = NULL, *reply = NULL, *question = NULL;
	const ig_pconf *pc;
	ig_conv_turn *hist = NULL;
	int nhist = 0, rc = -1, owned;

	if (ig_fields_body(req, chat_fields, &b, err) != 0)
		return -1;
	if (b.conversation_id != NULL) {
		if (!ig_is_uuid(b.conversation_id)) {
			ig_err_set(err, IG_E_NOT_FOUND, "conversation_id", "no such conversation");
			goto out;
		}
		owned = ig_conv_owned(b.conversation_id, req->caller.user_id, err);
		if (owned < 0)
			goto out;
		if (owned == 0) {
			ig_err_set(err, IG_E_NOT_FOUND, "conversation_id", "no such conversation");
			goto out;
		}
		snprintf(conv, sizeof(conv), "%s", b.conversation_id);
	} else {
		ig_uuid4(conv);
	}
	question = b.context && *b.context ? ig_xasprintf("%s\n\nContext: %s", b.message, b.context) :
	    ig_xstrdup(b.message);
	/* The LLM's answer may take a minute: a long request from here. */
	if (ig_req_hold(req, err) != 0 || llm_for(req, &pc, &key, err) != 0)
		goto out;
	if (pc != NULL) {
		if (ig_conv_history(conv, HISTORY_TURNS, &hist, &nhist, err) != 0)
			goto out;
		reply = ask_llm(pc, key, hist, nhist, question, err);
		if (reply == NULL)
			goto out;
		source = pc->ops->name;
	} else {
		reply = builtin_reply(b.message, b.style);
	}
	if (ig_conv_append(conv, req->caller.user_id, "user", question, "user", err) != 0 ||
	    ig_conv_append(conv, req->caller.user_id, "assistant", reply, source, err) != 0)
		goto out;
	*out = ig_ok("reply", json_object_new_string(reply));
	json_object_object_add(*out, "suggested_prompts", library_prompts(b.style, 3, err));
	json_object_object_add(*out, "conversation_id", json_object_new_string(conv));
	json_object_object_add(*out, "source", json_object_new_string(source));
	rc = 200;
out:
	if (key != NULL) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	ig_conv_turns_free(hist, nhist);
	free(reply);
	free(question);
	return rc;
}

#define SUGGEST_RECENT 3          /* the caller's recent prompts, reworked */
#define SUGGEST_EXAMPLES 3        /* library prompts beside a prompt's own suggestions */
#define SUGGEST_EXAMPLES_GENERAL 5

static void
add_suggestion(json_object *list, const char *text, const char *kind, const char *based_on)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "text", json_object_new_string(text));
	json_object_object_add(s, "kind", json_object_new_string(kind));
	if (based_on != NULL)
		json_object_object_add(s, "based_on", json_object_new_string(based_on));
	json_object_array_add(list, s);
}

/* Up to n library prompts in style (any when NULL), as kind "example". */
static void
add_examples(json_object *list, const char *style, int n, ig_err *err)
{
	json_object *ex = library_prompts(style, n, err);

	for (size_t i = 0; i < json_object_array_length(ex); i++)
		add_suggestion(list, json_object_get_string(json_object_array_get_idx(ex, i)), "example", NULL);
	json_object_put(ex);
}

/*
 * The general suggestions, when no prompt is given (the seed's call sends
 * no parameters): the caller's recent prompts with what they lack added
 * (kind "recent", based_on the prompt as it was sent), the style's own words
 * and negative prompt when a style is given (kind "style"), library prompts
 * in that style (kind "example"), and the rule the analyzer scores by
 * (kind "tip"). 0, or -1 with err.
 */
static int
general_suggestions(ig_req *req, const char *style, json_object *list, ig_err *err)
{
	char **recent = ig_prompt_recent(req->caller.user_id, SUGGEST_RECENT, err);
	int si = style_index(style);

	if (recent == NULL)
		return -1;
	for (int i = 0; recent[i] != NULL; i++) {
		ig_buf e = { 0 };
		const char *neg;
		json_object *changes = json_object_new_array();

		enhance(recent[i], style, &e, &neg, changes);
		add_suggestion(list, e.data, "recent", recent[i]);
		json_object_put(changes);
		ig_buf_free(&e);
	}
	ig_prompt_list_free(recent);
	if (si >= 0) {
		char *t = ig_xasprintf("For %s, add \"%s\" and use the negative prompt \"%s\"", styles[si].style,
		    styles[si].words, styles[si].negative);
		add_suggestion(list, t, "style", NULL);
		free(t);
	}
	add_examples(list, style, SUGGEST_EXAMPLES_GENERAL, err);
	add_suggestion(list, "Name a subject first, then its style, lighting, composition and mood: "
	    "POST /api/analyze-prompt scores a prompt higher for each one it names", "tip", NULL);
	return 0;
}

/*
 * GET /api/assistant/suggestions[?prompt=&style=]: with a prompt, what it
 * lacks (kind "missing_element") and library examples; without one, the
 * general suggestions above. style (one of styles[]) refines both.
 */
/* The suggestions' query and the enhance body: a prompt and a style. */
struct prompt_style {
	const char *prompt, *style;
};

static int
check_style(void *dst, ig_err *err)
{
	return style_known("style", ((struct prompt_style *)dst)->style, err);
}

static const ig_field suggest_query[] = {
	{ "prompt", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct prompt_style, prompt), .bytes = MESSAGE_MAX * 4 },
	{ "style", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct prompt_style, style), .bytes = 39, .check = check_style },
	IG_FIELDS_END
};

int
ig_api_assistant_suggestions(ig_req *req, json_object **out, ig_err *err)
{
	struct prompt_style q = { NULL, NULL };
	const char *prompt, *st;
	json_object *list;
	ig_analysis a;

	if (ig_fields_query(req, suggest_query, &q, err) != 0)
		return -1;
	prompt = q.prompt;
	st = q.style;
	list = json_object_new_array();
	if (prompt == NULL || prompt[0] == '\0') {
		if (general_suggestions(req, st, list, err) != 0) {
			json_object_put(list);
			return -1;
		}
		*out = ig_ok("suggestions", list);
		return 200;
	}
	if (ig_analyze_prompt(prompt, &a) != 0) {
		json_object_put(list);
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt must be valid UTF-8 of at most %d bytes",
		    IG_ANALYZE_MAX_BYTES);
	}
	for (int i = 0; i < a.nsuggestions; i++)
		add_suggestion(list, a.suggestions[i], "missing_element", NULL);
	add_examples(list, st, SUGGEST_EXAMPLES, err);
	*out = ig_ok("suggestions", list);
	return 200;
}

/* POST /api/assistant/enhance. */
static const ig_field enhance_fields[] = {
	{ "prompt", IG_F_STRING, IG_F_REQUIRED, 1, MESSAGE_MAX, .at = IG_AT(struct prompt_style, prompt) },
	{ "style", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct prompt_style, style), .check = check_style },
	IG_FIELDS_END
};

int
ig_api_assistant_enhance(ig_req *req, json_object **out, ig_err *err)
{
	struct prompt_style b = { NULL, NULL };
	json_object *changes;
	const char *neg;
	ig_buf enhanced = { 0 };
	ig_analysis a;

	if (ig_fields_body(req, enhance_fields, &b, err) != 0)
		return -1;
	if (ig_analyze_prompt(b.prompt, &a) != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt must be valid UTF-8");
	changes = json_object_new_array();
	enhance(b.prompt, b.style, &enhanced, &neg, changes);
	*out = ig_ok("enhanced_prompt", json_object_new_string(enhanced.data));
	json_object_object_add(*out, "negative_prompt", json_object_new_string(neg));
	json_object_object_add(*out, "changes", changes);
	ig_buf_free(&enhanced);
	return 200;
}
