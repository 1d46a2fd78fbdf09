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
