-- When each memory-entity association was last recorded (microseconds since the epoch, UTC), and an
-- index reading an entity's memories newest first: recall looks at the newest memories of a
-- frequent entity instead of every memory naming it. Rows written before this migration have NULL
-- and come last.
ALTER TABLE graph_mentions ADD COLUMN mentioned_at INTEGER;
CREATE INDEX graph_mentions_newest ON graph_mentions (bank_id, entity_id, mentioned_at DESC);
