/*
 * analytics.h — usage statistics, popular prompts and generation trends
 * (API.md "Analytics"), computed from the jobs, images and batches tables,
 * never invented.
 *
 * Those tables are owned by lib/jobs/queue.c and batch.c (jobs, batches)
 * and lib/gallery/images.c (images), which write them; the read-only
 * aggregate statements over them live here, in one module, with the
 * indexes that serve them (sql/migrations/017_analytics.sql). A batch's
 * state is batch.h's one definition (IG_BATCH_SUMMARY_FROM).
 *
 * Definitions (README "Analytics"):
 *  - a generation is one request's job (a generate-image call, one batch
 *    item, one creative call) that ended succeeded or failed; a job is in a
 *    range by its created_at (when it was asked for). Canceled jobs and
 *    jobs still queued or running are counted apart (canceled, in_progress)
 *    and are not generations;
 *  - success_rate = succeeded / (succeeded + failed), a fraction 0–1, null
 *    when no generation ended in the range;
 *  - images: rows of the images table made by a generation (job_id set; not
 *    uploads nor processed copies), in a range by their own created_at, so
 *    an image the user deleted is no longer counted;
 *  - time: finished_at − started_at of the succeeded generations (the
 *    provider's work, without the wait in the queue); avg_time_ms is their
 *    mean, p95_time_ms their 95th percentile by nearest rank (an observed
 *    duration: percentile_disc), both null when none succeeded;
 *  - storage_bytes: the size_bytes of every image the user holds now (not
 *    limited by the range); stored files are issue 14's and not yet in it.
 */
#ifndef IG_ANALYTICS_ANALYTICS_H
#define IG_ANALYTICS_ANALYTICS_H

#include <json-c/json.h>

#include "lib/core/error.h"

/* Without from: the range is the 30 days before to (now without to). */
#define IG_ANALYTICS_DEFAULT_DAYS 30
/* The most buckets one trends answer holds (interval × range). */
#define IG_ANALYTICS_MAX_BUCKETS 1000
/* The most distinct prompts whose terms are counted (the most used ones):
 * beyond them the answer says "terms_complete": false. */
#define IG_ANALYTICS_TERM_PROMPTS 5000
/* popular-prompts' limit: its default and most. */
#define IG_ANALYTICS_LIMIT_DEFAULT 10
#define IG_ANALYTICS_LIMIT_MAX 100

/*
 * What one call asks about. from and to are NULL (the defaults) or checked
 * by the caller: an RFC 3339 date-time or a date YYYY-MM-DD (midnight in
 * tz), to exclusive. tz is a time zone name (NULL: "UTC"), checked here
 * against the database's zone data (a 400 naming tz). user_id NULL means
 * every user's (scope=all: the caller decided the caller may).
 */
typedef struct ig_analytics_q {
	const char *user_id;
	const char *from, *to, *tz;
	const char *interval;       /* trends: "hour", "day" or "week" */
	int limit;                  /* popular prompts: 1..IG_ANALYTICS_LIMIT_MAX */
} ig_analytics_q;

/*
 * The three answers, each with the range resolved: {from, to, tz, …}
 * (from and to as RFC 3339 UTC times). 0 with *out (the caller puts it),
 * or -1 with err: a 400 naming tz (unknown zone), from (from not before
 * to) or interval (more than IG_ANALYTICS_MAX_BUCKETS buckets).
 *
 * usage: total_generations, succeeded, failed, canceled, in_progress,
 * success_rate, total_images, by_provider: [{provider, generations,
 * images, failures, avg_time_ms, p95_time_ms}] (by provider name),
 * batches: {queued, processing, completed, partial, failed, canceled}
 * (batches created in the range, by state), storage_bytes.
 */
int ig_analytics_usage(const ig_analytics_q *q, json_object **out, ig_err *err);

/*
 * popular prompts: prompts: [{prompt, count, last_used}] (the q->limit
 * most used exact texts, most used first, ties by the latest use), terms:
 * [{term, count}] (the q->limit most used words of lib/prompts' tokenizer,
 * ASCII folded to lower case, stop words dropped; count = generations whose
 * prompt holds the word), terms_complete (false when more than
 * IG_ANALYTICS_TERM_PROMPTS distinct prompts were in the range and only
 * the most used ones were read).
 */
int ig_analytics_prompts(const ig_analytics_q *q, json_object **out, ig_err *err);

/*
 * trends: interval, series: [{bucket, images, failures, succeeded,
 * avg_time_ms, by_provider: {name: {images, failures, succeeded,
 * avg_time_ms}}}], one element per interval from the one holding from to
 * the one holding the last instant before to, empty ones as zeros. A
 * bucket starts at midnight (day), Monday midnight (week) or the hour, in
 * tz's wall clock, and is named by that start as an RFC 3339 time with
 * tz's offset then.
 */
int ig_analytics_trends(const ig_analytics_q *q, json_object **out, ig_err *err);

#endif
