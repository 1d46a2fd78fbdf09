/* api.h — the handlers of the route table, one file per API area, and the
 * helpers they share (common.c). */
#ifndef IG_API_API_H
#define IG_API_API_H

#include <stddef.h>

#include "app/fcgi/http.h"
#include "lib/auth/account.h"
#include "lib/auth/user.h"

/* common.c */
/* The request body as a JSON object, strictly parsed, with only the keys
 * listed (NULL-terminated) allowed. Returns a new reference, or NULL with
 * err: 415 for a non-JSON Content-Type, 400 otherwise. */
json_object *ig_body_object(ig_req *req, const char *const *allowed, ig_err *err);
/* Value of query parameter name, URL-decoded into out; 1 found, 0 absent,
 * -1 malformed or too long (err names the parameter). */
int ig_query_param(const ig_req *req, const char *name, char *out, size_t outlen, ig_err *err);
/* ?limit= within 1..max (default def); -1 with err. */
int ig_query_limit(const ig_req *req, int def, int max, int *out, ig_err *err);
/* {"success": true} plus the given key and value (value may be NULL). */
json_object *ig_ok(const char *key, json_object *value);
/* ig_ok of one list page: key's list and "next_cursor" (next, or null on
 * the last page). Takes next (malloc'ed or NULL) and frees it. */
json_object *ig_ok_page(const char *key, json_object *list, char *next);
/* The answer of a handler from found, what a lib/ lookup or change of one
 * `what` ("image", "workflow") returned (1 found, 0 none, -1 with err):
 * 200 with ig_ok(key, value) in *out; else value (may be NULL) is put,
 * and IG_FAILED with err: a 404 "no such <what>" for 0, err as the lookup
 * left it for -1. */
int ig_ok_found(int found, const char *what, const char *key, json_object *value, json_object **out, ig_err *err);
/*
 * An answer's members read from a lib/ struct, declared as data as the
 * request's fields are (fields.h): each a char array member of the struct,
 * written as a string (null for "": a timestamp that is not set) or, with
 * csv, as the array of its comma-separated words. A table ends with
 * IG_OUT_END; ig_out_json returns a new object with the table's members in
 * its order.
 */
typedef struct ig_out {
	const char *name;
	size_t at;
	int csv;
} ig_out;
#define IG_OUT(type, member) { #member, offsetof(type, member), 0 }
#define IG_OUT_AS(name, type, member) { name, offsetof(type, member), 0 }
#define IG_OUT_CSV(type, member) { #member, offsetof(type, member), 1 }
#define IG_OUT_END { NULL, 0, 0 }
json_object *ig_out_json(const void *row, const ig_out *table);
/* Record an event in the user's activity; details is consumed (may be NULL).
 * Failures are logged, never fatal to the request. */
void ig_activity(ig_req *req, const char *user_id, const char *kind, json_object *details);
/* The same for an event the caller causes in another user's activity (a
 * share received, a reply): without the caller's address, which is none of
 * that user's business. */
void ig_activity_told(const char *user_id, const char *kind, json_object *details);
/* A stored image (filename in the image store) as a base64 JSON string; NULL
 * when it cannot be read. */
json_object *ig_image_b64(const char *filename);
/* 1 when s is a canonical UUID. */
int ig_is_uuid(const char *s);
/* 1 when s is an RFC 3339 date-time with plausible fields (PostgreSQL
 * parses it; this keeps a malformed one a 400 rather than a 500). */
int ig_rfc3339_ok(const char *s);

/* health.c */
int ig_api_health(ig_req *req, json_object **out, ig_err *err);

/* auth.c */
int ig_api_register(ig_req *req, json_object **out, ig_err *err);
int ig_api_login(ig_req *req, json_object **out, ig_err *err);
int ig_api_refresh(ig_req *req, json_object **out, ig_err *err);
int ig_api_logout(ig_req *req, json_object **out, ig_err *err);
int ig_api_reset_request(ig_req *req, json_object **out, ig_err *err);
int ig_api_reset_confirm(ig_req *req, json_object **out, ig_err *err);
int ig_api_logout_all(ig_req *req, json_object **out, ig_err *err);
int ig_api_email_confirm(ig_req *req, json_object **out, ig_err *err);
/* Reserve one login attempt of key ("user:<id>", …) before a password is
 * checked: 0, or -1 with err (429 and Retry-After when over the limit). */
int ig_login_reserve(ig_req *req, const char *key, ig_err *err);
/* Queue the notice to the old address of an email change, and the
 * confirmation link to a new one (lib/auth/outbox.c; the runner sends). */
void ig_auth_mail_email_changed(const char *old_to, const char *username, const char *new_email);
void ig_auth_mail_confirm(const char *to, const char *username, const char *token);
/* {sessions, api_keys} of what ending a user's credentials revoked. */
json_object *ig_auth_revoked_json(const ig_revoked *rv);

/* user.c */
int ig_api_user_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_user_put(ig_req *req, json_object **out, ig_err *err);
int ig_api_user_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_user_activity(ig_req *req, json_object **out, ig_err *err);
int ig_api_prefs_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_prefs_put(ig_req *req, json_object **out, ig_err *err);

