-- 022_analytics_speed.sql — analytics at 1,000,000 jobs (issue 13's bar:
-- one user's call < 50 ms, scope=all < 500 ms; lib/analytics/analytics.c).

-- Popular prompts: the prompt lives in jobs.request, so no index could
-- answer "a user's prompts of a range" and the planner read every job of
-- the range from the heap (82,000 for 8,000 of the user's). prompt_md5
-- names a prompt's exact text in 16 bytes (NULL when absent or empty): the
-- prompts are counted by it from the indexes below alone, and only one job
-- per counted prompt is read for its text. A prompt (up to 4000 characters)
-- does not fit an index entry; its digest does.
ALTER TABLE jobs ADD COLUMN prompt_md5 uuid
    GENERATED ALWAYS AS (md5(nullif(request->>'prompt', ''))::uuid) STORED;
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, created_at DESC)
    INCLUDE (status, provider, started_at, finished_at, prompt_md5);
DROP INDEX jobs_created_idx;
CREATE INDEX jobs_created_idx ON jobs (created_at)
    INCLUDE (user_id, status, provider, started_at, finished_at, prompt_md5);

-- Storage bytes: the sum of size_bytes of each owner's images (the nil
-- uuid for the images of anonymous jobs), kept by the triggers below in
-- the statement that changes images, so scope=all reads a row per user
-- instead of every image (a sequential scan of images).
CREATE TABLE image_bytes (
    owner uuid PRIMARY KEY,                      -- images.user_id, nil for NULL
    bytes bigint NOT NULL
);
INSERT INTO image_bytes (owner, bytes)
SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000'), sum(size_bytes) FROM images GROUP BY 1;

-- One function for the four statement triggers: each statement's rows as
-- one change per owner, owners in order (two statements that both touch
-- owners A and B lock them in the same order, never a deadlock). A user's
-- deletion deletes their images (ON DELETE CASCADE): their row goes to 0.
CREATE FUNCTION ig_image_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM image_bytes;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO image_bytes AS t (owner, bytes)
        SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000'), sum(size_bytes)
        FROM new_rows GROUP BY 1 ORDER BY 1
        ON CONFLICT (owner) DO UPDATE SET bytes = t.bytes + excluded.bytes;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE image_bytes t SET bytes = t.bytes - d.bytes
        FROM (SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000') AS owner, sum(size_bytes) AS bytes
              FROM old_rows GROUP BY 1) d
        WHERE t.owner = d.owner;
    ELSE
        -- An update: the new rows' bytes less the old rows', per owner
        -- (none when neither owner nor size changed: no row locked).
        INSERT INTO image_bytes AS t (owner, bytes)
        SELECT owner, sum(bytes) FROM (
            SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000') AS owner, size_bytes AS bytes FROM new_rows
            UNION ALL
            SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000'), -size_bytes FROM old_rows) c
        GROUP BY 1 HAVING sum(bytes) <> 0 ORDER BY 1
        ON CONFLICT (owner) DO UPDATE SET bytes = t.bytes + excluded.bytes;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER images_bytes_insert AFTER INSERT ON images REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ig_image_bytes();
CREATE TRIGGER images_bytes_delete AFTER DELETE ON images REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ig_image_bytes();
CREATE TRIGGER images_bytes_update AFTER UPDATE ON images REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ig_image_bytes();
CREATE TRIGGER images_bytes_truncate AFTER TRUNCATE ON images
    FOR EACH STATEMENT EXECUTE FUNCTION ig_image_bytes();
