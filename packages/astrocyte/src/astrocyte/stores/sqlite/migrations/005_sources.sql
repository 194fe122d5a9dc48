-- The source store: provenance documents and their chunks. delete_document only stamps deleted_at
-- (the rows stay for audit); every read and every deduplication looks at live rows only
-- (deleted_at IS NULL), through partial indexes. Storing an id again revives its row: the upsert
-- clears deleted_at. delete_bank removes the bank's rows for good.

CREATE TABLE source_documents (
    bank_id      TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    title        TEXT,
    source_uri   TEXT,
    content_hash TEXT,
    content_type TEXT    NOT NULL,
    metadata     TEXT,                  -- JSON object; NULL when none
    created_at   INTEGER NOT NULL,      -- microseconds since the Unix epoch, UTC
    deleted_at   INTEGER,               -- NULL while live
    PRIMARY KEY (bank_id, id)
);
-- At most one live document per hash and bank: what deduplication relies on.
CREATE UNIQUE INDEX source_documents_live_hash
    ON source_documents (bank_id, content_hash) WHERE deleted_at IS NULL AND content_hash IS NOT NULL;
CREATE INDEX source_documents_live_newest
    ON source_documents (bank_id, created_at DESC, id) WHERE deleted_at IS NULL;

CREATE TABLE source_chunks (
    bank_id      TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    document_id  TEXT    NOT NULL,
    chunk_index  INTEGER NOT NULL,
    text         TEXT    NOT NULL,
    content_hash TEXT,
    metadata     TEXT,                  -- JSON object; NULL when none
    created_at   INTEGER NOT NULL,      -- microseconds since the Unix epoch, UTC
    deleted_at   INTEGER,               -- NULL while live
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX source_chunks_live_by_document
    ON source_chunks (bank_id, document_id, chunk_index, id) WHERE deleted_at IS NULL;
CREATE INDEX source_chunks_live_by_hash
    ON source_chunks (bank_id, content_hash, id) WHERE deleted_at IS NULL AND content_hash IS NOT NULL;
