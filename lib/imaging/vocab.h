/*
 * vocab.h — what the builtin renderer understands of a prompt (render.h):
 * one table of words (English with plurals and synonyms; Chinese in
 * Traditional and Simplified forms; Japanese) mapped to canonical subjects,
 * scenes, styles, colours, times of day, weather and seasons, plus counts
 * ("three birds", "2 cats", 三隻貓) and the colour named right before a
 * subject ("a red car", 紅色的車).
 *
 * English words match whole words (a plural "s"/"es"/"ies" allowed); CJK
 * words match as substrings, since CJK text has no spaces. Where matches
 * overlap the longest wins (自行車 is a bicycle, not a 車). Internal to
 * lib/imaging (and its unit tests).
 */
#ifndef IG_IMAGING_VOCAB_H
#define IG_IMAGING_VOCAB_H

#include <stddef.h>

/*
 * Every subject, one row each: X(ID, name, figure, aspect, home, place,
 * height) — its enum IG_SU_<ID>, its canonical name (ig_subject_name), the
 * function that draws it (figures.c's fig_<figure>) and the figure's width
 * over its height, the scene it lives in when the prompt names none
 * (IG_SC_<home>), where it stands in the picture (render.c's P_<place>)
 * and its height as a share of the picture's. The words that name it are
 * in vocab.c's table.
 */
#define IG_SUBJECTS(X) \
	/* animals */ \
	X(CAT, "cat", cat, 1.0f, ROOM, GROUND, 0.38f) \
	X(DOG, "dog", dog, 1.25f, MEADOW, GROUND, 0.36f) \
	X(FOX, "fox", fox, 1.3f, FOREST, GROUND, 0.36f) \
	X(BIRD, "bird", bird, 1.15f, MEADOW, SKY, 0.16f) \
	X(FISH, "fish", fish, 1.5f, UNDERWATER, SWIM, 0.22f) \
	X(HORSE, "horse", horse, 1.2f, MEADOW, GROUND, 0.46f) \
	X(RABBIT, "rabbit", rabbit, 0.9f, MEADOW, GROUND, 0.3f) \
	X(OWL, "owl", owl, 0.8f, FOREST, GROUND, 0.4f) \
	X(WHALE, "whale", whale, 2.0f, SEA, WATER, 0.3f) \
	X(BUTTERFLY, "butterfly", butterfly, 1.2f, MEADOW, SKY, 0.16f) \
	/* people */ \
	X(PORTRAIT, "portrait", portrait, 0.85f, PORTRAIT, CENTER, 0.8f) \
	X(FIGURE, "figure", figure, 0.4f, MEADOW, GROUND, 0.55f) \
	X(CROWD, "crowd", crowd, 1.7f, CITY, GROUND, 0.4f) \
	/* vehicles */ \
	X(CAR, "car", car, 2.2f, CITY, GROUND, 0.26f) \
	X(BICYCLE, "bicycle", bicycle, 1.6f, MEADOW, GROUND, 0.3f) \
	X(BOAT, "boat", boat, 1.0f, SEA, WATER, 0.4f) \
	X(SHIP, "ship", ship, 2.2f, SEA, WATER, 0.3f) \
	X(TRAIN, "train", train, 2.4f, MOUNTAINS, GROUND, 0.3f) \
	X(AIRPLANE, "airplane", airplane, 1.9f, MEADOW, SKY, 0.24f) \
	X(ROCKET, "rocket", rocket, 0.5f, SPACE, CENTER, 0.6f) \
	/* plants and food */ \
	X(TREE, "tree", tree, 0.8f, MEADOW, GROUND, 0.62f) \
	X(FLOWER, "flower", flower, 0.5f, MEADOW, GROUND, 0.4f) \
	X(ROSE, "rose", rose, 0.5f, MEADOW, GROUND, 0.45f) \
	X(SUNFLOWER, "sunflower", sunflower, 0.45f, MEADOW, GROUND, 0.6f) \
	X(CACTUS, "cactus", cactus, 0.7f, MEADOW, GROUND, 0.45f) \
	X(MUSHROOM, "mushroom", mushroom, 0.9f, FOREST, GROUND, 0.3f) \
	X(FRUIT_BOWL, "fruit bowl", fruit_bowl, 1.4f, ROOM, TABLE, 0.3f) \
	X(APPLE, "apple", apple, 0.9f, ROOM, TABLE, 0.22f) \
	X(CAKE, "cake", cake, 1.0f, ROOM, TABLE, 0.3f) \
	X(COFFEE, "cup of coffee", coffee, 1.1f, ROOM, TABLE, 0.24f) \
	/* buildings and places */ \
	X(HOUSE, "house", house, 1.1f, MEADOW, GROUND, 0.45f) \
	X(CASTLE, "castle", castle, 1.3f, MOUNTAINS, GROUND, 0.5f) \
	X(LIGHTHOUSE, "lighthouse", lighthouse, 0.4f, SEA, GROUND, 0.62f) \
	X(BRIDGE, "bridge", bridge, 2.6f, SEA, GROUND, 0.3f) \
	X(TOWER, "tower", tower, 0.5f, CITY, GROUND, 0.66f) \
	X(TEMPLE, "temple", temple, 1.2f, MOUNTAINS, GROUND, 0.45f) \
	X(WINDMILL, "windmill", windmill, 0.75f, MEADOW, GROUND, 0.6f) \
	/* objects */ \
	X(ROBOT, "robot", robot, 0.7f, CITY, GROUND, 0.52f) \
	X(CLOCK, "clock", clock, 1.0f, ROOM, TABLE, 0.3f) \
	X(BOOK, "book", book, 1.4f, ROOM, TABLE, 0.2f) \
	X(LAMP, "lamp", lamp, 0.65f, ROOM, TABLE, 0.36f) \
	X(GUITAR, "guitar", guitar, 0.45f, ROOM, GROUND, 0.55f) \
	/* fantasy */ \
	X(DRAGON, "dragon", dragon, 1.4f, MOUNTAINS, SKY, 0.42f) \
	X(UNICORN, "unicorn", unicorn, 1.2f, MEADOW, GROUND, 0.46f) \
	/* more */ \
	X(PENGUIN, "penguin", penguin, 0.65f, SEA, GROUND, 0.36f) \
	X(ELEPHANT, "elephant", elephant, 1.3f, MEADOW, GROUND, 0.5f) \
	X(BEAR, "bear", bear, 1.3f, FOREST, GROUND, 0.42f) \
	X(SNOWMAN, "snowman", snowman, 0.65f, MEADOW, GROUND, 0.5f) \
	X(BALLOON, "hot air balloon", balloon, 0.75f, MEADOW, SKY, 0.36f) \
	X(ASTRONAUT, "astronaut", astronaut, 0.6f, SPACE, CENTER, 0.55f) \
	X(DINOSAUR, "dinosaur", dinosaur, 1.2f, FOREST, GROUND, 0.55f) \
	X(TURTLE, "turtle", turtle, 1.4f, SEA, GROUND, 0.26f) \
	X(ICE_CREAM, "ice cream", ice_cream, 0.55f, MEADOW, TABLE, 0.4f) \
	X(UMBRELLA, "umbrella", umbrella, 1.0f, CITY, GROUND, 0.55f)

