-- Batches (API.md "Batches"): a batch is a row here and one job per
-- prompt; its state is derived from its jobs' states.

CREATE TABLE batches (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             text,
    total            integer NOT NULL CHECK (total > 0),
    settings         jsonb NOT NULL,
    callback_url     text,
    webhook_per_item boolean NOT NULL DEFAULT false,
    canceled         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz
);
CREATE INDEX batches_user_idx ON batches (user_id, created_at DESC);

ALTER TABLE jobs
    ADD COLUMN batch_id uuid REFERENCES batches (id) ON DELETE CASCADE,
    ADD COLUMN item_index integer,
    -- Order among equal priorities: the n-th item of every batch runs
    -- before the (n+1)-th of any, so batches interleave and a large one
    -- cannot starve a small one.
    ADD COLUMN fair_seq integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX jobs_batch_item_idx ON jobs (batch_id, item_index) WHERE batch_id IS NOT NULL;
DROP INDEX jobs_queue_idx;
CREATE INDEX jobs_queue_idx ON jobs (priority DESC, fair_seq, run_after, created_at) WHERE status = 'queued';

-- Each user's webhook signing secret (Standard Webhooks), sealed with
-- IG_SECRET_KEY like provider keys.
CREATE TABLE webhook_secrets (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    nonce      bytea NOT NULL,
    ciphertext bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Webhook deliveries, retried with back-off by the runners.
CREATE TABLE webhook_deliveries (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    batch_id     uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    event        text NOT NULL,             -- batch.completed | batch.item
    payload      jsonb NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_at) WHERE delivered_at IS NULL;
