/*
 * provider.h — the one interface every image provider adapter implements
 * (DESIGN.md: "the provider table ... ops like libjwt's crypto ops").
 *
 * An adapter is a small state machine over HTTP exchanges, so the job
 * runner can drive many provider calls at once with curl_multi and no
 * thread per call: the runner asks the adapter for a request (build),
 * performs it, hands the response back (parse), and the adapter either
 * finishes with images, asks for another exchange (polling, downloading an
 * output URL, the next image of a count), asks for a retry after a delay,
 * or fails with one of our error codes. Adapters do no I/O themselves,
 * which also makes them testable with canned responses.
 *
 * Wire formats: ../shared/PROVIDERS.md. Base URLs come from configuration
 * (IG_<PROVIDER>_BASE_URL) so tests point adapters at the mock providers.
 */
#ifndef IG_PROVIDERS_PROVIDER_H
#define IG_PROVIDERS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"

/* What a caller asked for, validated against the adapter's declaration. */
typedef struct ig_gen_request {
	const char *prompt;
	const char *negative_prompt;    /* NULL when none */
	const char *model;              /* never NULL: the default is filled in */
	const char *style;              /* NULL when none */
	const char *quality;            /* NULL when none */
	int width, height;
	int count;                      /* images wanted in total */
	int has_seed;
	int64_t seed;
	const char *api_key;            /* resolved key; NULL when the provider needs none */
	json_object *extra;             /* provider-specific fields, or NULL */
	/* A creative tool's AI path (issue 12; lib/jobs/creative.h): the
	 * operation ("upscale", "style-transfer", "variation"), or NULL for a
	 * generation; the source image's bytes as the runner read them. */
	const char *creative;
	const unsigned char *src;
	size_t src_len;
	const char *src_type;           /* "image/png", ... */
	double strength;                /* style-transfer: 0–1 */
} ig_gen_request;

/* One image produced by a call. data is malloc'ed and owned by the call. */
typedef struct ig_gen_image {
	unsigned char *data;
	size_t len;
	int has_seed;
	int64_t seed;
	char *revised_prompt;           /* malloc'ed, or NULL */
	char *drawn;                    /* builtin: what it drew, a JSON object (malloc'ed), or NULL */
} ig_gen_image;

#define IG_HTTP_MAX_HEADERS 8

/* One HTTP exchange an adapter asks for. Strings are malloc'ed by the
 * adapter and freed by ig_http_req_free. A multipart body is given as
 * parts (Stability): name/value pairs, sent as multipart/form-data. */
typedef struct ig_http_part {
	char *name;
	char *value;
	size_t value_len;
	char *filename;                 /* non-NULL for a file part */
	char *content_type;             /* for a file part */
} ig_http_part;

typedef struct ig_http_req {
	char *method;                   /* "GET", "POST" */
	char *url;
	char *headers[IG_HTTP_MAX_HEADERS]; /* "Name: value" lines; secrets allowed here only */
	int nheaders;
	char *body;                     /* JSON body, or NULL */
	size_t body_len;
	ig_http_part *parts;            /* multipart parts, or NULL */
	int nparts;
	long max_bytes;                 /* response size cap; 0 = the runner's default */
	int download;                   /* 1: fetching an output URL (host allow-list applies) */
	int hop;                        /* downloads: 0 the provider's URL, n its n-th redirect */
	long delay_ms;                  /* perform no sooner than this after the previous
	                                 * exchange ended (Replicate's polling); 0 = now */
} ig_http_req;

typedef struct ig_http_resp {
	long status;                    /* 0 when the transfer failed */
	int transport_error;            /* 1 for connect/reset/DNS errors */
	int timed_out;                  /* 1 when the timeout ended it */
	const char *body;               /* NUL-terminated, len bytes */
	size_t len;
	const char *content_type;       /* may be NULL */
	const char *retry_after;        /* Retry-After header value, or NULL */
	const char *finish_reason;      /* Stability's finish-reason header, or NULL */
	const char *seed;               /* Stability's seed header, or NULL */
	const char *location;           /* a 3xx's target as an absolute URL
	                                 * (CURLINFO_REDIRECT_URL), or NULL */
} ig_http_resp;

