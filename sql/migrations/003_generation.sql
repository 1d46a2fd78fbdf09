-- Generation: every generation is a job run by imagegen-worker; every image
-- a file under IG_IMAGE_DIR and a row here (DESIGN.md "Shape").

CREATE TABLE jobs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid REFERENCES users (id) ON DELETE CASCADE,   -- NULL: anonymous
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    -- Higher runs first: a waiting HTTP request outranks batch work.
    priority      integer NOT NULL DEFAULT 0,
    provider      text NOT NULL,
    model         text NOT NULL,
    -- The validated request: prompt, negative_prompt, width, height, count,
    -- seed, style, quality, extra. Never a key.
    request       jsonb NOT NULL,
    -- Where the runner finds the provider key: 'none', 'server', 'stored'
    -- (provider_keys.id in key_id) or 'request' (sealed with IG_SECRET_KEY).
    key_source    text NOT NULL DEFAULT 'none'
                  CHECK (key_source IN ('none', 'server', 'stored', 'request')),
    key_id        uuid REFERENCES provider_keys (id) ON DELETE SET NULL,
    key_nonce     bytea,
    key_sealed    bytea,
    cache_key     text,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 4,
    run_after     timestamptz NOT NULL DEFAULT now(),
    runner_id     uuid,
    lease_until   timestamptz,
    error_code    text,
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX jobs_queue_idx ON jobs (priority DESC, run_after, created_at) WHERE status = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_user_idx ON jobs (user_id, created_at DESC);

CREATE TABLE images (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    job_id          uuid REFERENCES jobs (id) ON DELETE SET NULL,
    idx             integer NOT NULL,
    filename        text NOT NULL UNIQUE,
    thumbnail       text,
    prompt          text NOT NULL,
    negative_prompt text,
    provider        text NOT NULL,
    model           text NOT NULL,
    width           integer NOT NULL,
    height          integer NOT NULL,
    seed            bigint,
    size_bytes      bigint NOT NULL,
    sha256          text NOT NULL,
    mime_type       text NOT NULL,
    cache_key       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- A job re-run after a lost lease cannot add an image twice.
    UNIQUE (job_id, idx)
);
CREATE INDEX images_user_idx ON images (user_id, created_at DESC);
CREATE INDEX images_cache_idx ON images (cache_key) WHERE cache_key IS NOT NULL;

-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the first
-- response for (caller, key) is kept and replayed.
CREATE TABLE idempotency_keys (
    scope         text NOT NULL,          -- 'user:<id>' or 'ip:<addr>'
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status        integer,                -- NULL while the first request runs
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
