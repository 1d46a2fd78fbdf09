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
-- text-search parser does not split Chinese or Japanese, so each row keeps
-- its lowered text (search_doc) and that text's distinct character bigrams
-- (search_bigrams, GIN-indexed): every bigram of q must be in the row (the
-- index answers that), then strpos confirms the substring (a q of one
-- character has no bigram and is confirmed alone). Both are stored, not
-- index expressions: computing bigrams for each row a query rechecks cost
-- ~0.1 ms a row. Chosen over pg_trgm by measurement (100,000 rows, 1,000
-- the caller's; figures in the commit that added this): in a database of C
-- ctype (the stack's) pg_trgm makes no trigram of a CJK character
-- (show_trgm('山上的夕陽') is {}), and LIKE '%夕陽%' has no trigram in any
-- locale (two characters), so its index cannot narrow a CJK q.
-- The functions are IMMUTABLE for the generated columns: concat_ws and
-- array_to_string of text are in fact.
CREATE FUNCTION ig_search_doc(prompt text, negative_prompt text, title text, tags text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lower(concat_ws(' ', prompt, negative_prompt, title, array_to_string(tags, ' '))) $$;

CREATE FUNCTION ig_bigrams(doc text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$$ SELECT coalesce(array_agg(DISTINCT substr(doc, i, 2)), '{}') FROM generate_series(1, length(doc) - 1) AS i $$;

ALTER TABLE images
    ADD COLUMN search_doc text NOT NULL
        GENERATED ALWAYS AS (ig_search_doc(prompt, negative_prompt, title, tags)) STORED,
    ADD COLUMN search_bigrams text[] NOT NULL
        GENERATED ALWAYS AS (ig_bigrams(ig_search_doc(prompt, negative_prompt, title, tags))) STORED;

-- One GIN index over the owner, the tags and the bigrams (btree_gin, a
-- trusted contrib extension, lets a GIN index hold the uuid): a gallery
-- page with a tag and a q intersects the three posting lists in the index
-- and reads only the matching rows. Separate indexes on tags and bigrams
-- read every row of a common tag or bigram (20,000 of 100,000 for one tag)
-- and then the caller's rows, one heap page each: 10-50 ms against 0.6 ms.
-- The index also serves tags or bigrams alone (any subset of its columns).
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX images_gallery_gin_idx ON images USING gin (user_id, tags, search_bigrams);

-- The gallery's two orders, as its keyset cursors walk them.
DROP INDEX images_user_idx;
CREATE INDEX images_user_idx ON images (user_id, created_at DESC, id DESC);
CREATE INDEX images_user_rating_idx ON images (user_id, rating DESC, created_at DESC, id DESC);
-- Children of an image, and the ON DELETE SET NULL of a parent.
CREATE INDEX images_parent_idx ON images (parent_id) WHERE parent_id IS NOT NULL;
