-- Each memory's own vector beside the stored one (retain stores a vector blended with the
-- neighbours' in its call): the near-duplicate check compares own vectors. NULL means the stored
-- vector is the memory's own (rows written before this migration, or without context).
ALTER TABLE vector_contents ADD COLUMN own_vector BLOB;  -- float32, native byte order, as written
