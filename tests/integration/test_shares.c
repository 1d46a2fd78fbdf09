/*
 * test_shares.c — shares through nginx (API.md "Collaboration"):
 * POST /api/collaboration/share (a public link or a user share of an
 * image or a project), GET /api/collaboration/shared/{token} (public,
 * read-only), GET /api/collaboration/shares (the owner's list) and
 * DELETE /api/collaboration/share/{share_id} (revoked at once).
 *
 * What each test stops: a link that keeps working after it is revoked or
 * expired; a token kept in the clear (a database read would hand out every
 * link); a share made by someone who does not own the item; a shared view
 * that leaks the owner or the job; an endless number of live shares.
 *
 * A user share's recipient is checked through the access rule as this
 * part's routes see it (the recipient may see the item, so sharing it is a
 * 403, not a 404); GET /api/images/{id} going through the same rule is
 * another part of issue 13, so its status is printed, not asserted.
 * Projects are made with SQL (their routes are another part).
 */
#include "ig_autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/collab/share.h"
#include "lib/core/util.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

static const char *
src(void)
{
	return it_source(150, 20, 10);
}

/* A new user: token (caller frees), id (37 bytes) and name (64 bytes). */
static char *
user(const char *prefix, char *uid, char *name)
{
	char *token = it_new_user(prefix, src(), name), *id;

	id = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
	snprintf(uid, 37, "%s", id);
	free(id);
	return token;
}

/* An image of token's user, uploaded: its id into out (37 bytes). */
static void
image_of(const char *token, char *out)
{
	json_object *im = it_img_source_png(token);

	snprintf(out, 37, "%s", it_js(im, "id"));
	json_object_put(im);
}

/* POST /api/collaboration/share with the body printf(fmt, ...) as token. */
static void __attribute__((format(printf, 3, 0)))
vshare(it_resp *r, const char *token, const char *fmt, va_list ap)
{
	char body[1024];

	vsnprintf(body, sizeof(body), fmt, ap);
	it_json(r, src(), "POST", "/api/collaboration/share", token, "%s", body);
}

static void __attribute__((format(printf, 3, 4)))
share(it_resp *r, const char *token, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vshare(r, token, fmt, ap);
	va_end(ap);
}

/* A share that must be made: the 201's body (caller puts). */
static json_object * __attribute__((format(printf, 2, 3)))
share_ok(const char *token, const char *fmt, ...)
{
	va_list ap;
	it_resp r;
	json_object *o;

	va_start(ap, fmt);
	vshare(&r, token, fmt, ap);
	va_end(ap);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* method prefix+id as token (NULL: anonymous): the status; the body of a
 * 200 into *keep when keep is not NULL, and anything else must be the
 * not_found error. */
static long
status_of(const char *method, const char *prefix, const char *id, const char *token, json_object **keep)
{
	char path[512];
	it_resp r;
	long st;

	snprintf(path, sizeof(path), "%s%s", prefix, id);
	it_json(&r, src(), method, path, token, NULL);
	st = r.status;
	if (keep != NULL)
		*keep = st == 200 ? it_json_body(&r) : NULL;
	if (st != 200)
		it_expect_error(&r, st, "not_found", NULL, NULL);
	it_resp_free(&r);
	return st;
}

/* GET /api/collaboration/shared/{token}, anonymous. */
static long
shared_status(const char *link_token, json_object **keep)
{
	return status_of("GET", "/api/collaboration/shared/", link_token, NULL, keep);
}

static long
revoke_share(const char *token, const char *share_id)
{
	return status_of("DELETE", "/api/collaboration/share/", share_id, token, NULL);
}

/* A link made, fetched anonymously (the image without its owner, job or
 * organizing), listed without its token, revoked: 404 at once, and a
 * second revoke is a 404 too. */
START_TEST(link_lifecycle)
{
	char uid[37], name[64], img[37], path[256], tok[64], sid[37];
	char *owner = user("shl", uid, name), *got;
	json_object *o, *v;
	it_resp r;

	image_of(owner, img);
	o = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	snprintf(tok, sizeof(tok), "%s", it_js(o, "token"));
	snprintf(sid, sizeof(sid), "%s", it_js(o, "share_id"));
	ck_assert_uint_eq(strlen(tok), IG_SHARE_TOKEN_LEN);
	snprintf(path, sizeof(path), "/api/collaboration/shared/%s", tok);
	ck_assert_msg(strstr(it_js(o, "url"), path) != NULL, "url %s", it_js(o, "url"));
	/* A link expires in 7 days unless told otherwise, and says when. */
	got = it_psql("SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '|' ||"
	    " (expires_at - created_at = interval '7 days') FROM shares WHERE id = '%s'", sid);
	snprintf(path, sizeof(path), "%s|true", it_js(o, "expires_at"));
	ck_assert_str_eq(got, path);
	free(got);
	json_object_put(o);

	ck_assert_int_eq(shared_status(tok, &v), 200);
	ck_assert_str_eq(it_js(v, "image.id"), img);
	ck_assert_msg(strncmp(it_js(v, "image.url"), "/generated_images/", 18) == 0, "url");
	it_jint(v, "image.width");
	it_js(v, "image.provider");
	it_js(v, "image.created_at");
	it_assert_absent(v, "image.user_id");
	it_assert_absent(v, "image.owner");
	it_assert_absent(v, "image.job_id");
	it_assert_absent(v, "image.request");
	it_assert_absent(v, "image.tags");
	it_assert_absent(v, "image.folder");
	it_assert_absent(v, "image.filename");
	json_object_put(v);

	/* The owner's list shows the link, never its token. */
	it_json(&r, src(), "GET", "/api/collaboration/shares", owner, NULL);
	IT_EXPECT(&r, 200);
	ck_assert_msg(strstr(r.body.data, tok) == NULL, "the list shows the token");
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "shares.0.share_id"), sid);
	ck_assert(it_jbool(o, "shares.0.public_link"));
	ck_assert_str_eq(it_js(o, "shares.0.status"), "live");
	ck_assert_ptr_null(it_jpath(o, "shares.0.with_user"));
	json_object_put(o);

	ck_assert_int_eq(revoke_share(owner, sid), 200);
	ck_assert_int_eq(shared_status(tok, NULL), 404);
	ck_assert_int_eq(revoke_share(owner, sid), 404);
	it_json(&r, src(), "GET", "/api/collaboration/shares", owner, NULL);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "shares.0.status"), "revoked");
	it_js(o, "shares.0.revoked_at");
	json_object_put(o);
	free(owner);
}
END_TEST