/* What parse decided. */
typedef enum ig_step {
	IG_STEP_DONE,       /* all images of the call are in call->images */
	IG_STEP_NEXT,       /* perform *next, then parse again */
	IG_STEP_RETRY,      /* retryable failure: redo the last request after call->retry_ms */
	IG_STEP_FAIL,       /* final failure: err says which (provider_auth_failed → 401, ...) */
} ig_step;

/* One provider call in flight (all images of a job). The adapter keeps
 * its own progress in state (freed by ig_provider_cleanup). */
typedef struct ig_call {
	const ig_gen_request *req;
	const char *base_url;           /* IG_<PROVIDER>_BASE_URL */
	ig_gen_image *images;
	int nimages;
	long retry_ms;                  /* for IG_STEP_RETRY: the provider's hint, 0 = back-off */
	void *state;
	char upstream_id[128];          /* e.g. Replicate's prediction id, for cancel */
	int redirects;                  /* redirects followed for the download in progress */
	/* Output URLs the provider handed back, downloaded in order, each
	 * with the prompt it was revised to (or NULL): the adapters' ig_download_*
	 * (adapter.h); freed with the call by ig_provider_cleanup. */
	struct ig_downloads {
		char **urls;
		char **revised;
		int n, next;
	} downloads;
} ig_call;

/* One turn of the assistant's conversation: role "user" or "assistant". */
typedef struct ig_chat_turn {
	const char *role;
	const char *content;
} ig_chat_turn;

typedef struct ig_model_decl {
	const char *id;
	const char *name;
	int is_default;
} ig_model_decl;

/* What a provider can do: the bounds a request is validated against
 * (app/api/generate.c) and what the catalogue shows. */
typedef struct ig_provider_caps {
	const char *const *sizes;       /* "WxH" list, NULL-terminated; NULL = any up to max_side */
	int max_side;
	int max_images;                 /* per request */
	int negative_prompt;            /* takes negative_prompt */
	int seed;                       /* takes seed */
	int latency_s;                  /* typical seconds, for estimates before any history */
} ig_provider_caps;

/* The provider's keys. */
typedef struct ig_provider_keys {
	int required;                   /* a key is needed to generate (cloud APIs) */
	int none;                       /* takes no key at all (builtin): no stored keys, no api_key */
	/* How its keys begin ("sk-"), NULL-terminated, or NULL: a word
	 * starting so is scrubbed from every provider's error text. */
	const char *const *prefixes;
	/* The default probe (ig_provider_probe): GET base URL + probe_path with
	 * the key as the value of header (NULL: "Authorization: Bearer <key>");
	 * it passes on 200. NULL probe_path and NULL ops->probe: the provider
	 * cannot be probed. */
	const char *probe_path;
	const char *header;
} ig_provider_keys;

/* Settings (lib/jobs/pconf.c reads them). */
typedef struct ig_provider_settings {
	/* The prefix of the per-provider settings: <prefix>_CONCURRENCY,
	 * <prefix>_DOWNLOAD_HOSTS. */
	const char *prefix;
	/* The variable holding the base URL (IG_<NAME>_BASE_URL; the local
	 * server's is IG_LOCAL_AI_URL) and the one holding the server's own key. */
	const char *base_url_var;
	const char *api_key_var;
	/* Where output URLs live besides the API host (comma-separated, a
	 * leading '.' allows subdomains), the default of <prefix>_DOWNLOAD_HOSTS;
	 * NULL when only the API host. */
	const char *delivery_hosts;
} ig_provider_settings;

