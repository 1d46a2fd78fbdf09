/*
 * test_auth.c — lib/auth: token verification, password policy, key
 * formats, the secret box and the caller's users row. Each test names the
 * attack it stops.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/auth/cookie.h"
#include "lib/auth/jwt.h"
#include "lib/auth/password.h"
#include "lib/auth/provider_key.h"
#include "lib/auth/ratelimit.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/ticket.h"
#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/auth/user_row.h"
#include "lib/collab/access.h"
#include "lib/core/util.h"
#include "tests/unit/ut.h"

static const char *const secret = "0123456789abcdef0123456789abcdef-unit-test";

/* Build a JWT by hand: header and payload JSON, signed with HMAC-SHA-256
 * or HMAC-SHA-512 (alg decides), or unsigned for "none". */
static char *
craft(const char *header, const char *payload, const char *key, int sha512)
{
	char h64[512], p64[1024], sig64[128], *out;
	unsigned char mac[64];
	size_t maclen = 0;

	ig_b64url_encode((const unsigned char *)header, strlen(header), h64);
	ig_b64url_encode((const unsigned char *)payload, strlen(payload), p64);
	out = malloc(strlen(h64) + strlen(p64) + 200);
	sprintf(out, "%s.%s", h64, p64);
	if (key != NULL) {
		if (sha512) {
			crypto_auth_hmacsha512_state st;
			crypto_auth_hmacsha512_init(&st, (const unsigned char *)key, strlen(key));
			crypto_auth_hmacsha512_update(&st, (const unsigned char *)out, strlen(out));
			crypto_auth_hmacsha512_final(&st, mac);
			maclen = 64;
		} else {
			crypto_auth_hmacsha256_state st;
			crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
			crypto_auth_hmacsha256_update(&st, (const unsigned char *)out, strlen(out));
			crypto_auth_hmacsha256_final(&st, mac);
			maclen = 32;
		}
	}
	ig_b64url_encode(mac, maclen, sig64);
	strcat(out, ".");
	strcat(out, sig64);
	return out;
}

static char *
payload(long long iat, long long nbf, long long exp, const char *iss, const char *aud)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
	    "{\"sub\":\"6f1c1c1e-0a1b-4c2d-8e3f-000000000001\",\"role\":\"user\","
	    "\"jti\":\"6f1c1c1e-0a1b-4c2d-8e3f-000000000002\",\"iss\":\"%s\",\"aud\":\"%s\","
	    "\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}", iss, aud, iat, nbf, exp);
	return buf;
}

static void
setup(void)
{
	ck_assert_int_eq(ig_jwt_setup(secret, "imagegen", "imagegen-api", 900), 0);
}

START_TEST(jwt_round_trip)
{
	char *tok;
	ig_jwt_claims issued, got;
	ig_err err;

	ck_assert_int_eq(ig_jwt_issue("6f1c1c1e-0a1b-4c2d-8e3f-000000000001", "admin", &tok, &issued), 0);
	ck_assert_int_eq(ig_jwt_verify(tok, (int64_t)time(NULL), &got, &err), 0);
	ck_assert_str_eq(got.sub, "6f1c1c1e-0a1b-4c2d-8e3f-000000000001");
	ck_assert_str_eq(got.role, "admin");
	ck_assert_str_eq(got.jti, issued.jti);
	ck_assert_int_eq(got.exp - got.iat, 900);
	/* The verdict is cached per token, but the time checks are not: the
	 * same token later than its exp must be refused (the cache once
	 * could have answered yes forever). */
	ck_assert_int_eq(ig_jwt_verify(tok, (int64_t)time(NULL) + 10000, &got, &err), -1);
	ck_assert_int_eq(err.code, IG_E_TOKEN_EXPIRED);
	ck_assert_int_eq(ig_jwt_verify(tok, (int64_t)time(NULL), &got, &err), 0);
	free(tok);
}
END_TEST

