/* prompts.h — the prompt tools of API.md "Prompts and assistant":
 * library suggestions and prompt analysis (prompts.c). */
#ifndef IG_API_PROMPTS_H
#define IG_API_PROMPTS_H

#include "app/fcgi/http.h"

/* GET /api/prompt-suggestions?category=&style=&limit= (public). */
int ig_api_prompt_suggestions(ig_req *req, json_object **out, ig_err *err);
/* POST /api/analyze-prompt {prompt, api_provider?} (public). */
int ig_api_analyze_prompt(ig_req *req, json_object **out, ig_err *err);

#endif
