/*
 * render.h — the builtin provider's offline renderer (PROVIDERS.md "builtin").
 *
 * Draws a procedural picture with libgd from the prompt's words and a seed:
 * subject words ("cat", "castle", 貓, 城堡 — vocab.h) are drawn as vector
 * figures (figures.h) in their colour and count, placed in a scene the
 * prompt names ("mountains", "city", "ocean", "forest", "space", "room",
 * "meadow", "underwater"…) or the subject's own; time of day, weather and
 * season words set the light and the sky, style words ("watercolor",
 * "anime", 油畫…) the shading and a finishing filter; colour words
 * ("sunset", "neon", "gold"…) steer the palette, every other word nudges
 * hues, and the seed varies layout, poses, shapes and texture. Words of the
 * negative prompt push the palette away from their colours and rule out
 * their scenes, subjects and style. It is an illustration
 * generator, not a model, and makes no claim to be one.
 *
 * Deterministic: the same prompt, negative prompt, seed and size give the
 * same bytes from the same build (a private splitmix64 stream; never rand()).
 * Thread-safe: no shared state.
 */
#ifndef IG_IMAGING_RENDER_H
#define IG_IMAGING_RENDER_H

#include <stddef.h>
#include <stdint.h>

#define IG_RENDER_MIN_SIDE 64
#define IG_RENDER_MAX_SIDE 2048

/* What the renderer understood of a prompt and drew (vocab.h), as canonical
 * English names: static strings, valid for the life of the program. */
#define IG_DRAWN_MAX 8
typedef struct ig_drawn {
	const char *subjects[IG_DRAWN_MAX];     /* "cat", "cup of coffee"… in prompt order */
	int counts[IG_DRAWN_MAX];               /* how many of each */
	int nsubjects;
	const char *scene;                      /* "mountains", "room"… */
	const char *style;                      /* "watercolor"…, NULL when none named */
	const char *colors[16];                 /* every colour the prompt names */
	int ncolors;
} ig_drawn;

/* Render prompt (UTF-8; English, Chinese and Japanese words of vocab.h are
 * understood, other words hashed into the palette) at width × height, each
 * within [IG_RENDER_MIN_SIDE, IG_RENDER_MAX_SIDE]. negative_prompt may be
 * NULL; its scenes, subjects, style and colours are kept out. Returns 0 with
 * *png (malloc'ed, the caller frees it) and *len set, and *drawn (when not
 * NULL) filled, or -1 when prompt is NULL, a side is out of range, or libgd
 * fails to allocate or encode; *png is then untouched. */
int ig_render_builtin(const char *prompt, const char *negative_prompt, uint64_t seed, int width,
    int height, unsigned char **png, size_t *len, ig_drawn *drawn);

#endif
