-- The page-index store: long documents, their section trees, and an inverted index of the words of
-- each section's title and summary (what keyword search reads: only the postings of the query's
-- words, plus the counts and lengths BM25 needs).

CREATE TABLE pageindex_documents (
    bank_id        text COLLATE "C" NOT NULL,
    id             text COLLATE "C" NOT NULL,
    source_id      text COLLATE "C" NOT NULL,
    md_text        text NOT NULL,
    reference_date timestamptz,
    built_at       timestamptz,
    title          text,
    metadata       jsonb,
    PRIMARY KEY (bank_id, id)
);
CREATE INDEX pageindex_documents_by_source ON pageindex_documents (bank_id, source_id, id);

CREATE TABLE pageindex_sections (
    bank_id           text COLLATE "C" NOT NULL,
    document_id       text COLLATE "C" NOT NULL,
    line_num          integer NOT NULL,
    node_id           text COLLATE "C" NOT NULL,
    title             text NOT NULL,
    summary           text NOT NULL,
    summary_embedding real[],
    speaker           text,
    session_date      timestamptz,
    parent_node       text COLLATE "C",
    depth             integer NOT NULL,
    occurred_start    timestamptz,
    occurred_end      timestamptz,
    session_id        text,
    word_count        integer NOT NULL,
    PRIMARY KEY (bank_id, document_id, line_num)
);

CREATE TABLE pageindex_terms (
    bank_id     text COLLATE "C" NOT NULL,
    word        text COLLATE "C" NOT NULL,
    document_id text COLLATE "C" NOT NULL,
    line_num    integer NOT NULL,
    occurrences integer NOT NULL,
    PRIMARY KEY (bank_id, word, document_id, line_num)
);
CREATE INDEX pageindex_terms_by_document ON pageindex_terms (bank_id, document_id);
