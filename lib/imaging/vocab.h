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

enum ig_subject {
	IG_SU_CAT, IG_SU_DOG, IG_SU_FOX, IG_SU_BIRD, IG_SU_FISH, IG_SU_HORSE, IG_SU_RABBIT, IG_SU_OWL,
	IG_SU_WHALE, IG_SU_BUTTERFLY,
	IG_SU_PORTRAIT, IG_SU_FIGURE, IG_SU_CROWD,
	IG_SU_CAR, IG_SU_BICYCLE, IG_SU_BOAT, IG_SU_SHIP, IG_SU_TRAIN, IG_SU_AIRPLANE, IG_SU_ROCKET,
	IG_SU_TREE, IG_SU_FLOWER, IG_SU_ROSE, IG_SU_SUNFLOWER, IG_SU_CACTUS, IG_SU_MUSHROOM,
	IG_SU_FRUIT_BOWL, IG_SU_APPLE, IG_SU_CAKE, IG_SU_COFFEE,
	IG_SU_HOUSE, IG_SU_CASTLE, IG_SU_LIGHTHOUSE, IG_SU_BRIDGE, IG_SU_TOWER, IG_SU_TEMPLE,
	IG_SU_WINDMILL,
	IG_SU_ROBOT, IG_SU_CLOCK, IG_SU_BOOK, IG_SU_LAMP, IG_SU_GUITAR,
	IG_SU_DRAGON, IG_SU_UNICORN,
	IG_SU_PENGUIN, IG_SU_ELEPHANT, IG_SU_BEAR, IG_SU_SNOWMAN, IG_SU_BALLOON,
	IG_SU_ASTRONAUT, IG_SU_DINOSAUR, IG_SU_TURTLE, IG_SU_ICE_CREAM, IG_SU_UMBRELLA,
	IG_SU__MAX
};

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