/* The verification table: each token must fail, for the reason given. */
START_TEST(jwt_rejects_forged_and_stale_tokens)
{
	long long now = (long long)time(NULL);
	const char *hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	struct {
		const char *why;
		char *token;
		ig_errcode code;
	} cases[] = {
		{ "alg none, unsigned", craft("{\"alg\":\"none\"}", payload(now, now, now + 600, "imagegen", "imagegen-api"), NULL, 0), IG_E_UNAUTHORIZED },
		{ "HS512 with the right key", craft("{\"alg\":\"HS512\"}", payload(now, now, now + 600, "imagegen", "imagegen-api"), secret, 1), IG_E_UNAUTHORIZED },
		{ "RS256 header (key confusion)", craft("{\"alg\":\"RS256\"}", payload(now, now, now + 600, "imagegen", "imagegen-api"), secret, 0), IG_E_UNAUTHORIZED },
		{ "wrong key", craft(hs256, payload(now, now, now + 600, "imagegen", "imagegen-api"), "another-secret-of-at-least-32-bytes!!", 0), IG_E_UNAUTHORIZED },
		{ "expired", craft(hs256, payload(now - 4000, now - 4000, now - 3000, "imagegen", "imagegen-api"), secret, 0), IG_E_TOKEN_EXPIRED },
		{ "not yet valid", craft(hs256, payload(now, now + 3600, now + 7200, "imagegen", "imagegen-api"), secret, 0), IG_E_UNAUTHORIZED },
		{ "issued in the future", craft(hs256, payload(now + 3600, now, now + 7200, "imagegen", "imagegen-api"), secret, 0), IG_E_UNAUTHORIZED },
		{ "wrong issuer", craft(hs256, payload(now, now, now + 600, "evil", "imagegen-api"), secret, 0), IG_E_UNAUTHORIZED },
		{ "wrong audience", craft(hs256, payload(now, now, now + 600, "imagegen", "other"), secret, 0), IG_E_UNAUTHORIZED },
		{ "no exp", craft(hs256, "{\"sub\":\"6f1c1c1e-0a1b-4c2d-8e3f-000000000001\",\"role\":\"user\",\"jti\":\"x\",\"iss\":\"imagegen\",\"aud\":\"imagegen-api\",\"iat\":1,\"nbf\":1}", secret, 0), IG_E_UNAUTHORIZED },
		{ "exp as a string", craft(hs256, "{\"sub\":\"a\",\"role\":\"user\",\"jti\":\"x\",\"iss\":\"imagegen\",\"aud\":\"imagegen-api\",\"iat\":1,\"nbf\":1,\"exp\":\"99999999999\"}", secret, 0), IG_E_UNAUTHORIZED },
		{ "garbage", strdup("not.a.token"), IG_E_UNAUTHORIZED },
		{ "empty", strdup(""), IG_E_UNAUTHORIZED },
	};
	ig_jwt_claims c;
	ig_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ig_jwt_verify(cases[i].token, now, &c, &err);
		ck_assert_msg(rc == -1, "accepted: %s", cases[i].why);
		ck_assert_msg(err.code == cases[i].code, "%s: code %d", cases[i].why, err.code);
		free(cases[i].token);
	}
}
END_TEST

/* A valid token with one payload byte changed is refused: the signature
 * covers the claims (a "role": "admin" edit must not work). */
START_TEST(jwt_rejects_tampered_payload)
{
	long long now = (long long)time(NULL);
	char *tok = craft("{\"alg\":\"HS256\"}", payload(now, now, now + 600, "imagegen", "imagegen-api"), secret, 0);
	char *forged = craft("{\"alg\":\"HS256\"}", payload(now, now, now + 600, "imagegen", "imagegen-api"), secret, 0);
	ig_jwt_claims c;
	ig_err err;

	ck_assert_int_eq(ig_jwt_verify(tok, now, &c, &err), 0);
	/* Swap the payload of a token for one claiming admin, keep the signature. */
	char *dot1 = strchr(forged, '.'), *dot2 = strchr(dot1 + 1, '.');
	char p64[1024], out[2048];
	const char *adminp = "{\"sub\":\"6f1c1c1e-0a1b-4c2d-8e3f-000000000001\",\"role\":\"admin\","
	    "\"jti\":\"6f1c1c1e-0a1b-4c2d-8e3f-000000000002\",\"iss\":\"imagegen\",\"aud\":\"imagegen-api\","
	    "\"iat\":1,\"nbf\":1,\"exp\":99999999999}";
	ig_b64url_encode((const unsigned char *)adminp, strlen(adminp), p64);
	snprintf(out, sizeof(out), "%.*s.%s%s", (int)(dot1 - forged), forged, p64, dot2);
	ck_assert_int_eq(ig_jwt_verify(out, now, &c, &err), -1);
	free(tok);
	free(forged);
}
END_TEST

