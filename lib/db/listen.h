/*
 * listen.h — LISTEN/NOTIFY for a thread with a loop of its own (the
 * runner's): the channels are listened to on this thread's own connection
 * (ig_db_conn), whose socket the loop polls beside its other work, and the
 * notifications drained without blocking. A connection that broke is
 * forgotten before ig_db_conn replaces it, and listened to again on the
 * next ig_listen_ensure.
 */
#ifndef IG_DB_LISTEN_H
#define IG_DB_LISTEN_H

/* At most this many channels per listener (bits of ig_listen_drain). */
#define IG_LISTEN_MAX 16

typedef struct ig_listener ig_listener;

/* A listener for channels (NULL-terminated, constant, at most
 * IG_LISTEN_MAX), not yet listening. */
ig_listener *ig_listen_new(const char *const *channels);
void ig_listen_free(ig_listener *l);

/* Listen, on this thread's own connection, when not already listening
 * there (first call, or the connection broke since): 1 when listening, 0
 * when the database cannot be reached now (call again later). */
int ig_listen_ensure(ig_listener *l);

/* The socket to poll for notifications, -1 when not listening. */
int ig_listen_fd(const ig_listener *l);

/* Read what arrived without blocking: bit i is set when channels[i] was
 * notified since the last drain (0 when nothing, or not listening). */
unsigned ig_listen_drain(ig_listener *l);

#endif
