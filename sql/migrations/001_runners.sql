-- Job runners announce themselves here and keep heartbeat_at fresh; /health
-- and the monitoring endpoints count the live ones, and a runner whose
-- heartbeat is stale has its jobs re-claimed by others.
CREATE TABLE runners (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    hostname     text NOT NULL,
    pid          integer NOT NULL,
    version      text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX runners_heartbeat_idx ON runners (heartbeat_at);