/* The token is kept only as its SHA-256: no column holds its text. */
START_TEST(token_stored_hashed)
{
	char uid[37], name[64], img[37], tok[64];
	char *owner = user("shh", uid, name), *got;
	json_object *o;

	image_of(owner, img);
	o = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	snprintf(tok, sizeof(tok), "%s", it_js(o, "token"));
	got = it_psql("SELECT count(*) FROM shares s WHERE strpos(s::text, '%s') > 0"
	    " OR strpos(encode(s.token_hash, 'escape'), '%s') > 0", it_sql_safe(tok), tok);
	ck_assert_str_eq(got, "0");
	free(got);
	got = it_psql("SELECT count(*) FROM shares WHERE token_hash = sha256('%s'::bytea) AND id = '%s'", tok,
	    it_sql_safe(it_js(o, "share_id")));
	ck_assert_str_eq(got, "1");
	free(got);
	json_object_put(o);
	free(owner);
}
END_TEST

/* A link past its expires_at is a 404; so are a malformed token and one
 * of the right shape that no share has. */
START_TEST(link_expiry)
{
	char uid[37], name[64], img[37], tok[64];
	char *owner = user("she", uid, name);
	json_object *o;

	image_of(owner, img);
	o = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true, \"expires_in\": 3600}", img);
	snprintf(tok, sizeof(tok), "%s", it_js(o, "token"));
	ck_assert_int_eq(shared_status(tok, NULL), 200);
	free(it_psql("UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = '%s'",
	    it_sql_safe(it_js(o, "share_id"))));
	ck_assert_int_eq(shared_status(tok, NULL), 404);
	json_object_put(o);
	ck_assert_int_eq(shared_status("not-a-token", NULL), 404);
	ck_assert_int_eq(shared_status("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL), 404);
	free(owner);
}
END_TEST

/* A user share gives the recipient the item (the access rule counts it:
 * sharing it on is a 403, a stranger's a 404), tells the recipient in
 * their activity, and ends at once when revoked or expired. */
START_TEST(user_share)
{
	char ouid[37], oname[64], ruid[37], rname[64], suid[37], sname[64], img[37], sid[37], path[128];
	char *owner = user("sho", ouid, oname), *rcpt = user("shr", ruid, rname), *stranger = user("shs", suid, sname);
	char *email;
	json_object *o;
	it_resp r;

	image_of(owner, img);
	/* Before any share the recipient may not even see it. */
	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);

	o = share_ok(owner, "{\"image_id\": \"%s\", \"with_user\": \"%s\"}", img, rname);
	snprintf(sid, sizeof(sid), "%s", it_js(o, "share_id"));
	ck_assert_ptr_null(it_jpath(o, "token"));
	ck_assert_ptr_null(it_jpath(o, "url"));
	ck_assert_ptr_null(it_jpath(o, "expires_at"));
	ck_assert(it_jhas(o, "token") && it_jhas(o, "url") && it_jhas(o, "expires_at"));
	json_object_put(o);

	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	share(&r, stranger, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/images/%s", img);
	printf("user_share: GET /api/images/{id} as the recipient: %ld\n", it_get_status(src(), path, rcpt));

	/* The recipient's activity says so, without the sharer's address. */
	it_json(&r, src(), "GET", "/api/user/activity", rcpt, NULL);
	IT_EXPECT(&r, 200);
	ck_assert_msg(strstr(r.body.data, "share_received") != NULL && strstr(r.body.data, sid) != NULL,
	    "no share_received: %s", r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "activity.0.kind"), "share_received");
	ck_assert_str_eq(it_js(o, "activity.0.details.share_id"), sid);
	ck_assert_str_eq(it_js(o, "activity.0.details.from"), oname);
	ck_assert_msg(it_jpath(o, "activity.0.ip") == NULL, "the sharer's address is shown to the recipient");
	json_object_put(o);

	/* The owner's list names the recipient. */
	it_json(&r, src(), "GET", "/api/collaboration/shares", owner, NULL);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "shares.0.with_user.username"), rname);
	ck_assert_str_eq(it_js(o, "shares.0.with_user.id"), ruid);
	ck_assert_str_eq(it_js(o, "shares.0.role"), "viewer");
	ck_assert(!it_jbool(o, "shares.0.public_link"));
	json_object_put(o);

	/* Nobody but the owner revokes: the recipient and a stranger get a 404
	 * and the share stays. */
	ck_assert_int_eq(revoke_share(rcpt, sid), 404);
	ck_assert_int_eq(revoke_share(stranger, sid), 404);
	ck_assert_int_eq(revoke_share(owner, "not-a-uuid"), 404);
	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	IT_EXPECT(&r, 403);
	it_resp_free(&r);

	ck_assert_int_eq(revoke_share(owner, sid), 200);
	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);

	/* By email, as an editor; expired, it gives nothing. */
	email = it_psql("SELECT email FROM users WHERE id = '%s'", ruid);
	o = share_ok(owner, "{\"image_id\": \"%s\", \"with_user\": \"%s\", \"role\": \"editor\", \"expires_in\": 600}",
	    img, email);
	it_js(o, "expires_at");
	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	IT_EXPECT(&r, 403);
	it_resp_free(&r);
	free(it_psql("UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = '%s'",
	    it_sql_safe(it_js(o, "share_id"))));
	share(&r, rcpt, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	IT_EXPECT(&r, 404);
	it_resp_free(&r);
	json_object_put(o);
	free(email);
	free(owner);
	free(rcpt);
	free(stranger);
}
END_TEST