/* keys.c */
int ig_api_keys_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_keys_create(ig_req *req, json_object **out, ig_err *err);
int ig_api_keys_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_provider_key_add(ig_req *req, json_object **out, ig_err *err);
int ig_api_provider_key_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_provider_key_test(ig_req *req, json_object **out, ig_err *err);

/* generate.c */
int ig_api_generate_image(ig_req *req, json_object **out, ig_err *err);

int ig_api_huggingface_generate(ig_req *req, json_object **out, ig_err *err);
int ig_api_replicate_generate(ig_req *req, json_object **out, ig_err *err);
int ig_api_local_ai_generate(ig_req *req, json_object **out, ig_err *err);

/* provider_routes.c */
int ig_api_huggingface_models(ig_req *req, json_object **out, ig_err *err);
int ig_api_replicate_models(ig_req *req, json_object **out, ig_err *err);
int ig_api_local_ai_models(ig_req *req, json_object **out, ig_err *err);
int ig_api_local_ai_status(ig_req *req, json_object **out, ig_err *err);

/* openai_compat.c */
int ig_api_v1_images_generations(ig_req *req, json_object **out, ig_err *err);
int ig_api_v1_models(ig_req *req, json_object **out, ig_err *err);

/* catalogue.c */
int ig_api_providers_catalogue(ig_req *req, json_object **out, ig_err *err);
/* The providers list of GET /api/settings/api-providers, one entry per
 * registry row, from what the handler read: has[i], whether the caller
 * holds a key for ig_providers[i]; used, today's server-key counts
 * (IG_SK__MAX); last, the providers' last job outcomes (nlast). New
 * reference. */
struct ig_job_outcome;
json_object *ig_catalogue_providers(const ig_req *req, const int has[], const int used[],
    const struct ig_job_outcome *last, int nlast);

/* gallery.c: the gallery and one image (lib/gallery/images.h). */
int ig_api_gallery_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_gallery_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_gallery_organize(ig_req *req, json_object **out, ig_err *err);
int ig_api_image_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_image_patch(ig_req *req, json_object **out, ig_err *err);
/* The strings of a (an array the field reader checked; NULL: none), each 1
 * to IG_GALLERY_TAG_LEN characters without a comma, into *out (malloc'ed,
 * the caller frees; borrowed strings) and *n: an image's tags as PATCH,
 * organize and generation take them. 0, or -1 with err naming field. */
int ig_api_tags(json_object *a, const char *field, const char ***out, int *n, ig_err *err);
/* The image id of user_id as GET /api/images/{id} answers it (*image, a
 * new object): 1, 0 when user_id has no such image, -1 with err. */
int ig_api_image_json(const char *id, const char *user_id, json_object **image, ig_err *err);
/* May the caller make something new of image id (process it, a creative
 * tool, copy it to their stored files)? Only its owner may: 0 then; else
 * -1 with err naming image_id — a 404 when they may not see it
 * (lib/collab/access.h), a 403 when they may see it (a project member, a
 * share's recipient) but it is not theirs. */
int ig_api_image_source(const ig_req *req, const char *id, ig_err *err);

/* upload.c: POST /api/images; process.c: POST /api/image/process */
int ig_api_image_upload(ig_req *req, json_object **out, ig_err *err);
int ig_api_image_process(ig_req *req, json_object **out, ig_err *err);
/* creative.c: POST /api/creative/upscale, style-transfer, variations */
int ig_api_creative_upscale(ig_req *req, json_object **out, ig_err *err);
int ig_api_creative_style(ig_req *req, json_object **out, ig_err *err);
int ig_api_creative_variations(ig_req *req, json_object **out, ig_err *err);
/* What a step's image_id reads as when checked (the route's table requires
 * one; a step's source is the previous step's image). */
#define IG_STEP_NO_IMAGE "00000000-0000-4000-8000-000000000000"
/* A workflow step of the tool ("upscale", "style-transfer", "variation"),
 * read by that route's table; creative.c says more. */
int ig_api_creative_step(const char *tool, json_object *step, const char *prefix, json_object **creative,
    ig_err *err);
/* A workflow's process step {operations, title?}, read as POST
 * /api/image/process reads them (errors naming prefix + "operations[1].width").
 * 0, or -1 with err. */
int ig_api_process_step(json_object *step, const char *prefix, ig_err *err);
/* Around a handler's image work (decoding, operations, encoding): freed
 * heap memory is kept for reuse while any runs, trimmed when the last ends
 * (process.c says why). */
void ig_image_work_begin(void);
void ig_image_work_end(void);

