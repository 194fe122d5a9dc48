-- The wiki store keeps every revision of every page; the newest is flagged is_current, so listing
-- a bank reads one row per page through the partial index. The mental model store keeps the
-- newest state of each model (the SPI keeps no history of models).

CREATE TABLE wiki_revisions (
    bank_id     text COLLATE "C" NOT NULL,
    page_id     text COLLATE "C" NOT NULL,
    revision    integer NOT NULL,
    is_current  boolean NOT NULL,
    kind        text NOT NULL,
    title       text NOT NULL,
    content     text NOT NULL,
    scope       text,
    source_ids  jsonb NOT NULL,
    cross_links jsonb NOT NULL,
    revised_at  timestamptz NOT NULL,
    tags        jsonb,
    metadata    jsonb,
    PRIMARY KEY (bank_id, page_id, revision)
);
CREATE INDEX wiki_current_pages ON wiki_revisions (bank_id, page_id) WHERE is_current;

CREATE TABLE mental_models (
    bank_id           text COLLATE "C" NOT NULL,
    model_id          text COLLATE "C" NOT NULL,
    title             text NOT NULL,
    content           text NOT NULL,
    scope             text,
    kind              text NOT NULL,
    source_ids        jsonb NOT NULL,
    revision          integer NOT NULL,
    refreshed_at      timestamptz,
    structured_doc    jsonb,
    source_timestamps jsonb,              -- object of source id -> microseconds since the epoch
    PRIMARY KEY (bank_id, model_id)
);
