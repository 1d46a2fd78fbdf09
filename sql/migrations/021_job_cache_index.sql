-- 021_job_cache_index.sql — the generation cache's lookup (lib/jobs/job.c
-- SQL_CACHED: a succeeded job of this cache key and caller) had no index:
-- with 1,000,000 jobs it read the table (530 ms), and under load passed the
-- database timeout, so generate-image answered 503. Only cacheable jobs
-- that succeeded are in it.
CREATE INDEX jobs_cache_idx ON jobs (cache_key, user_id, finished_at DESC)
    WHERE cache_key IS NOT NULL AND status = 'succeeded';
