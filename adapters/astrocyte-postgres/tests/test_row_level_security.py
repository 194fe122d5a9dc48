"""Bank isolation enforced by PostgreSQL itself: the row-level policies, for a role that does not own the tables."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from astrocyte.engine import Astrocyte
from astrocyte.types import Document, VectorItem
from astrocyte_postgres.admin import set_row_level_security
from astrocyte_postgres.documents import PostgresDocumentStore
from astrocyte_postgres.vectors import PostgresVectorStore

from .conftest import fresh_schema


def as_role(dsn: str, role: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(netloc=f"{role}:@{parts.netloc.rsplit('@', 1)[-1]}"))


@pytest.fixture
async def app_dsn(pg_dsn: str) -> AsyncIterator[tuple[str, str]]:
    """A login role that owns nothing, granted the tables of a fresh schema whose policies are enabled."""
    schema, role = fresh_schema("rls"), f"app_{uuid.uuid4().hex[:10]}"
    owner = PostgresVectorStore(pg_dsn, schema)
    await owner.store_vectors([VectorItem(id="setup", bank_id="owner-bank", vector=[1.0, 0.0, 0.0], text="fixed")])
    await owner.close()  # the owner fixed the dimension: altering the column is the owner's right only
    await set_row_level_security(pg_dsn, schema, enabled=True)
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        await admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        yield as_role(pg_dsn, role), schema
    finally:
        await admin.execute(f'DROP OWNED BY "{role}"')
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()


async def test_stores_with_row_level_security_see_only_their_bank(app_dsn: tuple[str, str]) -> None:
    dsn, schema = app_dsn
    vectors = PostgresVectorStore(dsn, schema, row_level_security=True)
    documents = PostgresDocumentStore(dsn, schema, row_level_security=True)
    try:
        for bank in ("team-a", "team-b"):
            await vectors.store_vectors(
                [VectorItem(id=f"m-{bank}", bank_id=bank, vector=[1.0, 0.0, 0.0], text=f"note of {bank}")]
            )
            await documents.store_documents([Document(id=f"m-{bank}", text=f"shared word {bank}")], bank)
        assert [hit.id for hit in await vectors.search_similar([1.0, 0.0, 0.0], "team-a", limit=10)] == ["m-team-a"]
        assert [item.id for item in await vectors.list_vectors("team-b")] == ["m-team-b"]
        assert [hit.document_id for hit in await documents.search_fulltext("shared", "team-a")] == ["m-team-a"]
        assert await vectors.count_vectors("team-a") == 1
    finally:
        await vectors.close()
        await documents.close()


async def test_the_database_refuses_rows_of_another_bank(app_dsn: tuple[str, str]) -> None:
    dsn, schema = app_dsn
    store = PostgresVectorStore(dsn, schema, row_level_security=True)
    await store.store_vectors([VectorItem(id="a1", bank_id="team-a", vector=[0.0, 1.0, 0.0], text="of a")])
    await store.close()
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'SET search_path TO "{schema}", public')
        assert await connection.fetchval("SELECT count(*) FROM vectors") == 0  # no bank named: no rows at all
        async with connection.transaction():
            await connection.execute("SELECT set_config('astrocyte.bank_id', 'team-b', true)")
            assert await connection.fetchval("SELECT count(*) FROM vectors") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with connection.transaction():
                    await connection.execute(
                        "INSERT INTO vectors (bank_id, id, embedding, text, retained_at) "
                        "VALUES ('team-a', 'forged', '[1,0,0]', 'x', now())"
                    )
            assert await connection.execute("DELETE FROM vectors WHERE bank_id = 'team-a'") == "DELETE 0"
        async with connection.transaction():
            await connection.execute("SELECT set_config('astrocyte.bank_id', 'team-a', true)")
            assert await connection.fetchval("SELECT count(*) FROM vectors") == 1
    finally:
        await connection.close()


async def test_the_engine_runs_under_row_level_security(app_dsn: tuple[str, str]) -> None:
    dsn, schema = app_dsn
    settings = {"dsn": dsn, "schema": schema, "row_level_security": True}
    config = {
        "embedding_provider": "hashing",
        "embedding_provider_config": {"dimensions": 3},
        **{kind: "postgres" for kind in ("vector_store", "document_store", "graph_store")},
        **{f"{kind}_config": settings for kind in ("vector_store", "document_store", "graph_store")},
    }
    async with Astrocyte.from_config_dict(config) as engine:
        await engine.retain("Alice keeps bees in Oslo", "team-a")
        await engine.retain("Bob keeps goats in Perth", "team-b")
        texts = {hit.text for hit in (await engine.recall("who keeps animals", "team-a", limit=10)).hits}
        assert texts == {"Alice keeps bees in Oslo"}
        forgotten = await engine.forget("team-a", all=True)
        assert forgotten.deleted_count == 1
        assert {hit.text for hit in (await engine.recall("who keeps animals", "team-b", limit=10)).hits} == {
            "Bob keeps goats in Perth"
        }
