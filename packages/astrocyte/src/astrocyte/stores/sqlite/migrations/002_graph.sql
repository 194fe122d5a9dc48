-- The graph store: entities and the texts they are found by, links between entities, which
-- memories mention which entities, links between memories, and when each entity was last seen.
-- Every table is keyed by bank_id first, so a bank is one range of each primary key and no
-- statement ever reads another bank's rows. Link tables are keyed by the link's key
-- ("a|type|b"), because the SPI upserts links by that key.

CREATE TABLE graph_entities (
    bank_id       TEXT    NOT NULL,
    entity_id     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    entity_type   TEXT    NOT NULL,
    aliases       TEXT,              -- JSON array of text; NULL when the entity has none
    metadata      TEXT,              -- JSON object; NULL when none
    embedding     BLOB,              -- float32 vector; NULL when none
    mention_count INTEGER NOT NULL,
    PRIMARY KEY (bank_id, entity_id)
);

-- The name (position 0) and each alias (1, 2, ...) of an entity: case-folded for the substring
-- match of query_entities, with the size of its trigram set for the similarity of candidates.
CREATE TABLE graph_entity_names (
    bank_id       TEXT    NOT NULL,
    entity_id     TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    folded        TEXT    NOT NULL,
    trigram_count INTEGER NOT NULL,
    PRIMARY KEY (bank_id, entity_id, position)
) WITHOUT ROWID;

-- The inverted index of name trigrams (what a pg_trgm GIN index is in PostgreSQL): the
-- candidates for a name are the names sharing at least one of its trigrams.
CREATE TABLE graph_name_trigrams (
    bank_id   TEXT    NOT NULL,
    trigram   TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (bank_id, trigram, entity_id, position)
) WITHOUT ROWID;
CREATE INDEX graph_name_trigrams_by_entity ON graph_name_trigrams (bank_id, entity_id);

CREATE TABLE graph_entity_links (
    bank_id    TEXT NOT NULL,
    link_key   TEXT NOT NULL,
    entity_a   TEXT NOT NULL,
    entity_b   TEXT NOT NULL,
    link_type  TEXT NOT NULL,
    evidence   TEXT NOT NULL,
    confidence REAL NOT NULL,
    created_at INTEGER,                -- microseconds since the Unix epoch, UTC
    metadata   TEXT,
    PRIMARY KEY (bank_id, link_key)
);
-- A walk follows links in both directions: from entity_a to entity_b and back.
CREATE INDEX graph_entity_links_by_a ON graph_entity_links (bank_id, entity_a, entity_b);
CREATE INDEX graph_entity_links_by_b ON graph_entity_links (bank_id, entity_b, entity_a);

CREATE TABLE graph_mentions (
    bank_id   TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    memory_id TEXT NOT NULL,
    PRIMARY KEY (bank_id, entity_id, memory_id)
) WITHOUT ROWID;
CREATE INDEX graph_mentions_by_memory ON graph_mentions (bank_id, memory_id, entity_id);

CREATE TABLE graph_memory_links (
    bank_id          TEXT NOT NULL,
    link_key         TEXT NOT NULL,
    source_memory_id TEXT NOT NULL,
    target_memory_id TEXT NOT NULL,
    link_type        TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    confidence       REAL NOT NULL,
    weight           REAL NOT NULL,
    created_at       INTEGER,          -- microseconds since the Unix epoch, UTC
    metadata         TEXT,
    PRIMARY KEY (bank_id, link_key)
);
CREATE INDEX graph_memory_links_by_source ON graph_memory_links (bank_id, source_memory_id);
CREATE INDEX graph_memory_links_by_target ON graph_memory_links (bank_id, target_memory_id);

-- When an association or link naming the entity was last recorded (microseconds since the
-- epoch). Kept apart from graph_entities because links and mentions may name entities never stored.
CREATE TABLE graph_entity_seen (
    bank_id   TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (bank_id, entity_id)
) WITHOUT ROWID;
