/*
 * render.h — the builtin provider's offline renderer (PROVIDERS.md "builtin").
 *
 * Draws a procedural picture with libgd from the prompt's words and a seed:
 * colour words ("sunset", "neon", "gold"…) steer the palette, scene words
 * ("mountains", "city", "ocean", "forest", "space", "portrait", "abstract")
 * pick the composition, every other word nudges hues, and the seed varies
 * layout, shapes and texture. Words of the negative prompt push the palette
 * away from their colours and rule out their scenes. It is an illustration
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

/* Render prompt (UTF-8; non-ASCII words are hashed, not understood) at
 * width × height, each within [IG_RENDER_MIN_SIDE, IG_RENDER_MAX_SIDE].
 * negative_prompt may be NULL. Returns 0 with *png (malloc'ed, the caller
 * frees it) and *len set, or -1 when prompt is NULL, a side is out of range,
 * or libgd fails to allocate or encode; *png is then untouched. */
int ig_render_builtin(const char *prompt, const char *negative_prompt, uint64_t seed, int width,
    int height, unsigned char **png, size_t *len);

#endif