/* The settings of a provider whose variables follow the rule
 * <prefix>_BASE_URL and <prefix>_API_KEY (all but the local server's):
 * .settings = { IG_PROVIDER_SETTINGS("IG_OPENAI"), .delivery_hosts = … }. */
#define IG_PROVIDER_SETTINGS(prefix_) \
	.prefix = prefix_, .base_url_var = prefix_ "_BASE_URL", .api_key_var = prefix_ "_API_KEY"

/*
 * The assistant's chat (app/api/assistant.c), for providers that have a
 * chat API; all NULL otherwise. build: the request asking for the next
 * turn after system and turns (oldest first; the last is the user's
 * message), 0 or -1. parse: the reply text of a 200 answer (malloc'ed), or
 * NULL when it has none. The assistant tries the providers with chat in
 * ascending order.
 */
typedef struct ig_provider_chat {
	int (*build)(const char *base_url, const char *api_key, const char *system,
	    const ig_chat_turn *turns, int nturns, ig_http_req *out);
	char *(*parse)(const ig_http_resp *resp);
	int order;
} ig_provider_chat;

typedef struct ig_provider_ops {
	const char *name;               /* "openai" */
	const char *display_name;       /* "OpenAI" */
	const char *default_base_url;
	const ig_model_decl *models;    /* NULL-id terminated */
	int open_models;                /* 1: model ids beyond `models` are accepted
	                                 * (a model hub, a local server's checkpoints) */
	/* Request fields (extras) that reach the provider as the caller wrote
	 * them, beyond the declared bounds (Replicate's version and input);
	 * NULL-terminated, or NULL. With open_models, what the server's own key
	 * runs only for administrators (lib/jobs/serverkey.h). */
	const char *const *free_form;
	ig_provider_caps caps;
	ig_provider_keys key;
	ig_provider_settings settings;
	ig_provider_chat chat;

	/* Providers without a network call (builtin): produce the images of
	 * the call directly. NULL for HTTP adapters (build/parse are used). */
	int (*local)(ig_call *call, ig_err *err);
	/* Check req beyond the declaration (model-specific sizes, counts);
	 * -1 with err naming the field. May be NULL. */
	int (*validate)(const ig_gen_request *req, ig_err *err);
	/* First exchange of a call. 0 or -1 with err. */
	int (*build)(ig_call *call, ig_http_req *out, ig_err *err);
	/* Interpret a response; fills call->images, *next or err. */
	ig_step (*parse)(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err);
	/* Request that cancels the call upstream (Replicate), or 0 when there
	 * is nothing to cancel. May be NULL. */
	int (*cancel)(ig_call *call, ig_http_req *out);
	/* The cheapest authenticated request, to test a key (GET models).
	 * NULL: the default built from key.probe_path (ig_provider_probe). */
	int (*probe)(const char *base_url, const char *api_key, ig_http_req *out);
	/* 1 when resp to probe shows the key works. NULL: status 200. */
	int (*probe_ok)(const ig_http_resp *resp);
} ig_provider_ops;

/* The provider table: every adapter, one row each, NULL-terminated
 * (providers.c). Everything that lists providers iterates it. */
#define IG_PROVIDERS_MAX 16
/* The rows, for the routes that belong to one provider (its own generate
 * and models routes) and the offline default: they name it by its row. */
extern const ig_provider_ops ig_provider_gemini, ig_provider_openai, ig_provider_stability,
    ig_provider_huggingface, ig_provider_replicate, ig_provider_local_ai, ig_provider_builtin;
extern const ig_provider_ops *ig_providers[IG_PROVIDERS_MAX + 1];
const ig_provider_ops *ig_provider_find(const char *name);
/*
 * Add a row to the table. Used by tests only: test_registry registers a
 * provider of its own and checks that every derived list shows it. -1 when the name is taken or the table is full.
 * Not thread-safe: call before any thread reads the table.
 */
