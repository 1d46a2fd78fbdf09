/* openapi.h — GET /api/openapi.json: the OpenAPI 3.1 document of every
 * route (docs/openapi.json in the repository, installed in pkgdatadir). */
#ifndef IG_API_OPENAPI_H
#define IG_API_OPENAPI_H

#include "app/fcgi/http.h"

/* Serve the document read from IG_OPENAPI_PATH. 200 with the parsed
 * document; -1 with err (503 unavailable) when the file is missing or is
 * not a JSON object — a deployment fault, logged with the path. */
int ig_api_openapi(ig_req *req, json_object **out, ig_err *err);

#endif
