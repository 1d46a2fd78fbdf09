/* shares.h — the handlers of app/api/shares.c (issue 13). */
#ifndef IG_API_SHARES_H
#define IG_API_SHARES_H

#include "app/fcgi/http.h"

/* POST /api/collaboration/share: 201 {share_id, token, url, expires_at}. */
int ig_api_share_create(ig_req *req, json_object **out, ig_err *err);
/* GET /api/collaboration/shared/{token} (public): the item, read-only. */
int ig_api_shared_get(ig_req *req, json_object **out, ig_err *err);
/* GET /api/collaboration/shares: the caller's shares, a page. */
int ig_api_shares_list(ig_req *req, json_object **out, ig_err *err);
/* DELETE /api/collaboration/share/{share_id}: revoked at once. */
int ig_api_share_revoke(ig_req *req, json_object **out, ig_err *err);

#endif
