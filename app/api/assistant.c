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
#include "app/api/assistant.h"
#include "lib/auth/secretbox.h"
#include "lib/core/json.h"
#include "lib/db/db.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/serverkey.h"
#include "lib/prompts/analyze.h"
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

static int
check_style(json_object *b, const char *key, const char **style, ig_err *err)
{
	int rc = ig_json_string(b, key, 0, 1, 32, style, err);

	if (rc < 0)
		return -1;
	if (rc == 0 && style_index(*style) < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch", key);
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
	PGresult *r = ig_prompt_suggestions(NULL, style, n, err);
	json_object *a = json_object_new_array();

	for (int i = 0; r && i < PQntuples(r); i++)
		json_object_array_add(a, json_object_new_string(PQgetvalue(r, i, 0)));
	PQclear(r);
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
		const char *p[2] = { req->caller.user_id, order[i]->name };
		PGresult *r = ig_db_exec("SELECT nonce, ciphertext FROM provider_keys WHERE user_id = $1 AND provider = $2"
		    " ORDER BY created_at DESC LIMIT 1", 2, p, IG_DB_IDEMPOTENT, err);
		if (r != NULL && PQntuples(r) == 1) {
			size_t nl, cl;
			unsigned char *nonce = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &nl);
			unsigned char *ct = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &cl);
			int ok = nonce && ct && nl == IG_SECRETBOX_NONCE && ig_secretbox_open(nonce, ct, cl, key) == 0;
			PQfreemem(nonce);
			PQfreemem(ct);
			PQclear(r);
			if (ok) {
				*pc = ig_pconf_get(order[i]->name);
				return 0;
			}
			continue;
		}
		PQclear(r);
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

/* The conversation so far, oldest first: rows (role, content). */
static PGresult *
history(const char *conv, ig_err *err)
{
	char n[16];
	const char *p[2] = { conv, n };

	snprintf(n, sizeof(n), "%d", HISTORY_TURNS);
	return ig_db_exec("SELECT role, content FROM (SELECT id, role, content FROM assistant_messages"
	    " WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2::int) t ORDER BY id", 2, p, IG_DB_IDEMPOTENT, err);
}

/* Ask the LLM (its adapter's chat.build / chat.parse); its reply text
 * (caller frees) or NULL with err. */
static char *
ask_llm(const ig_pconf *pc, const char *key, PGresult *hist, const char *message, ig_err *err)
{
	ig_http_req h = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128], *reply = NULL;
	int n = PQntuples(hist);
	ig_chat_turn *turns = ig_xcalloc((size_t)n + 1, sizeof(*turns));

	for (int i = 0; i < n; i++) {
		turns[i].role = PQgetvalue(hist, i, 0);
		turns[i].content = PQgetvalue(hist, i, 1);
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

static int
store(const char *conv, const char *user, const char *role, const char *content, const char *source, ig_err *err)
{
	const char *p[5] = { conv, user, role, content, source };

	return ig_db_run("INSERT INTO assistant_messages (conversation_id, user_id, role, content, source)"
	    " VALUES ($1, $2, $3, $4, $5)", 5, p, 0, err);
}

int
ig_api_assistant_chat(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "message", "context", "preferred_style", "conversation_id", NULL };
	json_object *b = ig_body_object(req, keys, err);
	const char *message = NULL, *context = NULL, *style = NULL, *given = NULL, *source = ig_provider_builtin.name;
	char conv[37], *key = NULL, *reply = NULL, *question = NULL;
	const ig_pconf *pc;
	PGresult *hist = NULL;
	int rc = -1;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "message", 1, 1, MESSAGE_MAX, &message, err) < 0 ||
	    ig_json_string(b, "context", 0, 0, MESSAGE_MAX, &context, err) < 0 ||
	    check_style(b, "preferred_style", &style, err) != 0 ||
	    ig_json_string(b, "conversation_id", 0, 36, 36, &given, err) < 0)
		goto out;
	if (given != NULL) {
		const char *p[2] = { given, req->caller.user_id };
		PGresult *r;
		if (!ig_is_uuid(given)) {
			ig_err_set(err, IG_E_NOT_FOUND, "conversation_id", "no such conversation");
			goto out;
		}
		r = ig_db_exec("SELECT 1 FROM assistant_messages WHERE conversation_id = $1 AND user_id = $2 LIMIT 1",
		    2, p, IG_DB_IDEMPOTENT, err);
		if (r == NULL)
			goto out;
		if (PQntuples(r) == 0) {
			PQclear(r);
			ig_err_set(err, IG_E_NOT_FOUND, "conversation_id", "no such conversation");
			goto out;
		}
		PQclear(r);
		snprintf(conv, sizeof(conv), "%s", given);
	} else {
		ig_uuid4(conv);
	}
	question = context && *context ? ig_xasprintf("%s\n\nContext: %s", message, context) : ig_xstrdup(message);
	/* The LLM's answer may take a minute: a long request from here. */
	if (ig_req_hold(req, err) != 0 || llm_for(req, &pc, &key, err) != 0)
		goto out;
	if (pc != NULL) {
		hist = history(conv, err);
		if (hist == NULL)
			goto out;
		reply = ask_llm(pc, key, hist, question, err);
		if (reply == NULL)
			goto out;
		source = pc->ops->name;
	} else {
		reply = builtin_reply(message, style);
	}
	if (store(conv, req->caller.user_id, "user", question, "user", err) != 0 ||
	    store(conv, req->caller.user_id, "assistant", reply, source, err) != 0)
		goto out;
	*out = ig_ok("reply", json_object_new_string(reply));
	json_object_object_add(*out, "suggested_prompts", library_prompts(style, 3, err));
	json_object_object_add(*out, "conversation_id", json_object_new_string(conv));
	json_object_object_add(*out, "source", json_object_new_string(source));
	rc = 200;
out:
	if (key != NULL) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	PQclear(hist);
	free(reply);
	free(question);
	json_object_put(b);
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
int
ig_api_assistant_suggestions(ig_req *req, json_object **out, ig_err *err)
{
	char prompt[MESSAGE_MAX * 4 + 1], style[40];
	int hp = ig_query_param(req, "prompt", prompt, sizeof(prompt), err), hs;
	const char *st;
	json_object *list;
	ig_analysis a;

	if (hp < 0 || (hs = ig_query_param(req, "style", style, sizeof(style), err)) < 0)
		return -1;
	if (hs == 1 && style_index(style) < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "style",
		    "style must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch");
	st = hs == 1 ? style : NULL;
	list = json_object_new_array();
	if (hp == 0 || prompt[0] == '\0') {
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

int
ig_api_assistant_enhance(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "prompt", "style", NULL };
	json_object *b = ig_body_object(req, keys, err), *changes;
	const char *prompt = NULL, *style = NULL, *neg;
	ig_buf enhanced = { 0 };
	ig_analysis a;
	int rc = -1;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "prompt", 1, 1, MESSAGE_MAX, &prompt, err) < 0 || check_style(b, "style", &style, err) != 0)
		goto out;
	if (ig_analyze_prompt(prompt, &a) != 0) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt must be valid UTF-8");
		goto out;
	}
	changes = json_object_new_array();
	enhance(prompt, style, &enhanced, &neg, changes);
	*out = ig_ok("enhanced_prompt", json_object_new_string(enhanced.data));
	json_object_object_add(*out, "negative_prompt", json_object_new_string(neg));
	json_object_object_add(*out, "changes", changes);
	rc = 200;
out:
	ig_buf_free(&enhanced);
	json_object_put(b);
	return rc;
}