/* Each bad field is a 400 (404 for an unknown user) naming it, and no row
 * is made. */
START_TEST(bad_fields)
{
	static const struct {
		const char *body;   /* %1$s the image id, %2$s the owner's name */
		long status;
		const char *field;
	} cases[] = {
		{ "{\"public_link\": true}", 400, "image_id" },
		{ "{\"image_id\": \"%1$s\", \"project_id\": \"%1$s\", \"public_link\": true}", 400, "project_id" },
		{ "{\"image_id\": \"12\", \"public_link\": true}", 400, "image_id" },
		{ "{\"image_id\": \"%1$s\"}", 400, "with_user" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": false}", 400, "with_user" },
		{ "{\"image_id\": \"%1$s\", \"with_user\": \"%2$s\", \"public_link\": true}", 400, "with_user" },
		{ "{\"image_id\": \"%1$s\", \"with_user\": \"%2$s\"}", 400, "with_user" },
		{ "{\"image_id\": \"%1$s\", \"with_user\": \"nobody_here_at_all_x\"}", 404, "with_user" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"role\": \"editor\"}", 400, "role" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"role\": \"owner\"}", 400, "role" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"expires_in\": 0}", 400, "expires_in" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"expires_in\": -5}", 400, "expires_in" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"expires_in\": 7776001}", 400, "expires_in" },
		{ "{\"image_id\": \"%1$s\", \"with_user\": \"x\", \"expires_in\": 7776001}", 400, "expires_in" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": \"yes\"}", 400, "public_link" },
		{ "{\"image_id\": \"%1$s\", \"public_link\": true, \"extra\": 1}", 400, "extra" },
	};
	char uid[37], name[64], img[37], body[512], *n;
	char *owner = user("shf", uid, name);
	it_resp r;

	image_of(owner, img);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(body, sizeof(body), cases[i].body, img, name);
#pragma GCC diagnostic pop
		share(&r, owner, "%s", body);
		it_expect_error(&r, cases[i].status, cases[i].status == 404 ? "not_found" : "invalid_request",
		    cases[i].field, NULL);
		it_resp_free(&r);
	}
	/* The longest expires_in is allowed. */
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true, \"expires_in\": %d}", img,
	    IG_SHARE_TTL_MAX));
	n = it_psql("SELECT count(*) FROM shares WHERE owner_id = '%s'", uid);
	ck_assert_str_eq(n, "1");
	free(n);
	free(owner);
}
END_TEST

