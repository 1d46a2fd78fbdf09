-- 015_collaboration.sql — projects, their members and shares (issue 13).
-- Owned by lib/collab/project.c (projects, project_members) and
-- lib/collab/share.c (shares); who may do what with them, an image or a
-- comment is decided in one place, lib/collab/access.c, from these tables.

CREATE TABLE projects (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner_idx ON projects (owner_id, created_at DESC, id DESC);

-- The owner is not a member row: projects.owner_id says it (member_count
-- counts the owner too).
CREATE TABLE project_members (
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('viewer', 'editor')),
    added_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id, project_id);

-- Deleting a project leaves its images with their owners, project cleared.
ALTER TABLE images ADD CONSTRAINT images_project_fk
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE SET NULL;
CREATE INDEX images_project_idx ON images (project_id, created_at DESC, id DESC)
    WHERE project_id IS NOT NULL;

-- A share of one image or one project, either to a user (with_user_id) or
-- as a public link (token_hash: the SHA-256 of a token of 256 random bits,
-- never the token itself). A link always expires; a user share may not.
-- Revoking sets revoked_at: the row stays so the owner's list can say so.
CREATE TABLE shares (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    image_id     uuid REFERENCES images (id) ON DELETE CASCADE,
    project_id   uuid REFERENCES projects (id) ON DELETE CASCADE,
    with_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea UNIQUE,
    role         text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'editor')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT shares_one_target CHECK ((image_id IS NULL) <> (project_id IS NULL)),
    CONSTRAINT shares_user_or_link CHECK ((with_user_id IS NULL) <> (token_hash IS NULL)),
    CONSTRAINT shares_link_expires CHECK (token_hash IS NULL OR expires_at IS NOT NULL),
    CONSTRAINT shares_link_read_only CHECK (token_hash IS NULL OR role = 'viewer')
);
CREATE INDEX shares_owner_idx ON shares (owner_id, created_at DESC, id DESC);
CREATE INDEX shares_recipient_idx ON shares (with_user_id) WHERE with_user_id IS NOT NULL;
CREATE INDEX shares_image_idx ON shares (image_id) WHERE image_id IS NOT NULL;
CREATE INDEX shares_project_idx ON shares (project_id) WHERE project_id IS NOT NULL;