int ig_provider_register(const ig_provider_ops *ops);
/* Remove the row of that name again (tests only). */
void ig_provider_unregister(const char *name);
/* 1 when a key may be given for ops (stored, sent as api_key). */
int ig_provider_takes_key(const ig_provider_ops *ops);
/*
 * The names of the table, ", "-separated, in table order, into out (for
 * "must be one of ..." messages); with keyed, only those that take a key.
 * Returns out.
 */
char *ig_provider_names(char *out, size_t len, int keyed);
/* The shared tail of every adapter: ops->probe / probe_ok, or the
 * defaults described beside them; ig_provider_probe returns -1 when the
 * provider cannot be probed. ig_provider_cleanup frees what a call holds:
 * its state (one allocation in every adapter) and its downloads. */
int ig_provider_probe(const ig_provider_ops *ops, const char *base_url, const char *api_key,
    ig_http_req *out);
int ig_provider_probe_ok(const ig_provider_ops *ops, const ig_http_resp *resp);
void ig_provider_cleanup(const ig_provider_ops *ops, ig_call *call);
/* 1 when the word at s begins like a key of any provider in the table (or
 * "Bearer "): what error texts are scrubbed of. */
int ig_provider_looks_like_key(const char *s);

/*
 * What of req lies outside the registry's curated lists: "model" when
 * ops->open_models and req->model is not one of ops->models, else the name
 * of the first ops->free_form field present in req->extra; NULL when the
 * request stays within them (always for a provider without open models or
 * free-form fields). The string is static.
 */
const char *ig_provider_uncurated(const ig_provider_ops *ops, const ig_gen_request *req);

/* Bounds of a provider key (the longest real ones, Replicate's and Hugging
 * Face's, are under 100 characters; JWT-style keys of local servers longer). */
#define IG_PROVIDER_KEY_MIN 8
#define IG_PROVIDER_KEY_MAX 4096
/*
 * The one check of a provider key, wherever it comes from (a request's
 * api_key, one being stored, a stored or configured one about to be used):
 * IG_PROVIDER_KEY_MIN..MAX bytes of printable ASCII without spaces. Every
 * key ends up in an HTTP header line ("Authorization: Bearer <key>"), so a
 * CR, LF or other control byte would let its sender add headers of its own
 * to our request to the provider. 0 when it passes; -1 with err naming the
 * field "api_key" (400 invalid_request) when not.
 */
int ig_provider_key_check(const char *key, ig_err *err);

/* Helpers for adapters (providers.c). */
void ig_http_req_free(ig_http_req *r);
void ig_http_add_header(ig_http_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set the JSON body to o, serialised, and release o: the request takes
 * the caller's reference (every adapter is done with its body then). */
void ig_http_set_json(ig_http_req *r, json_object *o);
void ig_http_add_part(ig_http_req *r, const char *name, const char *value);
/* A file part: len bytes of data (copied), sent with filename and type. */
void ig_http_add_file(ig_http_req *r, const char *name, const unsigned char *data, size_t len,
    const char *filename, const char *content_type);
/* Append an image (takes ownership of data). */
void ig_call_add_image(ig_call *call, unsigned char *data, size_t len, int has_seed, int64_t seed);
void ig_call_free_images(ig_call *call);
/* Parse a Retry-After value (seconds or HTTP date) into milliseconds; -1 if absent/invalid. */
long ig_retry_after_ms(const char *value);
/*
 * The common error rule of PROVIDERS.md for a non-2xx answer: 408, 429
 * (unless quota_exhausted), 500, 502, 503, 504 and transport errors are
 * retryable (IG_STEP_RETRY, call->retry_ms from Retry-After); 401/403 →
 * provider_auth_failed; 400/404/422 and others are final. message is the
 * provider's own, for the error text.
 */
ig_step ig_provider_http_error(ig_call *call, const ig_http_resp *resp, int quota_exhausted,
    const char *message, ig_err *err);

#endif