/* At most IG_SHARES_LIVE_MAX live shares: the next is a 409 until one is
 * revoked; expired and revoked ones do not count. */
START_TEST(live_cap)
{
	char uid[37], name[64], img[37], *n;
	char *owner = user("shc", uid, name);
	json_object *o;
	it_resp r;

	image_of(owner, img);
	free(it_psql("INSERT INTO shares (owner_id, image_id, token_hash, expires_at)"
	    " SELECT '%s', '%s', sha256(('cap' || g || random())::bytea), now() + interval '1 day'"
	    " FROM generate_series(1, %d) g", uid, img, IG_SHARES_LIVE_MAX - 1));
	free(it_psql("INSERT INTO shares (owner_id, image_id, token_hash, expires_at, revoked_at)"
	    " SELECT '%s', '%s', sha256(('old' || g || random())::bytea), now() - interval '1 day',"
	    " CASE WHEN g = 1 THEN now() END FROM generate_series(1, 2) g", uid, img));
	o = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	share(&r, owner, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	it_expect_error(&r, 409, "conflict", NULL, NULL);
	it_resp_free(&r);
	n = it_psql("SELECT count(*) FROM shares WHERE owner_id = '%s'", uid);
	ck_assert_int_eq(atoi(n), IG_SHARES_LIVE_MAX + 2);
	free(n);
	ck_assert_int_eq(revoke_share(owner, it_js(o, "share_id")), 200);
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img));
	json_object_put(o);
	free(owner);
}
END_TEST

/* A project's link shows the project and its images a page at a time;
 * only its owner may share it. */
START_TEST(project_link)
{
	char uid[37], name[64], suid[37], sname[64], img1[37], img2[37], tok[64], path[512], *pid;
	char *owner = user("shp", uid, name), *stranger = user("shq", suid, sname);
	json_object *o, *v;
	it_resp r;

	image_of(owner, img1);
	image_of(owner, img2);
	pid = it_psql("WITH p AS (INSERT INTO projects (owner_id, name, description) VALUES ('%s', 'Shared p', 'about')"
	    " RETURNING id) SELECT id FROM p", uid);
	free(it_psql("UPDATE images SET project_id = '%s' WHERE id IN ('%s', '%s')", pid, img1, img2));

	share(&r, stranger, "{\"project_id\": \"%s\", \"public_link\": true}", pid);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	o = share_ok(owner, "{\"project_id\": \"%s\", \"public_link\": true}", pid);
	snprintf(tok, sizeof(tok), "%s", it_js(o, "token"));
	json_object_put(o);

	snprintf(path, sizeof(path), "%s?limit=1", tok);
	ck_assert_int_eq(shared_status(path, &v), 200);
	ck_assert_str_eq(it_js(v, "project.id"), pid);
	ck_assert_str_eq(it_js(v, "project.name"), "Shared p");
	ck_assert_str_eq(it_js(v, "project.description"), "about");
	it_assert_absent(v, "project.owner_id");
	it_assert_absent(v, "project.owner");
	ck_assert_int_eq(json_object_array_length(it_jneed(v, "project.images", json_type_array)), 1);
	it_assert_absent(v, "project.images.0.user_id");
	snprintf(path, sizeof(path), "%s?limit=1&cursor=%s", tok, it_js(v, "next_cursor"));
	json_object_put(v);
	ck_assert_int_eq(shared_status(path, &v), 200);
	ck_assert_int_eq(json_object_array_length(it_jneed(v, "project.images", json_type_array)), 1);
	ck_assert_ptr_null(it_jpath(v, "next_cursor"));
	json_object_put(v);
	free(pid);
	free(owner);
	free(stranger);
}
END_TEST

