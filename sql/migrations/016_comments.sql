-- 016_comments.sql — comments on images, threaded by parent_id (issue 13).
-- Owned by lib/collab/comment.c; who may read, add, edit and delete them
-- is lib/collab/access.c's rule over the image.
--
-- author_id is ON DELETE SET NULL: a removed account leaves its comments
-- in the thread, shown with author null, because other people's replies
-- hang under them and a CASCADE would take those replies too (parent_id
-- cascades). The image's owner may still delete such a comment
-- (moderation).
--
-- A reply belongs to the same image as its parent: the foreign key is
-- over (parent_id, image_id) → (id, image_id), so the database refuses a
-- parent of another image whatever the caller sends.
--
-- A deleted comment that has replies stays as a placeholder: deleted true,
-- body NULL. One without replies is removed, and so is every deleted
-- ancestor left without replies by that (lib/collab/comment.c).
--
-- created_at orders a thread: a reply is always created strictly after
-- its parent (the insert takes greatest(now(), parent + 1 µs)), so
-- (created_at, id) ascending lists every parent before its replies.
CREATE TABLE comments (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    image_id   uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    author_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    parent_id  uuid,
    body       text,
    deleted    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT comments_id_image UNIQUE (id, image_id),
    CONSTRAINT comments_parent_same_image FOREIGN KEY (parent_id, image_id)
        REFERENCES comments (id, image_id) ON DELETE CASCADE,
    CONSTRAINT comments_body CHECK (
        (deleted AND body IS NULL) OR
        (NOT deleted AND body IS NOT NULL AND length(body) BETWEEN 1 AND 4000)),
    CONSTRAINT comments_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX comments_image_idx ON comments (image_id, created_at, id);
CREATE INDEX comments_parent_idx ON comments (parent_id) WHERE parent_id IS NOT NULL;
-- The per-author hourly cap counts from here.
CREATE INDEX comments_author_idx ON comments (author_id, created_at) WHERE author_id IS NOT NULL;
