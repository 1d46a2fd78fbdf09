-- The server's own provider keys (issue 10, item 4; README "Providers"): with
-- IG_SERVER_KEYS=users each non-admin user may spend IG_SERVER_KEY_DAILY_IMAGES
-- images and IG_SERVER_KEY_DAILY_CHATS assistant chats a UTC day on them.
-- One row per user, day and kind, counted by one upsert that refuses to pass
-- the cap (lib/jobs/serverkey.c), so requests on every host share the count.

CREATE TABLE server_key_usage (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day      date NOT NULL,                       -- UTC
    kind     text NOT NULL CHECK (kind IN ('images', 'chats')),
    count    integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, day, kind)
);

-- The sweep of past days.
CREATE INDEX server_key_usage_day ON server_key_usage (day);
