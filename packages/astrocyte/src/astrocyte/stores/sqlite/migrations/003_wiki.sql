-- The wiki store: every revision of every page, one row each. The newest revision of a page is
-- marked is_current, so listing a bank reads one row per page (through the partial indexes)
-- instead of every revision, and the next revision number is the page's MAX(revision) + 1.

CREATE TABLE wiki_revisions (
    bank_id     TEXT    NOT NULL,
    page_id     TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    is_current  INTEGER NOT NULL,       -- 1 for the newest revision of the page, else 0
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    scope       TEXT,
    source_ids  TEXT    NOT NULL,       -- JSON array of text
    cross_links TEXT    NOT NULL,       -- JSON array of text
    revised_at  INTEGER NOT NULL,       -- microseconds since the Unix epoch, UTC
    tags        TEXT,                   -- JSON array of text; NULL when none
    metadata    TEXT,                   -- JSON object; NULL when none
    PRIMARY KEY (bank_id, page_id, revision)
);
CREATE INDEX wiki_current_pages ON wiki_revisions (bank_id, page_id) WHERE is_current = 1;
CREATE INDEX wiki_current_pages_by_scope ON wiki_revisions (bank_id, scope, page_id) WHERE is_current = 1;
