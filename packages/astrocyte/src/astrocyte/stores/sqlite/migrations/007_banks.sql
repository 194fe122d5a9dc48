-- The bank catalogue: one row per bank. bank_id compares with the BINARY collation, so ids that
-- differ only by case are different banks, as everywhere else.

CREATE TABLE banks (
    bank_id     TEXT    NOT NULL PRIMARY KEY,
    description TEXT,
    created_at  INTEGER NOT NULL,       -- microseconds since the Unix epoch, UTC
    metadata    TEXT                    -- JSON object; NULL when none
) WITHOUT ROWID;