#define IG_SU_ENUM(id, ...) IG_SU_##id,
enum ig_subject { IG_SUBJECTS(IG_SU_ENUM) IG_SU__MAX };
#undef IG_SU_ENUM

enum ig_scene {
	IG_SC_MOUNTAINS, IG_SC_CITY, IG_SC_SEA, IG_SC_FOREST, IG_SC_SPACE, IG_SC_PORTRAIT,
	IG_SC_ABSTRACT, IG_SC_ROOM, IG_SC_MEADOW, IG_SC_UNDERWATER, IG_SC__MAX
};

enum ig_style {
	IG_ST_NONE, IG_ST_REALISTIC, IG_ST_WATERCOLOR, IG_ST_OIL, IG_ST_ANIME, IG_ST_PIXEL,
	IG_ST_SKETCH, IG_ST_LOWPOLY, IG_ST__MAX
};

enum ig_colour {
	IG_CO_RED, IG_CO_ORANGE, IG_CO_YELLOW, IG_CO_GREEN, IG_CO_BLUE, IG_CO_PURPLE, IG_CO_PINK,
	IG_CO_BROWN, IG_CO_BLACK, IG_CO_WHITE, IG_CO_GRAY, IG_CO_GOLD, IG_CO_SILVER, IG_CO_CYAN,
	IG_CO__MAX
};

enum ig_time { IG_TI_DAY = 1, IG_TI_SUNSET = 2, IG_TI_NIGHT = 4 };
enum ig_weather { IG_WE_RAIN = 1, IG_WE_SNOW = 2, IG_WE_FOG = 4, IG_WE_STORM = 8, IG_WE_CLOUDY = 16 };
enum ig_season { IG_SE_SPRING = 1, IG_SE_SUMMER = 2, IG_SE_AUTUMN = 4, IG_SE_WINTER = 8 };
/* What the subjects are doing, where a figure has that pose (a sleeping cat
 * curls up, a flying bird spreads its wings, a running horse gallops, and
 * flowers in a bouquet stand in a vase). */
enum ig_pose { IG_PO_SLEEP = 1, IG_PO_FLY = 2, IG_PO_RUN = 4, IG_PO_BOUQUET = 8 };

#define IG_VOCAB_MAX_SUBJECTS 8
#define IG_VOCAB_MAX_COUNT 9

typedef struct ig_vsubject {
	int id;                 /* enum ig_subject */
	int count;              /* 1…IG_VOCAB_MAX_COUNT */
	int colour;             /* enum ig_colour named right before it, or -1 */
} ig_vsubject;

typedef struct ig_vparse {
	ig_vsubject subj[IG_VOCAB_MAX_SUBJECTS];  /* in prompt order, each id once */
	int nsubj;
	int scenes[IG_SC__MAX];  /* in prompt order, each once */
	int nscenes;
	int style;               /* the first named, IG_ST_NONE if none */
	int colours[IG_CO__MAX]; /* every colour named, in prompt order, each once */
	int ncolours;
	unsigned time, weather, season, pose;  /* enum bits */
} ig_vparse;

/* Read text (UTF-8, may be NULL) into *out (zeroed first). */
void ig_vocab_parse(const char *text, ig_vparse *out);

/* Canonical English names ("cat", "cup of coffee", "oil painting"…). */
const char *ig_subject_name(int id);
const char *ig_scene_name(int id);
const char *ig_style_name(int id);
const char *ig_colour_name(int id);
/* The colour's hue (degrees), saturation and value in [0, 1]. */
void ig_colour_hsv(int id, float *h, float *s, float *v);

/* Every word of the table that names a subject, for the tests: the i-th
 * word (0-based) and its subject; NULL past the end. */
const char *ig_vocab_subject_word(size_t i, int *subject);

#endif
