-- Memories: their vectors (VectorStore) and their text for keyword search (DocumentStore).
-- Every key starts with bank_id, so each query reads one bank's range. Text keys compare with the
-- "C" collation (code-point order for UTF-8), so ids that differ only by case are different and
-- list_vectors pages in the order Python's sorted() gives, whatever the database's locale.

-- The one dimension of every vector of this schema, fixed by configuration or by the first write;
-- the column vectors.embedding is then altered to vector(N) so that an HNSW index can cover it.
CREATE TABLE vector_settings (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    dimensions integer NOT NULL CHECK (dimensions > 0)
);

CREATE TABLE vectors (
    bank_id      text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    embedding    vector NOT NULL,          -- as written (not normalised): exports re-import bit for bit
    text         text NOT NULL,
    metadata     jsonb,                    -- object of scalars; filters use @> (containment)
    tags         text[],                   -- exactly as written; filters use && (any) and @> (all)
    fact_type    text,
    occurred_at  timestamptz,
    memory_layer text,
    retained_at  timestamptz NOT NULL,
    chunk_id     text,
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX vectors_by_occurred_at ON vectors (bank_id, occurred_at);

-- How many vectors each bank holds, kept in the writing transaction: count_vectors reads it, and a
-- search reads it to choose exact search (small banks) or the HNSW index (large ones).
CREATE TABLE vector_banks (
    bank_id text COLLATE "C" PRIMARY KEY,
    size    bigint NOT NULL CHECK (size >= 0)
);

CREATE TABLE documents (
    bank_id  text COLLATE "C" NOT NULL,
    id       text COLLATE "C" NOT NULL,
    text     text NOT NULL,
    metadata jsonb,
    tags     text[],
    search   tsvector NOT NULL,            -- to_tsvector(<the store's text search config>, text)
    length   integer NOT NULL,             -- word positions in search: the document's BM25 length
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX documents_search ON documents USING gin (search);

-- Each bank's document count and total length, kept in the writing transaction: the N and the
-- average length of BM25, without counting the bank at every search.
CREATE TABLE document_banks (
    bank_id      text COLLATE "C" PRIMARY KEY,
    documents    bigint NOT NULL CHECK (documents >= 0),
    total_length bigint NOT NULL CHECK (total_length >= 0)
);
