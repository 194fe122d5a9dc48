-- The source store: provenance documents and their chunks. delete_document only stamps deleted_at
-- (the rows stay for audit); every read and every deduplication looks at live rows only, through
-- partial indexes. delete_bank removes the bank's rows for good.

CREATE TABLE source_documents (
    bank_id      text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    title        text,
    source_uri   text,
    content_hash text COLLATE "C",
    content_type text NOT NULL,
    metadata     jsonb,
    created_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    PRIMARY KEY (bank_id, id)
);
CREATE UNIQUE INDEX source_documents_live_hash
    ON source_documents (bank_id, content_hash) WHERE deleted_at IS NULL AND content_hash IS NOT NULL;
CREATE INDEX source_documents_live_newest ON source_documents (bank_id, created_at DESC, id) WHERE deleted_at IS NULL;

CREATE TABLE source_chunks (
    bank_id      text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    document_id  text COLLATE "C" NOT NULL,
    chunk_index  integer NOT NULL,
    text         text NOT NULL,
    content_hash text COLLATE "C",
    metadata     jsonb,
    created_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX source_chunks_live_by_document
    ON source_chunks (bank_id, document_id, chunk_index, id) WHERE deleted_at IS NULL;
CREATE INDEX source_chunks_live_by_hash
    ON source_chunks (bank_id, content_hash, id) WHERE deleted_at IS NULL AND content_hash IS NOT NULL;
