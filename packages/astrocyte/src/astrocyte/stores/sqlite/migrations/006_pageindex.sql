-- The page-index store: long documents, their section trees, and an inverted index of the words
-- of each section's title and summary (what keyword search reads: only the postings of the query's
-- words, plus the counts and lengths BM25 needs). A section's summary_embedding is a float32 blob;
-- all of one bank share one dimension (length(summary_embedding) / 4).

CREATE TABLE pageindex_documents (
    bank_id        TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    source_id      TEXT    NOT NULL,
    md_text        TEXT    NOT NULL,
    reference_date INTEGER,             -- microseconds since the Unix epoch, UTC
    built_at       INTEGER,             -- microseconds since the Unix epoch, UTC
    title          TEXT,
    metadata       TEXT,                -- JSON object; NULL when none
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX pageindex_documents_by_source ON pageindex_documents (bank_id, source_id, id);

CREATE TABLE pageindex_sections (
    bank_id           TEXT    NOT NULL,
    document_id       TEXT    NOT NULL,
    line_num          INTEGER NOT NULL,
    node_id           TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    summary           TEXT    NOT NULL,
    summary_embedding BLOB,             -- float32 values; NULL when none
    speaker           TEXT,
    session_date      INTEGER,          -- microseconds since the Unix epoch, UTC
    parent_node       TEXT,
    depth             INTEGER NOT NULL,
    occurred_start    INTEGER,          -- microseconds since the Unix epoch, UTC
    occurred_end      INTEGER,          -- microseconds since the Unix epoch, UTC
    session_id        TEXT,
    word_count        INTEGER NOT NULL, -- words of title + summary: the section's BM25 length
    PRIMARY KEY (bank_id, document_id, line_num)
);
CREATE INDEX pageindex_sections_embedded
    ON pageindex_sections (bank_id, document_id) WHERE summary_embedding IS NOT NULL;

CREATE TABLE pageindex_terms (
    bank_id     TEXT    NOT NULL,
    word        TEXT    NOT NULL,       -- astrocyte.text.words: case-folded Unicode word characters
    document_id TEXT    NOT NULL,
    line_num    INTEGER NOT NULL,
    occurrences INTEGER NOT NULL,
    PRIMARY KEY (bank_id, word, document_id, line_num)
) WITHOUT ROWID;
CREATE INDEX pageindex_terms_by_document ON pageindex_terms (bank_id, document_id);
