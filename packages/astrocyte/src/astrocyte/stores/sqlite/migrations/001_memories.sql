-- Memories: their vectors (VectorStore) and their text for keyword search (DocumentStore).
--
-- Items are unique per (bank_id, id). Each table also has an integer key, row_id, because other rows
-- point at items by it (tags, the full-text index, the rows of the in-process vector matrix) and
-- SQLite keeps an INTEGER PRIMARY KEY stable, where a bare rowid may change on VACUUM.
-- Every index starts with bank_id: each query reads one bank.

-- The one dimension of every vector in this file, fixed by the first write.
CREATE TABLE vector_dimensions (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    dimensions INTEGER NOT NULL CHECK (dimensions > 0)
);

CREATE TABLE vectors (
    row_id INTEGER PRIMARY KEY,
    bank_id TEXT NOT NULL,
    id TEXT NOT NULL,
    metadata TEXT,                 -- JSON object of scalars
    tags TEXT,                     -- JSON array, exactly as written; vector_tags indexes it
    fact_type TEXT,
    occurred_at INTEGER,           -- microseconds since the Unix epoch, UTC
    memory_layer TEXT,
    retained_at INTEGER NOT NULL,  -- microseconds since the Unix epoch, UTC
    chunk_id TEXT,
    UNIQUE (bank_id, id)
);
-- A bank's rows in row_id order, which is the table's own order: scanning a bank through it reads
-- the table front to back (through UNIQUE (bank_id, id) it would jump about).
CREATE INDEX vectors_by_bank ON vectors (bank_id);
CREATE INDEX vectors_by_occurred_at ON vectors (bank_id, occurred_at);

-- The bulky part of each vector row, kept apart so that filters, which scan a bank's rows, do not
-- read it: only the best hits' text is read, and the components only when a bank is loaded.
CREATE TABLE vector_contents (
    row_id INTEGER PRIMARY KEY REFERENCES vectors (row_id) ON DELETE CASCADE,
    vector BLOB NOT NULL,          -- float32, native byte order, as written (not normalised)
    text TEXT NOT NULL
);

-- Each distinct tag of a vector, for tag filters that read an index instead of every row's JSON.
CREATE TABLE vector_tags (
    row_id INTEGER NOT NULL REFERENCES vectors (row_id) ON DELETE CASCADE,
    bank_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (row_id, tag)
) WITHOUT ROWID;
CREATE INDEX vector_tags_by_tag ON vector_tags (bank_id, tag, row_id);

-- A fresh random version per write of a bank's vectors, committed with the write: a process whose
-- cached matrix of the bank carries another version knows the cache is stale (another process
-- wrote, or the transaction that updated the cache rolled back). No row: the bank holds nothing.
CREATE TABLE vector_banks (
    bank_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE documents (
    row_id INTEGER PRIMARY KEY,
    bank_id TEXT NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT,                 -- JSON object of scalars
    tags TEXT,                     -- JSON array, exactly as written; document_tags indexes it
    UNIQUE (bank_id, id)
);

CREATE TABLE document_tags (
    row_id INTEGER NOT NULL REFERENCES documents (row_id) ON DELETE CASCADE,
    bank_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (row_id, tag)
) WITHOUT ROWID;
CREATE INDEX document_tags_by_tag ON document_tags (bank_id, tag, row_id);

-- The full-text index of documents.text (an external-content FTS5 table: the text is stored once).
-- Words are runs of letters, digits and '_' (as astrocyte.text.words reads them), case-folded and
-- with diacritics removed; no stemming, so a word matches itself only, as in the in-memory store.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    text,
    content = 'documents',
    content_rowid = 'row_id',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
);

-- The triggers keep the index in step with the table, inside the writing transaction.
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, text) VALUES (new.row_id, new.text);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
    INSERT INTO documents_fts (rowid, text) VALUES (new.row_id, new.text);
END;
