-- The graph store: entities and the texts they are found by, links between entities, which
-- memories mention which entities, links between memories, and when each entity was last seen.
-- Link tables are keyed by the link's key ("a|type|b"), because the SPI upserts links by that key.
-- Name similarity is the trigram Jaccard index of astrocyte.stores.entity_similarity, whose
-- trigrams are written here by the store (an inverted index), so every backend scores alike.

CREATE TABLE graph_entities (
    bank_id       text COLLATE "C" NOT NULL,
    entity_id     text COLLATE "C" NOT NULL,
    name          text NOT NULL,
    entity_type   text NOT NULL,
    aliases       jsonb,
    metadata      jsonb,
    embedding     real[],
    mention_count integer NOT NULL,
    PRIMARY KEY (bank_id, entity_id)
);

CREATE TABLE graph_entity_names (
    bank_id       text COLLATE "C" NOT NULL,
    entity_id     text COLLATE "C" NOT NULL,
    position      integer NOT NULL,        -- 0: the name; 1, 2, ...: the aliases
    folded        text COLLATE "C" NOT NULL,
    trigram_count integer NOT NULL,
    PRIMARY KEY (bank_id, entity_id, position)
);

CREATE TABLE graph_name_trigrams (
    bank_id   text COLLATE "C" NOT NULL,
    trigram   text COLLATE "C" NOT NULL,
    entity_id text COLLATE "C" NOT NULL,
    position  integer NOT NULL,
    PRIMARY KEY (bank_id, trigram, entity_id, position)
);
CREATE INDEX graph_name_trigrams_by_entity ON graph_name_trigrams (bank_id, entity_id);

CREATE TABLE graph_entity_links (
    bank_id    text COLLATE "C" NOT NULL,
    link_key   text COLLATE "C" NOT NULL,
    entity_a   text COLLATE "C" NOT NULL,
    entity_b   text COLLATE "C" NOT NULL,
    link_type  text NOT NULL,
    evidence   text NOT NULL,
    confidence double precision NOT NULL,
    created_at timestamptz,
    metadata   jsonb,
    PRIMARY KEY (bank_id, link_key)
);
CREATE INDEX graph_entity_links_by_a ON graph_entity_links (bank_id, entity_a, entity_b);
CREATE INDEX graph_entity_links_by_b ON graph_entity_links (bank_id, entity_b, entity_a);

CREATE TABLE graph_mentions (
    bank_id   text COLLATE "C" NOT NULL,
    entity_id text COLLATE "C" NOT NULL,
    memory_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (bank_id, entity_id, memory_id)
);
CREATE INDEX graph_mentions_by_memory ON graph_mentions (bank_id, memory_id, entity_id);

CREATE TABLE graph_memory_links (
    bank_id          text COLLATE "C" NOT NULL,
    link_key         text COLLATE "C" NOT NULL,
    source_memory_id text COLLATE "C" NOT NULL,
    target_memory_id text COLLATE "C" NOT NULL,
    link_type        text COLLATE "C" NOT NULL,
    evidence         text NOT NULL,
    confidence       double precision NOT NULL,
    weight           double precision NOT NULL,
    created_at       timestamptz,
    metadata         jsonb,
    PRIMARY KEY (bank_id, link_key)
);
CREATE INDEX graph_memory_links_by_source ON graph_memory_links (bank_id, source_memory_id);
CREATE INDEX graph_memory_links_by_target ON graph_memory_links (bank_id, target_memory_id);

CREATE TABLE graph_entity_seen (
    bank_id   text COLLATE "C" NOT NULL,
    entity_id text COLLATE "C" NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (bank_id, entity_id)
);
