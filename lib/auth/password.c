/* password.c — see password.h. */
#include "ig_autoconf.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>
#include <sodium.h>

#include "lib/auth/password.h"
#include "lib/core/json.h"
#include "lib/core/util.h"

/* argon2id cost: 19 MiB, 2 passes, 1 lane (OWASP's baseline for argon2id).
 * A login costs ~20 MiB for a few tens of milliseconds per thread. */
#define T_COST 2
#define M_COST (19 * 1024)
#define PARALLELISM 1
#define SALT_LEN 16
#define HASH_LEN 32

int
ig_password_policy(const char *pw, const char *username, const char *email,
    const char *field, ig_err *err)
{
	if (ig_utf8_len(pw) < IG_PASSWORD_MIN)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s must be at least %d characters long", field, IG_PASSWORD_MIN);
	if (strlen(pw) > IG_PASSWORD_MAX_BYTES)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s must be at most %d bytes long", field, IG_PASSWORD_MAX_BYTES);
	if ((username && strcasecmp(pw, username) == 0) || (email && strcasecmp(pw, email) == 0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s must not be the username or the email address", field);
	return 0;
}

int
ig_password_hash(const char *pw, char out[IG_PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN];
	int rc;

	ig_random_bytes(salt, sizeof(salt));
	rc = argon2id_hash_encoded(T_COST, M_COST, PARALLELISM, pw, strlen(pw), salt, sizeof(salt),
	    HASH_LEN, out, IG_PASSWORD_HASH_MAX);
	return rc == ARGON2_OK ? 0 : -1;
}

int
ig_password_verify(const char *encoded, const char *pw)
{
	if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0)
		return 0;
	return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[IG_PASSWORD_HASH_MAX];

static void
make_dummy(void)
{
	char pw[33];

	ig_random_bytes(pw, sizeof(pw) - 1);
	for (size_t i = 0; i < sizeof(pw) - 1; i++)
		pw[i] = (char)('a' + ((unsigned char)pw[i] % 26));
	pw[sizeof(pw) - 1] = '\0';
	if (ig_password_hash(pw, dummy_hash) != 0)
		dummy_hash[0] = 0;
	sodium_memzero(pw, sizeof(pw));
}

void
ig_password_verify_dummy(const char *pw)
{
	pthread_once(&dummy_once, make_dummy);
	(void)ig_password_verify(dummy_hash, pw);
}
