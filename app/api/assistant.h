/* assistant.h — the assistant handlers (assistant.c): chat, suggestions, enhance. */
#ifndef IG_API_ASSISTANT_H
#define IG_API_ASSISTANT_H

#include "app/fcgi/http.h"

int ig_api_assistant_chat(ig_req *req, json_object **out, ig_err *err);
int ig_api_assistant_suggestions(ig_req *req, json_object **out, ig_err *err);
int ig_api_assistant_enhance(ig_req *req, json_object **out, ig_err *err);

#endif
