-- 017_analytics.sql — analytics (issue 13, API.md "Analytics"): the indexes
-- its read-only aggregates over jobs and images use (lib/analytics/
-- analytics.c; the tables stay lib/jobs' and lib/gallery's), and the time
-- zone check of its tz parameter.

-- 1 when tz names a time zone the database knows (AT TIME ZONE would fail
-- on it): the tz parameter's 400 instead of a failed statement. Asking
-- pg_timezone_names instead reads every zone file (tens of ms a call).
CREATE FUNCTION ig_tz_ok(tz text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE tz;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END $$;

-- The jobs of a range, a user's (replacing 003's jobs_user_idx: the same
-- keys, so its readers keep it) or everyone's, with every column the
-- counts, outcomes and durations read: index-only scans, no heap page per
-- job (a user's jobs lie one in many pages).
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, created_at DESC)
    INCLUDE (status, provider, started_at, finished_at);
CREATE INDEX jobs_created_idx ON jobs (created_at)
    INCLUDE (user_id, status, provider, started_at, finished_at);

-- Images made by generations in a range, a user's or everyone's, by
-- provider; and a user's stored bytes.
CREATE INDEX images_analytics_user_idx ON images (user_id, created_at)
    INCLUDE (provider, job_id, size_bytes);
CREATE INDEX images_made_idx ON images (created_at) INCLUDE (user_id, provider)
    WHERE job_id IS NOT NULL;
