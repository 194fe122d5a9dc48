"""Administration of a schema: migrating it and switching its bank policies on or off.

These run as the tables' owner (the role that migrated them), through one plain connection.
"""

from __future__ import annotations

from astrocyte.discovery import ProviderKind
from astrocyte.errors import ConfigError, Problem
from astrocyte.stores.graph_logic import GRAPH_TABLES
from astrocyte_postgres.database import PostgresDatabase, Settings, quote_identifier
from astrocyte_postgres.migrations import migrate

#: The tables whose rows belong to one bank: those migration 007 gives the bank_isolation policy.
BANK_TABLES = (
    "vectors",
    "vector_banks",
    "documents",
    "document_banks",
    *GRAPH_TABLES,
    "wiki_revisions",
    "mental_models",
    "source_documents",
    "source_chunks",
    "pageindex_documents",
    "pageindex_sections",
    "pageindex_terms",
)


async def apply_migrations(dsn: str, schema: str, up_to: int | None = None) -> list[int]:
    """Migrate ``schema`` (creating it) to the newest version, or to ``up_to``; returns the versions applied."""
    database = PostgresDatabase(Settings(dsn=dsn, schema=schema))
    connection = await database.connect()
    try:
        return await migrate(connection, schema, up_to=up_to)
    finally:
        await connection.close()


async def set_row_level_security(dsn: str, schema: str, enabled: bool) -> None:
    """Enable (or disable) the bank policies on every bank table of ``schema``, in one transaction.

    Enabled, they bind every role but the tables' owner (and superusers): such a role sees and
    writes only rows whose ``bank_id`` equals the transaction's ``astrocyte.bank_id`` setting.
    """
    await apply_migrations(dsn, schema)
    database = PostgresDatabase(Settings(dsn=dsn, schema=schema))
    connection = await database.connect()
    action = "ENABLE" if enabled else "DISABLE"
    try:
        async with connection.transaction():
            for table in BANK_TABLES:
                await connection.execute(
                    f"ALTER TABLE {quote_identifier(schema)}.{quote_identifier(table)} {action} ROW LEVEL SECURITY"
                )
    finally:
        await connection.close()


def schemas_in_config(path: str) -> list[tuple[str, str]]:
    """The distinct ``(dsn, schema)`` of every store that ``astrocyte.yaml`` at ``path`` puts on postgres."""
    from astrocyte.config import load_config

    config = load_config(path)
    found: dict[tuple[str, str], None] = {}
    for kind in ProviderKind:
        name, settings = config.provider(kind)
        if name == "postgres":
            if "dsn" not in settings:
                raise ConfigError(f"{path} names no dsn", [Problem(kind.config_key, "needs a dsn")])
            found[(str(settings["dsn"]), str(settings.get("schema", "astrocyte")))] = None
    if not found:
        raise ConfigError(f"{path} puts no store on postgres", [Problem("*_store", "none is 'postgres'")])
    return list(found)
