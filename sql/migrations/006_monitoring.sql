-- Client events (API.md "Health and monitoring", POST /api/monitoring/log-event):
-- what a signed-in client reports (its errors, UI actions, feedback), kept
-- with the user who sent it and read back by admins through
-- GET /api/monitoring/events. The known types are checked here as well as
-- in the handler (app/api/monitoring_events.c keeps the list).

CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_type  text NOT NULL CHECK (event_type IN ('client_error', 'ui_action',
                    'generation_feedback', 'performance', 'security', 'other')),
    message     text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    request_id  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Newest first, overall and per filter (the admin listing pages by id).
CREATE INDEX events_created_idx ON events (created_at DESC, id DESC);
CREATE INDEX events_type_idx ON events (event_type, id DESC);
CREATE INDEX events_user_idx ON events (user_id, id DESC);
