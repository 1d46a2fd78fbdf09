/* workflow.h — the routes of API.md "Workflows" (app/api/workflow.c). */
#ifndef IG_API_WORKFLOW_H
#define IG_API_WORKFLOW_H

#include <json-c/json.h>

#include "app/fcgi/http.h"
#include "lib/core/error.h"

int ig_api_workflow_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_create(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_get(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_update(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_delete(ig_req *req, json_object **out, ig_err *err);
int ig_api_workflow_run(ig_req *req, json_object **out, ig_err *err);

#endif
