/* comments.h — the handlers of app/api/comments.c (issue 13). */
#ifndef IG_API_COMMENTS_H
#define IG_API_COMMENTS_H

#include "app/fcgi/http.h"

/* GET, POST /api/collaboration/comments/{image_id} */
int ig_api_comments_list(ig_req *req, json_object **out, ig_err *err);
int ig_api_comment_add(ig_req *req, json_object **out, ig_err *err);
/* PUT, DELETE /api/collaboration/comments/{image_id}/{comment_id} */
int ig_api_comment_edit(ig_req *req, json_object **out, ig_err *err);
int ig_api_comment_delete(ig_req *req, json_object **out, ig_err *err);

#endif
