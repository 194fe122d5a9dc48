-- Each memory's own vector beside the stored one (retain stores a vector blended with its
-- neighbours' in the call): threshold queries, the engine's near-duplicate check, compare own
-- vectors. NULL means the stored vector is the memory's own (rows written before this migration,
-- or without context). The column takes the schema's dimension, as embedding does, and gets an
-- HNSW index like embedding's (same operator class and build parameters) on
-- COALESCE(own_embedding, embedding), the expression threshold queries order by.
ALTER TABLE vectors ADD COLUMN own_embedding vector;
-- Two vectors make a row of 384 dimensions about 3 kB, past the 2 kB at which PostgreSQL would move
-- a value out of line (the first vector, embedding, which every search reads): keep rows inline up
-- to the most a page holds (measured at 10k rows: the same write speed, no TOAST reads).
ALTER TABLE vectors SET (toast_tuple_target = 8160);

DO $$
DECLARE
    fixed integer;
    definition text;
BEGIN
    SELECT dimensions INTO fixed FROM vector_settings;
    IF fixed IS NOT NULL THEN
        EXECUTE format('ALTER TABLE vectors ALTER COLUMN own_embedding TYPE vector(%s)', fixed);
    END IF;
    SELECT indexdef INTO definition FROM pg_indexes
    WHERE schemaname = current_schema() AND indexname = 'vectors_hnsw';
    IF definition IS NOT NULL THEN
        EXECUTE replace(
            replace(definition, 'INDEX vectors_hnsw ', 'INDEX vectors_own_hnsw '),
            '(embedding', '((COALESCE(own_embedding, embedding))'
        );
    END IF;
END
$$;
