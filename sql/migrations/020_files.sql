-- 020_files.sql — stored files (issue 14, API.md "Storage"): what a user
-- keeps in the object store, any type, with its per-user total for the
-- quota. Owned by lib/store/files.c.

CREATE TABLE files (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The client's name for it, kept as data only: never part of a path or
    -- key (object_key is built from the ids).
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    -- Sniffed from the bytes, never the client's word.
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    backend      text NOT NULL CHECK (backend IN ('local', 's3')),
    object_key   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- GET /api/storage/files: the caller's files newest first, paged on
-- (created_at, id).
CREATE INDEX files_user_created ON files (user_id, created_at DESC, id DESC);

-- The bytes each user keeps, against IG_STORAGE_QUOTA_BYTES. A row per
-- user with files, changed by the statement that adds or removes a file:
-- the add's conditional upsert locks this row, so two uploads at once
-- cannot both pass a quota only one of them fits (a sum over files would
-- be read from each statement's snapshot and let both in).
CREATE TABLE file_usage (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    bytes   bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0)
);
