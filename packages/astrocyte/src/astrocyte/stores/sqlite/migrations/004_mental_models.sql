-- The mental model store: the newest state of each model (the SPI keeps no history of models).

CREATE TABLE mental_models (
    bank_id           TEXT    NOT NULL,
    model_id          TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    scope             TEXT,
    kind              TEXT    NOT NULL,
    source_ids        TEXT    NOT NULL,   -- JSON array of text, in order
    revision          INTEGER NOT NULL,
    refreshed_at      INTEGER,            -- microseconds since the Unix epoch, UTC
    structured_doc    TEXT,               -- JSON object; NULL when none
    source_timestamps TEXT,               -- JSON object of source id -> microseconds; NULL when none
    PRIMARY KEY (bank_id, model_id)
);
CREATE INDEX mental_models_by_scope ON mental_models (bank_id, scope, model_id);
