-- 014_gallery.sql — the gallery (issue 12): what a user organizes an image
-- by, where it came from (lineage), and the search over its text. Owned by
-- lib/gallery/images.c.

ALTER TABLE images
    ADD COLUMN title      text,
    ADD COLUMN tags       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN rating     smallint NOT NULL DEFAULT 0,
    ADD COLUMN favorite   boolean NOT NULL DEFAULT false,
    ADD COLUMN folder     text,
    -- Projects come in issue 13, which adds the foreign key.
    ADD COLUMN project_id uuid,
    -- Lineage: the image this one was made from, and how. Children keep
    -- their pixels when the parent goes.
    ADD COLUMN parent_id  uuid REFERENCES images (id) ON DELETE SET NULL,
    ADD COLUMN operation  text NOT NULL DEFAULT 'generate',
    ADD CONSTRAINT images_rating_range CHECK (rating BETWEEN 0 AND 5),
    ADD CONSTRAINT images_tags_max CHECK (cardinality(tags) <= 32),
    ADD CONSTRAINT images_operation_known CHECK (operation IN
        ('generate', 'upload', 'process', 'upscale', 'style-transfer', 'variation'));

-- Search (GET /api/files/gallery?q=): a case-insensitive substring match
-- over prompt, negative prompt, title and tags, in any script. The simple
-- text-search parser does not split Chinese or Japanese, so the index holds
-- each document's distinct character bigrams: every bigram of q must be in
-- the document (the GIN index answers that), then strpos confirms the
-- substring (a q of one character has no bigram and is confirmed alone).
-- Measured against pg_trgm's gin_trgm_ops with LIKE '%q%' on 100,000 rows:
-- figures in the commit that added this file. The functions are IMMUTABLE
-- for the index: concat_ws and array_to_string of text are in fact.
CREATE FUNCTION ig_search_doc(prompt text, negative_prompt text, title text, tags text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lower(concat_ws(' ', prompt, negative_prompt, title, array_to_string(tags, ' '))) $$;

CREATE FUNCTION ig_bigrams(doc text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$$ SELECT coalesce(array_agg(DISTINCT substr(doc, i, 2)), '{}') FROM generate_series(1, length(doc) - 1) AS i $$;

CREATE INDEX images_search_idx ON images
    USING gin (ig_bigrams(ig_search_doc(prompt, negative_prompt, title, tags)));
CREATE INDEX images_tags_idx ON images USING gin (tags);

-- The gallery's two orders, as its keyset cursors walk them.
DROP INDEX images_user_idx;
CREATE INDEX images_user_idx ON images (user_id, created_at DESC, id DESC);
CREATE INDEX images_user_rating_idx ON images (user_id, rating DESC, created_at DESC, id DESC);
-- Children of an image, and the ON DELETE SET NULL of a parent.
CREATE INDEX images_parent_idx ON images (parent_id) WHERE parent_id IS NOT NULL;
