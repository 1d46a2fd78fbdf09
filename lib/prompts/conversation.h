/*
 * conversation.h — the assistant's conversations (table assistant_messages,
 * migration 007_assistant.sql): each turn a row under its conversation id,
 * owned by the user who began it. The statements live in conversation.c.
 */
#ifndef IG_PROMPTS_CONVERSATION_H
#define IG_PROMPTS_CONVERSATION_H

#include "lib/core/error.h"

/* One stored turn: role "user" or "assistant", content malloc'ed. */
typedef struct ig_conv_turn {
	char role[16];
	char *content;
} ig_conv_turn;

/* 1 when conversation conv (a UUID) has turns of user_id, 0 when not
 * (no such conversation, or another user's), -1 with err. */
int ig_conv_owned(const char *conv, const char *user_id, ig_err *err);

/* The last limit turns of conv, oldest first: *out (free with
 * ig_conv_turns_free; NULL when none) and *n. 0 or -1 with err. */
int ig_conv_history(const char *conv, int limit, ig_conv_turn **out, int *n, ig_err *err);
void ig_conv_turns_free(ig_conv_turn *t, int n);

/* Add a turn to conv for user_id: role "user" or "assistant", source who
 * wrote it ("user", or the engine that answered). 0 or -1 with err. */
int ig_conv_append(const char *conv, const char *user_id, const char *role, const char *content,
    const char *source, ig_err *err);

#endif
