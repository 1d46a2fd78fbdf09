/*
 * store_impl.h — what lib/store/store.c (the interface: key checks,
 * dispatch) shares with its backends, lib/store/local.c and lib/store/s3.c.
 * Only these three files include it.
 */
#ifndef IG_STORE_STORE_IMPL_H
#define IG_STORE_STORE_IMPL_H

#include "lib/store/store.h"

struct ig_store_ops;

struct ig_store {
	ig_store_kind kind;
	char *root;                       /* local: a directory; s3: a key prefix, "" or ending in '/' */
	ig_store_s3 s3;                   /* s3 only: copies of the settings (store.c frees them) */
	int plain;                        /* local only: no sidecars (ig_store_new_plain) */
	void *backend;                    /* the backend's own state */
	const struct ig_store_ops *ops;
};

/* One backend. store.c has checked the key (ig_store_key_ok) and the
 * arguments before calling; each returns as the function of store.h of
 * the same name. */
typedef struct ig_store_ops {
	const char *name;                 /* "local", "s3" */
	int (*open)(ig_store *st, ig_err *err);     /* set up st->backend; 0 or -1 */
	void (*close)(ig_store *st);
	int (*put)(ig_store *st, const char *key, const unsigned char *data, size_t len, const char *content_type,
	    char sha256_out[65], ig_err *err);
	int (*put_fd)(ig_store *st, const char *key, int fd, size_t len, const char *content_type,
	    char sha256_out[65], ig_err *err);
	int (*get)(ig_store *st, const char *key, size_t max, unsigned char **data, size_t *len, ig_err *err);
	int (*head)(ig_store *st, const char *key, ig_store_obj *out, ig_err *err);
	int (*del)(ig_store *st, const char *key, ig_err *err);
	int (*locate)(ig_store *st, const char *key, long expires_s, const ig_store_reply *reply, char **url,
	    ig_err *err);
} ig_store_ops;

extern const ig_store_ops ig_store_local_ops;   /* local.c */
extern const ig_store_ops ig_store_s3_ops;      /* s3.c */

#endif
