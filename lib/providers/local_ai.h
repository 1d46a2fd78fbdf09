/*
 * local_ai.h — what the local_ai adapter offers beyond the ops table: the
 * checkpoint list of the server it points at (GET /api/local_ai/models).
 */
#ifndef IG_PROVIDERS_LOCAL_AI_H
#define IG_PROVIDERS_LOCAL_AI_H

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/providers/provider.h"

/*
 * Read the answer to ig_provider_local_ai.probe (GET /sdapi/v1/sd-models:
 * [{title, model_name, hash, filename, …}]) as our model list
 * [{id, name, default}]: "default" (whatever is loaded) first, then each
 * checkpoint by model_name, which the adapter sends as
 * override_settings.sd_model_checkpoint. Returns a new array (the caller
 * puts it), or NULL with err provider_error.
 */
json_object *ig_local_ai_models(const ig_http_resp *resp, ig_err *err);

#endif
