-- Row-level security policies keyed by the session setting astrocyte.bank_id: with the policies
-- enabled (astrocyte-postgres rls enable), a role that is not the tables' owner sees and writes
-- only the rows of the bank its transaction names. Stores configured with row_level_security
-- set the setting (transaction-local) before every statement. The policies exist from this
-- migration on, but stay inert until enabled, so a deployment opts in without a migration.
DO $$
DECLARE
    bank_table text;
BEGIN
    FOREACH bank_table IN ARRAY ARRAY[
        'vectors', 'vector_banks', 'documents', 'document_banks', 'graph_entities', 'graph_entity_names', 'graph_name_trigrams',
        'graph_entity_links', 'graph_mentions', 'graph_memory_links', 'graph_entity_seen', 'wiki_revisions',
        'mental_models', 'source_documents', 'source_chunks', 'pageindex_documents', 'pageindex_sections',
        'pageindex_terms'
    ] LOOP
        EXECUTE format(
            'CREATE POLICY bank_isolation ON %I USING (bank_id = current_setting(''astrocyte.bank_id'', true)) '
            'WITH CHECK (bank_id = current_setting(''astrocyte.bank_id'', true))',
            bank_table
        );
    END LOOP;
END
$$;