/* libjwt accepts unsigned tokens with an empty key: setup must refuse a
 * short or missing key so the service cannot start that way. */
START_TEST(jwt_setup_refuses_short_keys)
{
	ck_assert_int_eq(ig_jwt_setup("", "i", "a", 900), -1);
	ck_assert_int_eq(ig_jwt_setup(NULL, "i", "a", 900), -1);
	ck_assert_int_eq(ig_jwt_setup("0123456789abcdef0123456789abcde", "i", "a", 900), -1);
}
END_TEST

START_TEST(password_policy)
{
	ig_err err;

	ck_assert_int_eq(ig_password_policy("short", "bob", "b@x.io", "password", &err), -1);
	ck_assert_str_eq(err.field, "password");
	ck_assert_int_eq(ig_password_policy("BobTheBuilder", "bobthebuilder", "b@x.io", "password", &err), -1);
	ck_assert_int_eq(ig_password_policy("Bob@Example.com", "bob", "bob@example.com", "password", &err), -1);
	/* Ten code points, fewer than... more bytes: counts characters. */
	ck_assert_int_eq(ig_password_policy("密碼密碼密碼密碼密碼", "bob", "b@x.io", "password", &err), 0);
	ck_assert_int_eq(ig_password_policy("密碼密碼密碼密碼密", "bob", "b@x.io", "password", &err), -1);
	ck_assert_int_eq(ig_password_policy("correct horse battery", "bob", "b@x.io", "password", &err), 0);
}
END_TEST

START_TEST(password_hash_and_verify)
{
	char h[IG_PASSWORD_HASH_MAX], h2[IG_PASSWORD_HASH_MAX];

	ck_assert_int_eq(ig_password_hash("correct horse battery", h), 0);
	ck_assert(strncmp(h, "$argon2id$", 10) == 0);
	ck_assert(ig_password_verify(h, "correct horse battery"));
	ck_assert(!ig_password_verify(h, "correct horse batterY"));
	/* Salted: the same password hashes differently. */
	ck_assert_int_eq(ig_password_hash("correct horse battery", h2), 0);
	ck_assert_str_ne(h, h2);
	/* A hash of another scheme is never a match. */
	ck_assert(!ig_password_verify("$2b$10$abcdefghijklmnopqrstuv", "x"));
	ck_assert(!ig_password_verify(NULL, "x"));
}
END_TEST

