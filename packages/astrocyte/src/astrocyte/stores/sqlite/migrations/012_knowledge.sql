-- Knowledge adapters, their layers (for lookups by layer id), artifacts and runs. Ids are UUID
-- strings unique across spaces. An adapter's layers, patterns and texts are one JSON document
-- (record); its vectors are float32 blobs (pattern_vectors: one row per activation pattern).

CREATE TABLE knowledge_adapters (
    adapter_id      TEXT    NOT NULL PRIMARY KEY,
    space_id        TEXT    NOT NULL,
    slug            TEXT    NOT NULL,
    record          TEXT    NOT NULL,
    dimensions      INTEGER NOT NULL,
    title_vector    BLOB    NOT NULL,
    text_vector     BLOB    NOT NULL,
    pattern_vectors BLOB    NOT NULL,
    successes       INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (space_id, slug)
) WITHOUT ROWID;

CREATE TABLE knowledge_layers (
    layer_id   TEXT NOT NULL PRIMARY KEY,
    adapter_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX knowledge_layers_by_adapter ON knowledge_layers (adapter_id);

CREATE TABLE knowledge_artifacts (
    artifact_id TEXT    NOT NULL PRIMARY KEY,
    adapter_id  TEXT    NOT NULL,
    space_id    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    slug        TEXT    NOT NULL,
    mime_type   TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    content     BLOB    NOT NULL,
    created_at  INTEGER,                -- microseconds since the Unix epoch, UTC
    UNIQUE (adapter_id, name)
) WITHOUT ROWID;
CREATE INDEX knowledge_artifacts_by_slug ON knowledge_artifacts (space_id, slug);

CREATE TABLE knowledge_runs (
    run_id     TEXT    NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL,        -- microseconds since the Unix epoch, UTC
    record     TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX knowledge_runs_by_expiry ON knowledge_runs (expires_at);

-- One counter that every write to adapters or artifacts increments, so a process can tell whether
-- a search index it built is still current (another process may share the file).
CREATE TABLE knowledge_revision (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO knowledge_revision (id, value) VALUES (1, 0);