/* The owner's list pages with a cursor of its own; another list's cursor
 * or a made-up one is a 400 naming cursor; limit is bounded. */
START_TEST(list_pages)
{
	char uid[37], name[64], img[37], path[512], first[37];
	char *owner = user("shg", uid, name);
	json_object *o;
	it_resp r;

	image_of(owner, img);
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img));
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img));
	it_json(&r, src(), "GET", "/api/collaboration/shares?limit=1", owner, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	snprintf(first, sizeof(first), "%s", it_js(o, "shares.0.share_id"));
	snprintf(path, sizeof(path), "/api/collaboration/shares?limit=1&cursor=%s", it_js(o, "next_cursor"));
	json_object_put(o);
	it_json(&r, src(), "GET", path, owner, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_ne(it_js(o, "shares.0.share_id"), first);
	ck_assert_ptr_null(it_jpath(o, "next_cursor"));
	json_object_put(o);
	it_json(&r, src(), "GET", "/api/collaboration/shares?cursor=bogus", owner, NULL);
	it_expect_error(&r, 400, "invalid_request", "cursor", NULL);
	it_resp_free(&r);
	it_json(&r, src(), "GET", "/api/collaboration/shares?limit=101", owner, NULL);
	it_expect_error(&r, 400, "invalid_request", "limit", NULL);
	it_resp_free(&r);
	/* The page query every list reads (ig_fields_page): a limit longer
	 * than 15 bytes is refused as too long, here as on the other lists
	 * (shares.c had its own table without that cap). */
	it_json(&r, src(), "GET", "/api/collaboration/shares?limit=0000000000000001", owner, NULL);
	it_expect_error(&r, 400, "invalid_request", "limit", &o);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "error.message"), "limit is too long or holds a NUL");
	json_object_put(o);
	it_json(&r, src(), "GET", "/api/collaboration/shares", NULL, NULL);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	free(owner);
}
END_TEST

/* GET /api/collaboration/shares?key=value as token: want the one share
 * listed (NULL: none), or, when want is a field name, the 400 naming it. */
static void
filtered(const char *token, const char *key, const char *value, const char *want)
{
	char path[256];
	json_object *o;
	it_resp r;

	snprintf(path, sizeof(path), "/api/collaboration/shares?%s=%s", key, value);
	it_json(&r, src(), "GET", path, token, NULL);
	if (want != NULL && strchr(want, '-') == NULL) {
		it_expect_error(&r, 400, "invalid_request", want, NULL);
		it_resp_free(&r);
		return;
	}
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "shares", json_type_array)), want ? 1 : 0);
	if (want != NULL)
		ck_assert_str_eq(it_js(o, "shares.0.share_id"), want);
	json_object_put(o);
}

/* The shares of one image or project (?image_id, ?project_id): only
 * those, of the caller's own; a malformed id, or both at once, is a 400
 * naming it. */
START_TEST(list_filter)
{
	char uid[37], name[64], ouid[37], oname[64], a[37], b[37], other[37], both[128], *pid;
	char *owner = user("shf", uid, name), *stranger = user("shx", ouid, oname);
	json_object *sa, *sp;

	image_of(owner, a);
	image_of(owner, b);
	image_of(stranger, other);
	pid = it_psql("WITH p AS (INSERT INTO projects (owner_id, name) VALUES ('%s', 'Filtered') RETURNING id)"
	    " SELECT id FROM p", uid);
	sa = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", a);
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", b));
	sp = share_ok(owner, "{\"project_id\": \"%s\", \"public_link\": true}", pid);
	json_object_put(share_ok(stranger, "{\"image_id\": \"%s\", \"public_link\": true}", other));

	/* The one share of a, of the project; none of another's image. */
	filtered(owner, "image_id", a, it_js(sa, "share_id"));
	filtered(owner, "project_id", pid, it_js(sp, "share_id"));
	filtered(owner, "image_id", other, NULL);
	filtered(owner, "image_id", "not-a-uuid", "image_id");
	filtered(owner, "project_id", "1234", "project_id");
	snprintf(both, sizeof(both), "%s&project_id=%s", a, pid);
	filtered(owner, "image_id", both, "project_id");
	json_object_put(sa);
	json_object_put(sp);
	free(pid);
	free(owner);
	free(stranger);
}
END_TEST