START_TEST(api_key_format)
{
	char key[IG_APIKEY_LEN + 1], prefix[IG_APIKEY_PREFIX_LEN + 1], key2[IG_APIKEY_LEN + 1];

	ig_apikey_new(key, prefix);
	ck_assert_int_eq(strlen(key), 46);
	ck_assert(strncmp(key, "ig_", 3) == 0);
	ck_assert(strncmp(key, prefix, 10) == 0);
	ck_assert(ig_apikey_valid(key));
	ig_apikey_new(key2, prefix);
	ck_assert_str_ne(key, key2);
	ck_assert(!ig_apikey_valid("ig_short"));
	ck_assert(!ig_apikey_valid("xx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	key[10] = '+';   /* not base64url */
	ck_assert(!ig_apikey_valid(key));
	/* Non-canonical last character (leftover bits set) is refused. */
	ck_assert(!ig_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"));
	ck_assert(ig_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}
END_TEST

/* FIPS 180-2's vectors, whole and in uneven pieces (libcrypto computes
 * them now: lib/auth/token.c). */
START_TEST(sha256_vectors)
{
	static const char abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char mil[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	unsigned char sum[IG_SHA256_LEN];
	char hex[65];
	char *a = malloc(1000000);
	ig_sha256_ctx *c;

	memset(a, 'a', 1000000);
	ig_sha256("abc", 3, sum);
	ig_hex(sum, sizeof(sum), hex);
	ck_assert_str_eq(hex, abc);
	ig_sha256(a, 1000000, sum);
	ig_hex(sum, sizeof(sum), hex);
	ck_assert_str_eq(hex, mil);
	c = ig_sha256_begin();
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 65537 + 1)
		ig_sha256_add(c, a + off, step < 1000000 - off ? step : 1000000 - off);
	ig_sha256_end(c, sum);
	ig_hex(sum, sizeof(sum), hex);
	ck_assert_str_eq(hex, mil);
	c = ig_sha256_begin();
	ig_sha256_end(c, sum);
	ig_hex(sum, sizeof(sum), hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(a);
}
END_TEST

START_TEST(base64url_round_trip)
{
	unsigned char in[40], out[40];

	for (size_t n = 0; n < sizeof(in); n++) {
		char enc[64];
		ig_random_bytes(in, n);
		ig_b64url_encode(in, n, enc);
		ck_assert_int_eq(ig_b64url_decode(enc, strlen(enc), out, sizeof(out)), (int)n);
		ck_assert(memcmp(in, out, n) == 0);
	}
}
END_TEST

/* A flipped ciphertext bit or a wrong master key must not decrypt. */
START_TEST(secretbox_seals_and_detects_tampering)
{
	unsigned char key[32], other[32], nonce[IG_SECRETBOX_NONCE], *ct;
	size_t ctlen;
	char *plain;
	const char *secret_key = "sk-live-0123456789abcdef";

	ig_random_bytes(key, sizeof(key));
	ig_random_bytes(other, sizeof(other));
	ck_assert_int_eq(ig_secretbox_setup(key), 0);
	ck_assert_int_eq(ig_secretbox_seal(secret_key, strlen(secret_key), nonce, &ct, &ctlen), 0);
	ck_assert(memmem(ct, ctlen, secret_key, strlen(secret_key)) == NULL);
	ck_assert_int_eq(ig_secretbox_open(nonce, ct, ctlen, &plain), 0);
	ck_assert_str_eq(plain, secret_key);
	ig_secretbox_free(plain);
	ct[3] ^= 1;
	ck_assert_int_eq(ig_secretbox_open(nonce, ct, ctlen, &plain), -1);
	ct[3] ^= 1;
	ck_assert_int_eq(ig_secretbox_setup(other), 0);
	ck_assert_int_eq(ig_secretbox_open(nonce, ct, ctlen, &plain), -1);
	free(ct);
}
END_TEST

/* A stored provider key as the database returns it (bytea text of nonce
 * and ciphertext) opens only when both are intact: a tampered ciphertext,
 * a nonce of another value or length, or text that is not bytea at all
 * yield no key. */
START_TEST(stored_provider_key_unseals_only_intact)
{
	unsigned char key[32], nonce[IG_SECRETBOX_NONCE], *ct;
	size_t ctlen;
	char *plain, *nonce_text, *ct_text, short_nonce[2 * 8 + 3];
	const char *secret_key = "sk-live-0123456789abcdef";

	ig_random_bytes(key, sizeof(key));
	ck_assert_int_eq(ig_secretbox_setup(key), 0);
	ck_assert_int_eq(ig_secretbox_seal(secret_key, strlen(secret_key), nonce, &ct, &ctlen), 0);
	nonce_text = malloc(2 * sizeof(nonce) + 3);
	ct_text = malloc(2 * ctlen + 3);
	ig_bytea_hex(nonce, sizeof(nonce), nonce_text);
	ig_bytea_hex(ct, ctlen, ct_text);
	ck_assert_int_eq(ig_provider_key_unseal(nonce_text, ct_text, &plain), 0);
	ck_assert_str_eq(plain, secret_key);
	ig_secretbox_free(plain);
	/* One hex digit of the ciphertext changed. */
	ct_text[10] = ct_text[10] == '0' ? '1' : '0';
	ck_assert_int_eq(ig_provider_key_unseal(nonce_text, ct_text, &plain), -1);
	ck_assert_ptr_null(plain);
	ig_bytea_hex(ct, ctlen, ct_text);
	nonce_text[5] = nonce_text[5] == '0' ? '1' : '0';
	ck_assert_int_eq(ig_provider_key_unseal(nonce_text, ct_text, &plain), -1);
	ig_bytea_hex(nonce, 8, short_nonce);
	ck_assert_int_eq(ig_provider_key_unseal(short_nonce, ct_text, &plain), -1);
	ck_assert_int_eq(ig_provider_key_unseal("\\xzz", ct_text, &plain), -1);
	free(nonce_text);
	free(ct_text);
	free(ct);
}
END_TEST

/* An EventSource ticket opens one batch's events for one user for its
 * lifetime, and nothing else: another batch, another purpose, a late or
 * tampered ticket are refused. */
START_TEST(tickets_are_narrow_and_short)
{
	const char *user = "6f1c1c1e-0a1b-4c2d-8e3f-000000000001";
	const char *batch = "6f1c1c1e-0a1b-4c2d-8e3f-0000000000b1";
	char t[IG_TICKET_MAX], who[IG_UUID_BUF];

	ck_assert_int_eq(ig_ticket_setup(secret), 0);
	ck_assert_int_eq(ig_ticket_make("batch-events", batch, user, 1000, 60, t), 0);
	ck_assert_int_eq(ig_ticket_check(t, "batch-events", batch, 1030, who), 0);
	ck_assert_str_eq(who, user);
	ck_assert_int_eq(ig_ticket_check(t, "batch-events", batch, 1061, who), -1);
	ck_assert_int_eq(ig_ticket_check(t, "batch-events", "6f1c1c1e-0a1b-4c2d-8e3f-0000000000b2", 1030, who), -1);
	ck_assert_int_eq(ig_ticket_check(t, "batch-download", batch, 1030, who), -1);
	t[3] ^= 1;
	ck_assert_int_eq(ig_ticket_check(t, "batch-events", batch, 1030, who), -1);
	ck_assert_int_eq(ig_ticket_check("garbage", "batch-events", batch, 1030, who), -1);
	ck_assert_int_eq(ig_ticket_check(NULL, "batch-events", batch, 1030, who), -1);
}
END_TEST

/* Issue 10, item 3: per-address limits keyed by the raw address gave an
 * IPv6 client one budget per address of its /64 (2^64 of them), and
 * ::ffff:a.b.c.d a second budget beside a.b.c.d. */
START_TEST(client_key_groups_ipv6_by_64_and_unmaps_ipv4)
{
	static const struct { const char *in, *want; int rc; } cases[] = {
		{ "192.0.2.7", "192.0.2.7", 0 },
		{ "127.0.0.1", "127.0.0.1", 0 },
		{ "::ffff:192.0.2.7", "192.0.2.7", 0 },
		{ "::FFFF:c000:0207", "192.0.2.7", 0 },
		{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", 0 },
		{ "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64", 0 },
		{ "2001:DB8:1:2::1", "2001:db8:1:2::/64", 0 },
		{ "2001:db8:1:3::1", "2001:db8:1:3::/64", 0 },
		{ "::1", "::/64", 0 },
		{ "fe80::1", "fe80::/64", 0 },
		{ "not-an-address", "not-an-address", -1 },
		{ "", "unknown", -1 },
		{ NULL, "unknown", -1 },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ig_client_key(cases[i].in, out, sizeof(out));
		ck_assert_msg(rc == cases[i].rc && strcmp(out, cases[i].want) == 0,
		    "%s -> %s (rc %d), want %s", cases[i].in ? cases[i].in : "(null)", out, rc, cases[i].want);
	}
}
END_TEST

/* Secret tokens are looked up by their hash only: the refresh, reset and
 * confirmation rows hold the bytea text of SHA-256, never the token. */
START_TEST(token_hash_is_bytea_sha256)
{
	char hex[IG_TOKEN_HASH_HEX];

	ig_token_hash_hex("abc", hex);
	ck_assert_str_eq(hex, "\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_uint_eq(strlen(hex), IG_TOKEN_HASH_HEX - 1);
}
END_TEST

/* A users row as libpq hands it over, for ig_user_from_row: two columns of
 * another table first (as the session and API-key checks select them),
 * then IG_USER_COLS; NULL values are SQL NULL. */
static PGresult *
user_result(const char *const *rows, int nrows)
{
	static char *names[11] = { "a", "b", "id", "username", "email", "role", "display_name", "created_at",
		"last_login_at", "preferences", "confirmed" };
	PGresAttDesc att[11];
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	memset(att, 0, sizeof(att));
	for (int i = 0; i < 11; i++) {
		att[i].name = names[i];
		att[i].typid = 25; /* text */
		att[i].typlen = -1;
		att[i].atttypmod = -1;
	}
	ck_assert_int_eq(PQsetResultAttrs(r, 11, att), 1);
	for (int t = 0; t < nrows; t++)
		for (int i = 0; i < 11; i++) {
			const char *v = rows[t * 11 + i];
			ck_assert_int_eq(PQsetvalue(r, t, i, (char *)v, v ? (int)strlen(v) : -1), 1);
		}
	return r;
}

/* The user object of API.md, byte for byte, from the caller's row: SQL
 * NULLs as JSON null, the confirmed flag as a boolean, the stored
 * preferences as an object ({} when unreadable), column by name and not
 * by a shifted position. */
START_TEST(user_row_reads_into_named_fields_and_api_json)
{
	static const char *const rows[] = {
		"x", "y", "4b0f5a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "alice_1", "Alice@example.com", "admin", NULL,
		"2026-01-02T03:04:05.678Z", NULL, "{\"theme\": \"dark\", \"default_image_count\": 2}", "t",
		"x", "y", "00000000-0000-4000-8000-000000000001", "bob", "bob@example.org", "user", "",
		"2025-12-31T23:59:59.000Z", "2026-02-03T04:05:06.789Z", "not json", "f",
	};
	PGresult *r = user_result(rows, 2);
	ig_user u;
	json_object *j;

	ig_user_from_row(r, 0, 2, &u);
	ck_assert_str_eq(u.id, "4b0f5a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
	ck_assert_str_eq(u.username, "alice_1");
	ck_assert_str_eq(u.email, "Alice@example.com");
	ck_assert_str_eq(u.role, "admin");
	ck_assert_ptr_null(u.display_name);
	ck_assert_str_eq(u.last_login_at, "");
	ck_assert_int_eq(u.email_confirmed, 1);
	ck_assert_int_eq(ig_user_is_admin(&u), 1);
	j = ig_user_json(&u);
	ck_assert_str_eq(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"4b0f5a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b\",\"username\":\"alice_1\","
	    "\"email\":\"Alice@example.com\",\"email_confirmed\":true,\"role\":\"admin\","
	    "\"display_name\":null,\"created_at\":\"2026-01-02T03:04:05.678Z\",\"last_login_at\":null,"
	    "\"preferences\":{\"theme\":\"dark\",\"default_image_count\":2}}");
	json_object_put(j);
	ig_user_free(&u);
	ck_assert_str_eq(u.id, "");
	ck_assert_ptr_null(u.preferences);
	ig_user_free(&u);

	ig_user_from_row(r, 1, 2, &u);
	ck_assert_int_eq(ig_user_is_admin(&u), 0);
	j = ig_user_json(&u);
	ck_assert_str_eq(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	    "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"username\":\"bob\","
	    "\"email\":\"bob@example.org\",\"email_confirmed\":false,\"role\":\"user\","
	    "\"display_name\":\"\",\"created_at\":\"2025-12-31T23:59:59.000Z\","
	    "\"last_login_at\":\"2026-02-03T04:05:06.789Z\",\"preferences\":{}}");
	json_object_put(j);
	ig_user_free(&u);
	PQclear(r);
}
END_TEST

/* The access rule's table (issue 13): what each role may do, and the
 * status of asking: 404 for one who may not see, 403 for one who may see
 * but not do this. */
START_TEST(access_rule_table)
{
	static const struct {
		ig_action action;
		int status[4];   /* none, viewer, editor, owner */
	} want[] = {
		{ IG_ACT_SEE, { 404, 0, 0, 0 } },
		{ IG_ACT_COMMENT, { 404, 0, 0, 0 } },
		{ IG_ACT_ORGANIZE, { 404, 403, 0, 0 } },
		{ IG_ACT_MODERATE, { 404, 403, 403, 0 } },
		{ IG_ACT_MANAGE, { 404, 403, 403, 0 } },
	};

	for (size_t a = 0; a < sizeof(want) / sizeof(want[0]); a++)
		for (int role = IG_ROLE_NONE; role <= IG_ROLE_OWNER; role++) {
			ck_assert_int_eq(ig_access_status((ig_role)role, want[a].action), want[a].status[role]);
			ck_assert_int_eq(ig_access_may((ig_role)role, want[a].action), want[a].status[role] == 0);
		}
}
END_TEST

/* The browser's Cookie header is attacker-shaped text (lib/auth/cookie.c):
 * several cookies, spaces, quotes; a look-alike name must not match; a
 * cookie given twice (tossed in by a sibling host or for a narrower path,
 * which browsers send first) is refused rather than picked by order; a
 * header too long or holding control bytes is ignored whole, and a value
 * that does not fit never overflows. */
START_TEST(cookie_header_is_read_exactly_and_safely)
{
	char v[48], big[IG_COOKIE_HEADER_MAX + 64];

	ck_assert_int_eq(ig_cookie_get("ig_refresh=abc", "ig_refresh", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(ig_cookie_get("a=1; ig_csrf=x-Y_z; ig_refresh=tok;theme=dark", "ig_refresh", v,
	    sizeof(v)), 1);
	ck_assert_str_eq(v, "tok");
	ck_assert_int_eq(ig_cookie_get("  ig_refresh =  \"quoted\"  ;b=2", "ig_refresh", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "quoted");
	ck_assert_int_eq(ig_cookie_get("junk; =x; ig_refresh=ok", "ig_refresh", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "ok");
	ck_assert_int_eq(ig_cookie_get("ig_refresh=", "ig_refresh", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "");
	/* Absent: other names, a prefix or suffix of the name, other case. */
	ck_assert_int_eq(ig_cookie_get("xig_refresh=a; ig_refresh2=b; IG_REFRESH=c", "ig_refresh", v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(ig_cookie_get(NULL, "ig_refresh", v, sizeof(v)), 0);
	ck_assert_int_eq(ig_cookie_get("", "ig_refresh", v, sizeof(v)), 0);
	/* Ignored: twice, bad octets, too long for out, control bytes. */
	ck_assert_int_eq(ig_cookie_get("ig_refresh=a; ig_refresh=b", "ig_refresh", v, sizeof(v)), -1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(ig_cookie_get("ig_refresh=a b", "ig_refresh", v, sizeof(v)), -1);
	ck_assert_int_eq(ig_cookie_get("ig_refresh=a\\b", "ig_refresh", v, sizeof(v)), -1);
	ck_assert_int_eq(ig_cookie_get("ig_refresh=\"a", "ig_refresh", v, sizeof(v)), -1);
	ck_assert_int_eq(ig_cookie_get("ig_refresh=0123456789", "ig_refresh", v, 10), -1);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(ig_cookie_get("ig_refresh=012345678", "ig_refresh", v, 10), 1);
	ck_assert_int_eq(ig_cookie_get("a=1\r\nig_refresh=x", "ig_refresh", v, sizeof(v)), -1);
	memset(big, 'a', sizeof(big));
	memcpy(big, "ig_refresh=ok; pad=", 19);
	big[IG_COOKIE_HEADER_MAX] = '\0';
	ck_assert_int_eq(ig_cookie_get(big, "ig_refresh", v, sizeof(v)), 1);
	big[IG_COOKIE_HEADER_MAX] = 'a';
	big[IG_COOKIE_HEADER_MAX + 1] = '\0';
	ck_assert_int_eq(ig_cookie_get(big, "ig_refresh", v, sizeof(v)), -1);
}
END_TEST

/* A CSRF token is bound to its refresh token and the server's secret: one
 * of another session, another server or a guess does not pass, and it is
 * no replay of the refresh token itself. */
START_TEST(csrf_token_is_bound_to_refresh_token_and_secret)
{
	char r1[IG_TOKEN_LEN + 1], r2[IG_TOKEN_LEN + 1], c1[IG_CSRF_LEN + 1], c1b[IG_CSRF_LEN + 1],
	    c2[IG_CSRF_LEN + 1], other[IG_CSRF_LEN + 1];

	ig_token_new(r1);
	ig_token_new(r2);
	ig_cookie_csrf(secret, r1, c1);
	ig_cookie_csrf(secret, r1, c1b);
	ig_cookie_csrf(secret, r2, c2);
	ig_cookie_csrf("another-secret-of-at-least-32-bytes!!", r1, other);
	ck_assert_uint_eq(strlen(c1), IG_CSRF_LEN);
	ck_assert(ig_token_valid(c1));
	ck_assert_str_eq(c1, c1b);
	ck_assert_str_ne(c1, c2);
	ck_assert_str_ne(c1, other);
	ck_assert_str_ne(c1, r1);
	ck_assert(ig_cookie_csrf_ok(secret, r1, c1));
	ck_assert(!ig_cookie_csrf_ok(secret, r1, c2));
	ck_assert(!ig_cookie_csrf_ok(secret, r1, other));
	ck_assert(!ig_cookie_csrf_ok(secret, r1, r1));
	ck_assert(!ig_cookie_csrf_ok(secret, r1, NULL));
	ck_assert(!ig_cookie_csrf_ok(secret, r1, ""));
	c1b[IG_CSRF_LEN - 1] = c1b[IG_CSRF_LEN - 1] == 'A' ? 'B' : 'A';
	ck_assert(!ig_cookie_csrf_ok(secret, r1, c1b));
	{
		char longer[IG_CSRF_LEN + 2];
		snprintf(longer, sizeof(longer), "%sA", c1);
		ck_assert(!ig_cookie_csrf_ok(secret, r1, longer));
	}
}
END_TEST

/* A cookie-mode refresh from another site's page (its Origin) is refused:
 * only this service's own origin, by IG_PUBLIC_URL or by the Host asked. */
START_TEST(same_origin_is_public_url_or_host)
{
	const char *pub = "https://img.example.org/base/";

	ck_assert(ig_cookie_same_origin("https://img.example.org", pub, NULL));
	ck_assert(ig_cookie_same_origin("HTTPS://IMG.example.ORG:443", pub, NULL));
	ck_assert(!ig_cookie_same_origin("http://img.example.org", pub, NULL));
	ck_assert(!ig_cookie_same_origin("https://img.example.org:8443", pub, NULL));
	ck_assert(!ig_cookie_same_origin("https://evil.example", pub, "img.example.org"));
	ck_assert(!ig_cookie_same_origin("https://img.example.org.evil.example", pub, NULL));
	ck_assert(!ig_cookie_same_origin("https://img.example.org/", pub, NULL));
	ck_assert(!ig_cookie_same_origin("https://x@img.example.org", pub, NULL));
	ck_assert(!ig_cookie_same_origin("null", pub, "img.example.org"));
	ck_assert(!ig_cookie_same_origin("", pub, "img.example.org"));
	ck_assert(!ig_cookie_same_origin(NULL, pub, "img.example.org"));
	/* By the Host header (the port defaults to the Origin's scheme's). */
	ck_assert(ig_cookie_same_origin("http://127.0.0.1:8080", pub, "127.0.0.1:8080"));
	ck_assert(ig_cookie_same_origin("https://LocalHost", NULL, "localhost:443"));
	ck_assert(ig_cookie_same_origin("http://localhost", NULL, "localhost"));
	ck_assert(ig_cookie_same_origin("http://[::1]:81", NULL, "[::1]:81"));
	/* A Host without its port (nginx's $host) compares by name only. */
	ck_assert(ig_cookie_same_origin("http://127.0.0.1:8080", NULL, "127.0.0.1"));
	ck_assert(!ig_cookie_same_origin("http://127.0.0.2:8080", NULL, "127.0.0.1"));
	ck_assert(!ig_cookie_same_origin("http://127.0.0.1:8081", NULL, "127.0.0.1:8080"));
	ck_assert(!ig_cookie_same_origin("http://localhost", NULL, "localhost:8080"));
	ck_assert(!ig_cookie_same_origin("http://127.0.0.1:8080", NULL, "127.0.0.1:8080/x"));
	ck_assert(!ig_cookie_same_origin("http://a:99999", NULL, "a:99999"));
	ck_assert(!ig_cookie_same_origin("ftp://a", NULL, "a"));
	ck_assert(!ig_cookie_same_origin("http://a", "not a url", NULL));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("jwt");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, jwt_round_trip);
	tcase_add_test(tc, jwt_rejects_forged_and_stale_tokens);
	tcase_add_test(tc, jwt_rejects_tampered_payload);
	tcase_add_test(tc, jwt_setup_refuses_short_keys);
	suite_add_tcase(s, tc);
	tc = tcase_create("passwords");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, password_policy);
	tcase_add_test(tc, password_hash_and_verify);
	suite_add_tcase(s, tc);
	tc = tcase_create("keys");
	tcase_add_test(tc, api_key_format);
	tcase_add_test(tc, base64url_round_trip);
	tcase_add_test(tc, secretbox_seals_and_detects_tampering);
	tcase_add_test(tc, stored_provider_key_unseals_only_intact);
	tcase_add_test(tc, tickets_are_narrow_and_short);
	tcase_add_test(tc, client_key_groups_ipv6_by_64_and_unmaps_ipv4);
	tcase_add_test(tc, token_hash_is_bytea_sha256);
	tcase_add_test(tc, sha256_vectors);
	suite_add_tcase(s, tc);
	tc = tcase_create("cookies");
	tcase_add_test(tc, cookie_header_is_read_exactly_and_safely);
	tcase_add_test(tc, csrf_token_is_bound_to_refresh_token_and_secret);
	tcase_add_test(tc, same_origin_is_public_url_or_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("users");
	tcase_add_test(tc, user_row_reads_into_named_fields_and_api_json);
	tcase_add_test(tc, access_rule_table);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