/* batch.c */
int ig_api_batch_generate(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_status(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_cancel(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_retry(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_events_ticket(ig_req *req, json_object **out, ig_err *err);
/* callback_url of a batch: http(s), and not a private address unless
 * IG_WEBHOOK_ALLOW_HOSTS lists it. 0 or -1 with err naming the field. */
int ig_batch_check_callback(const char *url, ig_err *err);

/* monitoring.c */
int ig_api_performance_metrics(ig_req *req, json_object **out, ig_err *err);
int ig_api_system_stats(ig_req *req, json_object **out, ig_err *err);
/* monitoring_health.c */
int ig_api_monitoring_api_health(ig_req *req, json_object **out, ig_err *err);
/* monitoring_events.c */
int ig_api_log_event(ig_req *req, json_object **out, ig_err *err);
int ig_api_monitoring_events(ig_req *req, json_object **out, ig_err *err);
/* monitoring_prom.c: GET /metrics, streamed (Prometheus text, not JSON). */
int ig_api_metrics(ig_req *req, json_object **out, ig_err *err);

/* prompts.c: the prompt tools of API.md "Prompts and assistant", library
 * suggestions and prompt analysis. */
/* GET /api/prompt-suggestions?category=&style=&limit= (public). */
int ig_api_prompt_suggestions(ig_req *req, json_object **out, ig_err *err);
/* POST /api/analyze-prompt {prompt, api_provider?} (public). */
int ig_api_analyze_prompt(ig_req *req, json_object **out, ig_err *err);

/* assistant.c: chat, suggestions, enhance. */
int ig_api_assistant_chat(ig_req *req, json_object **out, ig_err *err);
int ig_api_assistant_suggestions(ig_req *req, json_object **out, ig_err *err);
int ig_api_assistant_enhance(ig_req *req, json_object **out, ig_err *err);

/* webhooks.c: the batch webhook signing secret (API.md "Batches"), GET
 * /api/batch/webhook-secret and POST /api/batch/webhook-secret/rotate
 * (user access, admin scope). */
int ig_api_batch_webhook_secret(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_webhook_secret_rotate(ig_req *req, json_object **out, ig_err *err);

/* projects.c (issue 13; its access helpers: projects.h) */
int ig_api_projects_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_projects_create(ig_req *req, json_object **out, ig_err *err);
int ig_api_project_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_project_put(ig_req *req, json_object **out, ig_err *err);
int ig_api_project_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_project_member_add(ig_req *req, json_object **out, ig_err *err);
int ig_api_project_member_remove(ig_req *req, json_object **out, ig_err *err);

/* shares.c (issue 13) */
/* POST /api/collaboration/share: 201 {share_id, token, url, expires_at}. */
int ig_api_share_create(ig_req *req, json_object **out, ig_err *err);
/* GET /api/collaboration/shared/{token} (public): the item, read-only. */
int ig_api_shared_get(ig_req *req, json_object **out, ig_err *err);
/* GET /api/collaboration/shares: the caller's shares, a page. */
int ig_api_shares_list(ig_req *req, json_object **out, ig_err *err);
/* DELETE /api/collaboration/share/{share_id}: revoked at once. */
int ig_api_share_revoke(ig_req *req, json_object **out, ig_err *err);

/* comments.c (issue 13) */
/* GET, POST /api/collaboration/comments/{image_id} */
int ig_api_comments_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_comment_add(ig_req *req, json_object **out, ig_err *err);
/* PUT, DELETE /api/collaboration/comments/{image_id}/{comment_id} */
int ig_api_comment_edit(ig_req *req, json_object **out, ig_err *err);
int ig_api_comment_delete(ig_req *req, json_object **out, ig_err *err);

/* analytics.c (issue 13) */
/* GET /api/analytics/usage-stats (from, to, scope). */
int ig_api_analytics_usage(ig_req *req, json_object **out, ig_err *err);
/* GET /api/analytics/popular-prompts (limit, from, to, scope). */
int ig_api_analytics_prompts(ig_req *req, json_object **out, ig_err *err);
/* GET /api/analytics/generation-trends (interval, from, to, tz, scope). */
int ig_api_analytics_trends(ig_req *req, json_object **out, ig_err *err);

/* storage.c: the Storage routes of API.md, stored files of any type in the
 * object store IG_STORAGE_BACKEND names (its file names: storage.h). */
/* POST /api/storage/upload: multipart/form-data with a `file` part, or
 * JSON {image_id} copying one of the caller's gallery images. */
int ig_api_storage_upload(ig_req *req, json_object **out, ig_err *err);
/* GET /api/storage/download/{file_id} (streamed row: the answer is only
 * headers, X-Accel-Redirect for local files, a redirect for S3). */
int ig_api_storage_download(ig_req *req, json_object **out, ig_err *err);
/* DELETE /api/storage/delete/{file_id} */
int ig_api_storage_delete(ig_req *req, json_object **out, ig_err *err);
/* GET /api/storage/files?limit=&cursor= */
int ig_api_storage_list(ig_req *req, json_object **out, ig_err *err);

/* workflow.c: the routes of API.md "Workflows". */
int ig_api_workflow_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_create(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_update(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_run(ig_req *req, json_object **out, ig_err *err);

/* openapi.c: GET /api/openapi.json, the OpenAPI 3.1 document of every
 * route (docs/openapi.json in the repository, installed in pkgdatadir).
 * 200 with the document read from IG_OPENAPI_PATH; -1 with err (503
 * unavailable) when the file is missing or is not a JSON object — a
 * deployment fault, logged with the path. */
int ig_api_openapi(ig_req *req, json_object **out, ig_err *err);

#endif
