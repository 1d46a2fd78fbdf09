/*
 * prompts.c — GET /api/prompt-suggestions and POST /api/analyze-prompt:
 * the library of lib/prompts/library.h scored by the analyzer of
 * lib/prompts/analyze.h, and generation-time estimates from the observed
 * durations of recent jobs.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/prompts/analyze.h"
#include "lib/prompts/library.h"
#include "lib/providers/provider.h"

static json_object *
string_array(const char *const *list, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; n < 0 ? list[i] != NULL : i < n; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

/* GET /api/prompt-suggestions?category=&style=&limit= */
struct suggest_query {
	const char *category, *style;
	int64_t limit;
};

static const ig_field suggest_query[] = {
	{ "category", IG_F_ENUM, 0, 0, 0, .values = ig_prompt_categories, .at = IG_AT(struct suggest_query, category),
	  .msg = "unknown {name}; valid values: {values}", .bytes = 63 },
	{ "style", IG_F_ENUM, 0, 0, 0, .values = ig_prompt_styles, .at = IG_AT(struct suggest_query, style),
	  .msg = "unknown {name}; valid values: {values}", .bytes = 63 },
	{ "limit", IG_F_INT, 0, 1, 50, .at = IG_AT(struct suggest_query, limit), .bytes = 15 },
	IG_FIELDS_END
};

int
ig_api_prompt_suggestions(ig_req *req, json_object **out, ig_err *err)
{
	struct suggest_query q = { NULL, NULL, 10 };
	int n;
	ig_prompt_entry *e;
	json_object *list, *o;
	ig_analysis a;

	if (ig_fields_query(req, suggest_query, &q, err) != 0)
		return -1;
	if (ig_prompt_suggest(q.category, q.style, (int)q.limit, &e, &n, err) != 0)
		return -1;
	list = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *s = json_object_new_object();
		json_object_object_add(s, "prompt", json_object_new_string(e[i].prompt));
		json_object_object_add(s, "category", json_object_new_string(e[i].category));
		json_object_object_add(s, "style", json_object_new_string(e[i].style));
		if (ig_analyze_prompt(e[i].prompt, &a) == 0)
			json_object_object_add(s, "quality_score", json_object_new_double(a.quality_score));
		else
			json_object_object_add(s, "quality_score", NULL);
		json_object_array_add(list, s);
	}
	ig_prompt_entries_free(e, n);
	o = ig_ok("suggestions", list);
	json_object_object_add(o, "categories", string_array(ig_prompt_categories, -1));
	json_object_object_add(o, "styles", string_array(ig_prompt_styles, -1));
	*out = o;
	return 200;
}

/* The estimate object and its words for provider ops. */
static int
estimate(const ig_provider_ops *ops, char *words, size_t len, json_object **detail, ig_err *err)
{
	int samples, lo, hi, observed;
	double p25, p75;
	json_object *d;

	if (ig_provider_durations(ops->name, &samples, &p25, &p75, err) != 0)
		return -1;
	observed = ig_estimate_range(samples, p25, p75, ops->caps.latency_s, &lo, &hi);
	snprintf(words, len, "%d-%d seconds", lo, hi);
	d = json_object_new_object();
	json_object_object_add(d, "provider", json_object_new_string(ops->name));
	json_object_object_add(d, "low_s", json_object_new_int(lo));
	json_object_object_add(d, "high_s", json_object_new_int(hi));
	json_object_object_add(d, "basis", json_object_new_string(observed ? "observed" : "declared"));
	json_object_object_add(d, "samples", json_object_new_int(samples));
	if (observed) {
		json_object_object_add(d, "p25_s", json_object_new_double((double)(long)(p25 * 100) / 100));
		json_object_object_add(d, "p75_s", json_object_new_double((double)(long)(p75 * 100) / 100));
	}
	*detail = d;
	return 0;
}

static json_object *
analysis_json(const ig_analysis *a)
{
	json_object *o = json_object_new_object(), *el = json_object_new_object();

	json_object_object_add(o, "word_count", json_object_new_int64((int64_t)a->word_count));
	json_object_object_add(o, "complexity", json_object_new_string(ig_complexity_name(a->complexity)));
	json_object_object_add(o, "quality_score", json_object_new_double(a->quality_score));
	json_object_object_add(o, "suggestions", string_array(a->suggestions, a->nsuggestions));
	for (int e = 0; e < IG_EL__MAX; e++)
		json_object_object_add(el, ig_element_name((ig_element)e), string_array(a->terms[e], a->nterms[e]));
	json_object_object_add(o, "elements", el);
	return o;
}

/* POST /api/analyze-prompt {prompt, api_provider} */
struct analyze_body {
	const char *prompt, *provider;
};

static const ig_field analyze_body[] = {
	{ "prompt", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROMPT_MAX, .at = IG_AT(struct analyze_body, prompt) },
	{ "api_provider", IG_F_STRING, 0, 1, 64, .at = IG_AT(struct analyze_body, provider) },
	IG_FIELDS_END
};

int
ig_api_analyze_prompt(ig_req *req, json_object **out, ig_err *err)
{
	struct analyze_body b = { NULL, NULL };
	const char *prompt;
	const ig_provider_ops *ops;
	json_object *an, *detail, *o;
	ig_analysis a;
	char words[64];

	if (ig_fields_body(req, analyze_body, &b, err) != 0)
		return -1;
	prompt = b.prompt;
	ops = ig_provider_find(b.provider ? b.provider : ig_cfg()->default_provider);
	if (ops == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "api_provider", "unknown api_provider");
	/* The body parser already refused invalid UTF-8; the length is capped. */
	if (ig_analyze_prompt(prompt, &a) != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt must be valid UTF-8");
	if (estimate(ops, words, sizeof(words), &detail, err) != 0)
		return -1;
	an = analysis_json(&a);
	json_object_object_add(an, "estimated_generation_time", json_object_new_string(words));
	json_object_object_add(an, "estimate", detail);
	o = ig_ok("prompt", json_object_new_string(prompt));
	json_object_object_add(o, "analysis", an);
	*out = o;
	return 200;
}
