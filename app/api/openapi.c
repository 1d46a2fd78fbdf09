/*
 * openapi.c — GET /api/openapi.json (API.md "Conventions"). The document is
 * hand-maintained in docs/openapi.json, kept honest by tests/unit/test_openapi
 * (every route documented, every documented operation routed), installed in
 * pkgdatadir, and read here on each request: it is small, requested rarely,
 * and a redeployed file is served without a restart.
 */
#include "ig_autoconf.h"

#include "app/api/api.h"
#include "lib/core/config.h"
#include "lib/core/log.h"

int
ig_api_openapi(ig_req *req, json_object **out, ig_err *err)
{
	const char *path = ig_cfg()->openapi_path;
	json_object *doc;

	(void)req;
	doc = json_object_from_file(path);
	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		ig_logf(IG_LOG_ERROR, "openapi_unreadable", "cannot read the OpenAPI document %s", path);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the API description is not available");
	}
	ig_req_add_header(req, "Cache-Control", "public, max-age=300");
	*out = doc;
	return 200;
}
