-- Knowledge adapters, their layers (for lookups by layer id), artifacts and runs, as the SQLite
-- store keeps them (astrocyte.knowledge.codec): an adapter's layers, patterns and texts are one
-- JSON document (record), its vectors float32 blobs (pattern_vectors: one row per activation
-- pattern), searched in the process, not here. Ids are UUID strings unique across spaces; the
-- tables are scoped by space, not bank, so the bank policies of migration 007 do not apply.

CREATE TABLE knowledge_adapters (
    adapter_id      text COLLATE "C" PRIMARY KEY,
    space_id        text COLLATE "C" NOT NULL,
    slug            text COLLATE "C" NOT NULL,
    record          jsonb NOT NULL,
    dimensions      integer NOT NULL,
    title_vector    bytea NOT NULL,
    text_vector     bytea NOT NULL,
    pattern_vectors bytea NOT NULL,
    successes       bigint NOT NULL DEFAULT 0,
    failures        bigint NOT NULL DEFAULT 0,
    UNIQUE (space_id, slug)
);

CREATE TABLE knowledge_layers (
    layer_id   text COLLATE "C" PRIMARY KEY,
    adapter_id text COLLATE "C" NOT NULL
);
CREATE INDEX knowledge_layers_by_adapter ON knowledge_layers (adapter_id);

CREATE TABLE knowledge_artifacts (
    artifact_id text COLLATE "C" PRIMARY KEY,
    adapter_id  text COLLATE "C" NOT NULL,
    space_id    text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    slug        text COLLATE "C" NOT NULL,
    mime_type   text NOT NULL,
    sha256      text NOT NULL,
    content     bytea NOT NULL,
    created_at  timestamptz,
    UNIQUE (adapter_id, name)
);
CREATE INDEX knowledge_artifacts_by_slug ON knowledge_artifacts (space_id, slug);

CREATE TABLE knowledge_runs (
    run_id     text COLLATE "C" PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    record     jsonb NOT NULL
);
CREATE INDEX knowledge_runs_by_expiry ON knowledge_runs (expires_at);

-- One counter that every write to adapters or artifacts increments in its own transaction, so a
-- process can tell whether a search index it built is still current. Writers bump it first: its
-- row lock also makes them take turns, so a slug or name checked free stays free until commit.
CREATE TABLE knowledge_revision (
    id    integer PRIMARY KEY CHECK (id = 1),
    value bigint NOT NULL
);
INSERT INTO knowledge_revision (id, value) VALUES (1, 0);
