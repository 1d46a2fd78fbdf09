-- Idempotency-Key (issue 10, item 6; API.md "Generation"): a key is bound to
-- the caller AND the route, and to the generation job its first request
-- started, so a retry after a 504 (IG_GENERATE_TIMEOUT) finds that job instead
-- of paying the provider a second time. The answer of a job-bound key is
-- rebuilt from the job, its images rows and the image store on every replay:
-- this table holds no image bytes. Keys older than 24 hours are swept by the
-- next request that sends a key (lib/jobs/idem.c), hence the index.

ALTER TABLE idempotency_keys ADD COLUMN route text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN job_id uuid REFERENCES jobs (id) ON DELETE CASCADE;
-- The job was a cache hit (the answer says "cached": true), not started here.
ALTER TABLE idempotency_keys ADD COLUMN cached boolean NOT NULL DEFAULT false;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, route, key);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
-- Answers kept before this migration may carry base64 image bytes.
DELETE FROM idempotency_keys WHERE response ? 'images';
