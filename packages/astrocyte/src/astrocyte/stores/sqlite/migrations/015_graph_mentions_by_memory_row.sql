-- Graph mentions keyed by an integer row per memory, so that a retain appends them.
--
-- graph_mentions was keyed by (bank_id, entity_id, memory_id) with an index by (bank_id, memory_id,
-- entity_id): memory ids are content hashes, so each new memory's mentions landed on random pages of
-- both, and at 100k memories a commit of 1,000 memories rewrote some 3,500 pages of them (14 MB of
-- the 26 MB it appended to the write-ahead log; docs/benchmarks.md, session 7). Now each memory the
-- graph knows gets a row in graph_memories (one random insert into its unique index: ~800 pages per
-- such commit) and its mentions are keyed by that row, which grows with every new memory, so they go
-- to the end of the table. The index reading an entity's newest memories keeps its order (newest
-- first, then memory id) and now also holds the memory's row, so recall reads both from it and
-- then the memories' other mentions by row, without a lookup by id.

CREATE TABLE graph_memories (
    row_id    INTEGER PRIMARY KEY,
    bank_id   TEXT NOT NULL,
    id        TEXT NOT NULL,     -- the memory id
    UNIQUE (bank_id, id)
);

INSERT INTO graph_memories (bank_id, id)
SELECT bank_id, memory_id FROM graph_mentions GROUP BY bank_id, memory_id ORDER BY MIN(mentioned_at), bank_id, memory_id;

CREATE TABLE graph_mentions_by_row (
    memory_row   INTEGER NOT NULL,   -- graph_memories.row_id
    entity_id    TEXT    NOT NULL,
    bank_id      TEXT    NOT NULL,
    memory_id    TEXT    NOT NULL,   -- graph_memories.id of memory_row, kept for the index below
    mentioned_at INTEGER,            -- microseconds since the Unix epoch, UTC; NULL: before migration 008
    PRIMARY KEY (memory_row, entity_id)
) WITHOUT ROWID;

INSERT INTO graph_mentions_by_row (memory_row, entity_id, bank_id, memory_id, mentioned_at)
SELECT memory.row_id, mention.entity_id, mention.bank_id, mention.memory_id, mention.mentioned_at
FROM graph_mentions AS mention   -- CROSS JOIN: each mention looks its memory up, never a scan per memory
CROSS JOIN graph_memories AS memory ON memory.bank_id = mention.bank_id AND memory.id = mention.memory_id
ORDER BY memory.row_id, mention.entity_id;

DROP TABLE graph_mentions;
ALTER TABLE graph_mentions_by_row RENAME TO graph_mentions;
-- An entity's memories newest first, ties by memory id: what the graph leg of recall reads.
CREATE INDEX graph_mentions_newest ON graph_mentions (bank_id, entity_id, mentioned_at DESC, memory_id);
