/* routes.c — the route table and its matcher; see routes.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/projects.h"
#include "app/api/batch_stream.h"
#include "app/api/storage.h"
#include "app/api/image_files.h"
#include "app/fcgi/routes.h"

#define PUBLIC IG_ACCESS_PUBLIC, 0
#define USER IG_ACCESS_USER
#define ADMIN IG_ACCESS_ADMIN
#define R IG_SCOPE_READ
#define A IG_SCOPE_ADMIN
#define SMALL IG_BODY_SMALL
#define FULL IG_BODY_FULL
#define LONG IG_HOLD_LONG

/* Order matters only between a literal segment and a capture at the same
 * place: the first matching row wins. The last column is the body limit
 * (routes.h): FULL for a batch's prompts and Replicate's free-form input
 * (images as data URIs); log-event's 16 KB of metadata may arrive
 * \u-escaped, so it takes twice SMALL. After it, LONG marks the rows
 * that hold their thread for long (routes.h: streams, generation waits,
 * LLM calls); the others leave the column out (IG_HOLD_SHORT), which is
 * why this table alone is exempt from the missing-initializer warning. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const ig_route ig_routes[] = {
	{ "GET", "/health", ig_api_health, PUBLIC, IG_RATE_NONE, NULL, SMALL },
	{ "GET", "/api/health", ig_api_health, PUBLIC, IG_RATE_NONE, NULL, SMALL },
	/* Only what nginx has no file for (IG_IMAGE_BACKEND=s3: a redirect). */
	{ "GET", "/generated_images/{name}", NULL, PUBLIC, IG_RATE_NONE, ig_api_generated_image, SMALL },

	{ "POST", "/api/auth/register", ig_api_register, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/login", ig_api_login, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/refresh", ig_api_refresh, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/logout", ig_api_logout, USER, 0, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/password-reset/request", ig_api_reset_request, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/password-reset/confirm", ig_api_reset_confirm, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/logout-all", ig_api_logout_all, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/auth/email/confirm", ig_api_email_confirm, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },

	{ "GET", "/api/user", ig_api_user_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "PUT", "/api/user", ig_api_user_put, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/user", ig_api_user_delete, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/user/activity", ig_api_user_activity, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/settings/user-preferences", ig_api_prefs_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "PUT", "/api/settings/user-preferences", ig_api_prefs_put, USER, A, IG_RATE_GENERAL, NULL, SMALL },

	{ "GET", "/api/keys", ig_api_keys_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/keys", ig_api_keys_create, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/keys/providers", ig_api_provider_key_add, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/keys/providers/{id}", ig_api_provider_key_delete, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/keys/providers/{id}/test", ig_api_provider_key_test, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/keys/{id}", ig_api_keys_delete, USER, A, IG_RATE_GENERAL, NULL, SMALL },

	/* Anonymous callers too when IG_ALLOW_ANONYMOUS=1 (the handler checks). */
	{ "POST", "/api/generate-image", ig_api_generate_image, IG_ACCESS_PUBLIC, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },

	{ "GET", "/api/huggingface/models", ig_api_huggingface_models, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/replicate/models", ig_api_replicate_models, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/local_ai/models", ig_api_local_ai_models, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/local_ai/status", ig_api_local_ai_status, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/huggingface/generate", ig_api_huggingface_generate, IG_ACCESS_USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },
	{ "POST", "/api/replicate/generate", ig_api_replicate_generate, IG_ACCESS_USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, FULL, LONG },
	{ "POST", "/api/local_ai/generate", ig_api_local_ai_generate, IG_ACCESS_USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },
	{ "POST", "/v1/images/generations", ig_api_v1_images_generations, IG_ACCESS_USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },
	{ "GET", "/v1/models", ig_api_v1_models, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },
	/* Public; with a token it also says which providers the caller has a key for. */
	{ "GET", "/api/settings/api-providers", ig_api_providers_catalogue, IG_ACCESS_PUBLIC, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, SMALL },

	/* Batches: literal segments before the {batch_id} captures. */
	{ "POST", "/api/batch/generate", ig_api_batch_generate, USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, FULL },
	{ "GET", "/api/batch", ig_api_batch_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/batch/webhook-secret", ig_api_batch_webhook_secret, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/batch/webhook-secret/rotate", ig_api_batch_webhook_secret_rotate, USER, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/batch/status/{batch_id}", ig_api_batch_status, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/batch/{batch_id}", ig_api_batch_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/batch/{batch_id}/cancel", ig_api_batch_cancel, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/batch/{batch_id}/retry", ig_api_batch_retry, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },

	/* The gallery and one image (app/api/gallery.c). */
	{ "GET", "/api/files/gallery", ig_api_gallery_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/files/delete/{file_id}", ig_api_gallery_delete, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/files/organize", ig_api_gallery_organize, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/images/{id}", ig_api_image_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "PATCH", "/api/images/{id}", ig_api_image_patch, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	/* An upload (app/api/upload.c) and a processed copy (app/api/process.c). */
	{ "POST", "/api/images", ig_api_image_upload, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, IG_BODY_UPLOAD },
	{ "POST", "/api/image/process", ig_api_image_process, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	/* The builtin creative tools (app/api/creative.c): jobs waited for. */
	{ "POST", "/api/creative/upscale", ig_api_creative_upscale, USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },
	{ "POST", "/api/creative/style-transfer", ig_api_creative_style, USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },
	{ "POST", "/api/creative/variations", ig_api_creative_variations, USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, SMALL, LONG },

	/* Prompts and assistant (app/api/prompts.c, assistant.c). */
	{ "POST", "/api/assistant/chat", ig_api_assistant_chat, USER, R, IG_RATE_GENERAL, NULL, SMALL, LONG },
	{ "GET", "/api/assistant/suggestions", ig_api_assistant_suggestions, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/assistant/enhance", ig_api_assistant_enhance, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/prompt-suggestions", ig_api_prompt_suggestions, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/analyze-prompt", ig_api_analyze_prompt, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },

	/* Monitoring (app/api/monitoring.c, monitoring_health.c, monitoring_events.c,
	 * monitoring_prom.c). */
	{ "GET", "/api/monitoring/performance-metrics", ig_api_performance_metrics, ADMIN, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/monitoring/system-stats", ig_api_system_stats, ADMIN, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/monitoring/api-health", ig_api_monitoring_api_health, ADMIN, A, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/monitoring/log-event", ig_api_log_event, USER, R, IG_RATE_GENERAL, NULL, 2 * SMALL },
	{ "GET", "/api/monitoring/events", ig_api_monitoring_events, ADMIN, A, IG_RATE_GENERAL, NULL, SMALL },
	/* Public in the table: the handler lets loopback or an admin through
	 * and writes Prometheus text, not JSON (streamed). */
	{ "GET", "/metrics", NULL, IG_ACCESS_PUBLIC, R, IG_RATE_GENERAL, ig_api_metrics, SMALL },

	/* A batch's events and download (app/api/batch_stream.c, streamed: the
	 * .stream column) and its events ticket (app/api/batch.c). */
	/* Public in the table: the handler takes a Bearer token or an
	 * events ticket (a browser's EventSource sends no headers). */
	{ "GET", "/api/batch/{batch_id}/events", NULL, IG_ACCESS_PUBLIC, R, IG_RATE_GENERAL, ig_api_batch_events, SMALL, LONG },
	{ "POST", "/api/batch/{batch_id}/events-ticket", ig_api_batch_events_ticket, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/batch/{batch_id}/download", NULL, USER, R, IG_RATE_GENERAL, ig_api_batch_download, SMALL, LONG },

	/* Collaboration: projects and members (app/api/projects.c). */
	{ "GET", "/api/collaboration/projects", ig_api_projects_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/collaboration/projects", ig_api_projects_create, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/collaboration/projects/{id}", ig_api_project_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "PUT", "/api/collaboration/projects/{id}", ig_api_project_put, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/collaboration/projects/{id}", ig_api_project_delete, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/collaboration/projects/{id}/members", ig_api_project_member_add, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/collaboration/projects/{id}/members/{user_id}", ig_api_project_member_remove, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },

	/* Collaboration: shares (app/api/shares.c). The shared item is public
	 * (a link's token is the credential), limited per IP as anonymous. */
	{ "POST", "/api/collaboration/share", ig_api_share_create, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/collaboration/share/{share_id}", ig_api_share_revoke, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/collaboration/shares", ig_api_shares_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/collaboration/shared/{token}", ig_api_shared_get, PUBLIC, IG_RATE_GENERAL, NULL, SMALL },

	/* Collaboration: comments (app/api/comments.c). */
	{ "GET", "/api/collaboration/comments/{image_id}", ig_api_comments_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/collaboration/comments/{image_id}", ig_api_comment_add, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "PUT", "/api/collaboration/comments/{image_id}/{comment_id}", ig_api_comment_edit, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/collaboration/comments/{image_id}/{comment_id}", ig_api_comment_delete, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },

	/* Analytics (app/api/analytics.c). */
	{ "GET", "/api/analytics/usage-stats", ig_api_analytics_usage, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/analytics/popular-prompts", ig_api_analytics_prompts, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/analytics/generation-trends", ig_api_analytics_trends, USER, R, IG_RATE_GENERAL, NULL, SMALL },

	/* Storage (app/api/storage.c). The download is a streamed row: its
	 * answer is headers only (X-Accel-Redirect or a redirect to S3). */
	{ "POST", "/api/storage/upload", ig_api_storage_upload, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, IG_BODY_UPLOAD },
	{ "GET", "/api/storage/download/{file_id}", NULL, USER, R, IG_RATE_GENERAL, ig_api_storage_download, SMALL },
	{ "DELETE", "/api/storage/delete/{file_id}", ig_api_storage_delete, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/storage/files", ig_api_storage_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },

	/* Workflows (app/api/workflow.c). */
	{ "GET", "/api/workflow", ig_api_workflow_list, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/workflow", ig_api_workflow_create, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "GET", "/api/workflow/{id}", ig_api_workflow_get, USER, R, IG_RATE_GENERAL, NULL, SMALL },
	{ "PUT", "/api/workflow/{id}", ig_api_workflow_update, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "DELETE", "/api/workflow/{id}", ig_api_workflow_delete, USER, IG_SCOPE_GENERATE, IG_RATE_GENERAL, NULL, SMALL },
	{ "POST", "/api/workflow/{id}/run", ig_api_workflow_run, USER, IG_SCOPE_GENERATE, IG_RATE_GENERATE, NULL, FULL },

	/* The OpenAPI document (app/api/openapi.c). */
	{ "GET", "/api/openapi.json", ig_api_openapi, IG_ACCESS_PUBLIC, 0, IG_RATE_GENERAL, NULL, SMALL },
};
#pragma GCC diagnostic pop

const size_t ig_nroutes = sizeof(ig_routes) / sizeof(ig_routes[0]);

long
ig_route_body_limit(const ig_route *route, long max_body, long max_upload)
{
	long want = route == NULL ? IG_BODY_SMALL : route->max_body;

	if (want == IG_BODY_UPLOAD)
		return max_upload + IG_UPLOAD_OVERHEAD;
	return want == IG_BODY_FULL || want > max_body ? max_body : want;
}

/* Match pattern against path segment by segment, filling captures. */
static int
match_pattern(const char *pattern, const char *path, ig_route_match *m)
{
	const char *p = pattern, *s = path;

	m->nparams = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || slen >= sizeof(m->values[0]) || m->nparams == IG_ROUTE_MAX_PARAMS)
				return 0;
			snprintf(m->names[m->nparams], sizeof(m->names[0]), "%.*s", (int)(plen - 2), p + 1);
			snprintf(m->values[m->nparams], sizeof(m->values[0]), "%.*s", (int)slen, s);
			m->nparams++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return 0;
		}
		p += plen;
		s += slen;
	}
	return *p == '\0' && *s == '\0';
}

static void
allow_add(char *allow, size_t len, const char *method)
{
	/* Keep each method once. */
	char probe[16];
	snprintf(probe, sizeof(probe), "%s,", method);
	char list[160];
	snprintf(list, sizeof(list), "%s,", allow);
	for (char *t = list; (t = strstr(t, probe)) != NULL; t++)
		if (t == list || t[-1] == ' ')
			return;
	size_t used = strlen(allow);
	snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

int
ig_route_find(const ig_route *table, size_t n, const char *method,
    const char *path, ig_route_match *m)
{
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	ig_route_match tmp;
	int path_matched = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++) {
		if (!match_pattern(table[i].pattern, path, &tmp))
			continue;
		path_matched = 1;
		allow_add(m->allow, sizeof(m->allow), table[i].method);
		if (strcmp(table[i].method, "GET") == 0)
			allow_add(m->allow, sizeof(m->allow), "HEAD");
		if (m->route == NULL && strcmp(table[i].method, want) == 0) {
			char allow[sizeof(m->allow)];
			memcpy(allow, m->allow, sizeof(allow));
			*m = tmp;
			memcpy(m->allow, allow, sizeof(allow));
			m->route = &table[i];
		}
	}
	if (m->route != NULL)
		return 0;
	return path_matched ? IG_E_METHOD_NOT_ALLOWED : IG_E_NOT_FOUND;
}
