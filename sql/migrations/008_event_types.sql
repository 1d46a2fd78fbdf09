-- Client event types (issue 10, item 7; API.md "Health and monitoring"): the
-- seed's own example logs "event_type": "user_action", which 006's fixed list
-- refused. Any short snake_case word is a type now; the documented ones
-- (client_error, ui_action, user_action, generation_feedback, performance,
-- security, other) stay the common vocabulary. app/api/monitoring_events.c
-- checks the same rule and answers 400 naming event_type before this does.

ALTER TABLE events DROP CONSTRAINT events_event_type_check;
ALTER TABLE events ADD CONSTRAINT events_event_type_check
    CHECK (event_type ~ '^[a-z][a-z0-9_]{0,49}$');