/* GET /api/images/{id} says the caller's role, and sharing (owner only,
 * ig_share_allowed) succeeds exactly for role owner: the owner, a viewer
 * and an editor share's recipient, and the owner of the image's project. */
static void
role_is(const char *img, const char *token, const char *want)
{
	char path[128];
	json_object *o;
	it_resp r;

	snprintf(path, sizeof(path), "/api/images/%s", img);
	it_json(&r, src(), "GET", path, token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "image.role"), want);
	json_object_put(o);
	share(&r, token, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	ck_assert_int_eq(r.status, strcmp(want, "owner") == 0 ? 201 : 403);
	it_resp_free(&r);
}

START_TEST(image_role)
{
	char ouid[37], oname[64], vuid[37], vname[64], euid[37], ename[64], puid[37], pname[64], img[37], *pid;
	char *owner = user("sro", ouid, oname), *viewer = user("srv", vuid, vname), *editor = user("sre", euid, ename);
	char *powner = user("srp", puid, pname);

	image_of(owner, img);
	role_is(img, owner, "owner");
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"with_user\": \"%s\"}", img, vname));
	json_object_put(share_ok(owner, "{\"image_id\": \"%s\", \"with_user\": \"%s\", \"role\": \"editor\"}", img,
	    ename));
	role_is(img, viewer, "viewer");
	role_is(img, editor, "editor");
	pid = it_psql("WITH p AS (INSERT INTO projects (owner_id, name) VALUES ('%s', 'Roles') RETURNING id)"
	    " SELECT id FROM p", puid);
	free(it_psql("UPDATE images SET project_id = '%s' WHERE id = '%s'", pid, img));
	role_is(img, powner, "owner");
	free(pid);
	free(owner);
	free(viewer);
	free(editor);
	free(powner);
}
END_TEST

/* A link's token is its credential and sits in the path: neither nginx's
 * access log nor the application's request log may hold it, whichever way
 * the path is spelled (nginx decodes and merges slashes before routing). */
START_TEST(token_not_logged)
{
	static const char *const forms[] = { "/api/collaboration/shared/%s", "/api/collaboration/shared/%s?limit=1",
		"/api/collaboration/share%%64/%s", "//api/collaboration//shared/%s", "/api/collaboration/shared/./%s",
		"/api/collaboration/SHARED/%s" };
	char uid[37], name[64], img[37], tok[64], path[256], hdr[128], rid[64] = "", needle[128];
	char *owner = user("shn", uid, name), *all;
	const char *const hdrs[] = { hdr, NULL };
	json_object *o;

	image_of(owner, img);
	o = share_ok(owner, "{\"image_id\": \"%s\", \"public_link\": true}", img);
	snprintf(tok, sizeof(tok), "%s", it_js(o, "token"));
	json_object_put(o);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		it_resp r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(path, sizeof(path), forms[i], tok);
#pragma GCC diagnostic pop
		snprintf(rid, sizeof(rid), "sharelog%d%zu", (int)getpid(), i);
		snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", rid);
		it_http_ex(it_env("IG_TEST_BASE_URL"), "GET", path, NULL, 0, hdrs, 30, &r);
		printf("token_not_logged: %s answered %ld\n", forms[i], r.status);
		if (i < 2)
			IT_EXPECT(&r, 200);
		it_resp_free(&r);
	}
	snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", rid);
	ck_assert_msg(it_log_has("nginx-access.log", needle, 5000), "no access-log line for %s", rid);
	ck_assert_msg(it_log_has("fcgi.log", rid, 5000), "no request-log line for %s", rid);
	ck_assert(it_log_has("nginx-access.log", "/api/collaboration/shared/[REDACTED]?limit=1", 5000));
	ck_assert(it_log_has("fcgi.log", "/api/collaboration/shared/{token}", 5000));
	all = it_stack_log("nginx-access.log");
	ck_assert_msg(strstr(all, tok) == NULL, "the token is in nginx's access log");
	free(all);
	all = it_stack_log("fcgi.log");
	ck_assert_msg(strstr(all, tok) == NULL, "the token is in the application's log");
	free(all);
	free(owner);
}
END_TEST

IT_MAIN("shares", NULL,
    IT_TCASE("links", 120, &link_lifecycle, &token_stored_hashed, &link_expiry, &project_link, &token_not_logged),
    IT_TCASE("users", 120, &user_share, &image_role),
    IT_TCASE("limits", 120, &bad_fields, &live_cap, &list_pages, &list_filter))
