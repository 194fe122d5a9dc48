-- New documents are indexed for full-text search by the document store, one INSERT INTO
-- documents_fts per batch after the rows are written, not by a trigger per row: measured on 20k
-- documents in batches of 1,000 (docs/benchmarks.md), the trigger made each insert cost 72-118 µs
-- against 34-38 µs for the rows and one batched index insert. Updates and deletes keep their
-- triggers (001): an upsert that replaces a document's text re-indexes it as before. The index
-- holds exactly the same rows, so nothing is rebuilt.
DROP TRIGGER documents_fts_insert;
