"""Connections, configuration and errors: what a deployment sees before any memory is stored."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.errors import ProviderUnavailable, ValidationError
from astrocyte.types import Document, VectorItem
from astrocyte_postgres.documents import PostgresDocumentStore
from astrocyte_postgres.migrations import packaged
from astrocyte_postgres.vectors import PostgresVectorStore

from .conftest import fresh_schema

SECRET = "s3cret-Pa55"


def with_password(dsn: str, password: str) -> str:
    """``dsn`` logging in with ``password`` (the embedded server trusts local logins, so any password works)."""
    parts = urlsplit(dsn)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


async def test_a_server_that_is_down_is_provider_unavailable_naming_the_host_not_the_password() -> None:
    store = PostgresVectorStore(f"postgresql://astro:{SECRET}@127.0.0.1:1/memories", connect_timeout=5)
    try:
        with pytest.raises(ProviderUnavailable) as raised:
            await store.search_similar([1.0, 0.0], "bank")
        assert raised.value.backend == "postgres:127.0.0.1:1/memories/astrocyte"
        assert "127.0.0.1:1" in str(raised.value)
        assert SECRET not in str(raised.value)
        status = await store.health()
        assert not status.healthy
        assert status.latency_ms is not None
        assert SECRET not in (status.message or "")
    finally:
        await store.close()


async def test_a_missing_socket_folder_is_provider_unavailable(tmp_path: Path) -> None:
    store = PostgresDocumentStore(f"postgresql://astro:{SECRET}@/memories?host={tmp_path}/nowhere")
    try:
        with pytest.raises(ProviderUnavailable) as raised:
            await store.get_document("d", "bank")
        assert f"{tmp_path}/nowhere" in str(raised.value)
        assert SECRET not in str(raised.value)
    finally:
        await store.close()


async def test_health_reports_the_schema_version_and_latency(pg_dsn: str) -> None:
    store = PostgresVectorStore(pg_dsn, fresh_schema("health"))
    try:
        status = await store.health()
        assert status.healthy
        assert status.latency_ms is not None
        assert status.latency_ms > 0
        assert f"schema version {packaged()[-1].version}" in (status.message or "")
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"dsn": ""}, "dsn"),
        ({"schema": "has space"}, "schema"),
        ({"schema": "x" * 64}, "schema"),
        ({"pool_min_size": 0}, "pool_min_size"),
        ({"pool_min_size": 5, "pool_max_size": 2}, "pool_min_size"),
        ({"command_timeout": -1}, "command_timeout"),
        ({"dimensions": 0}, "dimensions"),
        ({"hnsw_m": 0}, "hnsw_m"),
        ({"hnsw_threshold_ef_search": 0}, "hnsw_threshold_ef_search"),
        ({"hnsw_threshold_ef_search": 1001}, "hnsw_threshold_ef_search"),
        ({"hnsw_threshold_ef_search": True}, "hnsw_threshold_ef_search"),
        ({"hnsw_ef_search": 0}, "hnsw_ef_search"),
        ({"hnsw_ef_search": 1001}, "hnsw_ef_search"),
        ({"hnsw_ef_search": "64"}, "hnsw_ef_search"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(pg_dsn: str, settings: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"dsn": pg_dsn, **settings}
    with pytest.raises(ValidationError) as raised:
        PostgresVectorStore(**arguments)  # type: ignore[arg-type]
    assert raised.value.field == field


async def test_a_configured_dimension_must_match_the_schema(pg_dsn: str) -> None:
    schema = fresh_schema("dims")
    first = PostgresVectorStore(pg_dsn, schema)
    await first.store_vectors([VectorItem(id="x", bank_id="b", vector=[1.0, 0.0, 0.0], text="three")])
    other = PostgresVectorStore(pg_dsn, schema, dimensions=4)
    try:
        with pytest.raises(ValidationError) as raised:
            await other.search_similar([1.0, 0.0, 0.0, 0.0], "b")
        assert raised.value.field == "dimensions"
        assert await first.dimensions() == 3
    finally:
        await other.close()
        await first.close()


async def test_yaml_config_with_a_password_variable_runs_the_engine(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dsn: ...${PG_PASSWORD}...`` in astrocyte.yaml: the core config substitutes it; entry points find each store."""
    monkeypatch.setenv("PG_PASSWORD", SECRET)
    dsn = with_password(pg_dsn, "${PG_PASSWORD}")
    schema = fresh_schema("yaml")
    kinds = [kind for kind in ProviderKind if kind.value.endswith("_store")]
    lines = ["embedding_provider: hashing"]
    for kind in kinds:
        lines += [f"{kind.value}: postgres", f"{kind.config_key}:", f"  dsn: '{dsn}'", f"  schema: {schema}"]
    path = tmp_path / "astrocyte.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    async with Astrocyte.from_config(path) as engine:
        stores = engine.providers
        assert {type(stores[kind]).__module__.split(".")[0] for kind in kinds} == {"astrocyte_postgres"}
        assert stores[ProviderKind.VECTOR_STORE]._database.settings.dsn == with_password(pg_dsn, SECRET)
        await engine.retain("Alice moved to Lisbon in 2024", "alice")
        (hit,) = (await engine.recall("Where did Alice move?", "alice", limit=1)).hits
        assert "Lisbon" in hit.text
        report = await engine.health()
        assert report.healthy
        assert SECRET not in str(report)


README_TEXT = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


async def test_the_readme_configuration_loads_every_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's astrocyte.yaml is valid as written: every key is a setting the stores accept."""
    snippet = README_TEXT.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("PG_PASSWORD", SECRET)
    path = tmp_path / "astrocyte.yaml"
    path.write_text(snippet.replace("embedding_provider: minilm", "embedding_provider: hashing"), encoding="utf-8")
    async with Astrocyte.from_config(path) as engine:  # stores connect lazily: no server is needed to build them
        stores = {kind: store for kind, store in engine.providers.items() if kind.value.endswith("_store")}
        assert len(stores) == len([kind for kind in ProviderKind if kind.value.endswith("_store")])
        assert all(type(store).__module__.startswith("astrocyte_postgres.") for store in stores.values())
        settings = stores[ProviderKind.VECTOR_STORE]._database.settings
        assert (settings.schema, settings.hnsw_ef_search) == ("acme", 64)
        assert SECRET in settings.dsn
        assert len({store.transaction_key() for store in stores.values()}) == 1  # one pool, one transaction


async def test_a_read_under_a_setting_sees_it_and_leaves_nothing_behind(pg_dsn: str) -> None:
    """``reading_with`` (threshold queries raise ``hnsw.ef_search`` with it): the setting holds for
    the read only, on a pooled connection and inside an open transaction, whose writes it keeps."""
    store = PostgresVectorStore(pg_dsn, fresh_schema("setting"), hnsw_ef_search=40)
    database = store.database
    current = "SELECT current_setting('hnsw.ef_search')"
    try:
        async with database.reading_with("b", "SET LOCAL hnsw.ef_search = 321") as connection:
            assert await connection.fetchval(current) == "321"
        async with database.reading("b") as connection:
            assert await connection.fetchval(current) == "40"
        async with database.transaction():
            await store.store_vectors([VectorItem(id="kept", bank_id="b", vector=[1.0, 0.0], text="t")])
            async with database.reading_with("b", "SET LOCAL hnsw.ef_search = 321") as connection:
                assert await connection.fetchval(current) == "321"
            assert await store.search_similar_threshold([[1.0, 0.0]], "b", 0.9) == ["kept"]
            async with database.reading("b") as connection:
                assert await connection.fetchval(current) == "40"
        assert [item.id for item in await store.list_vectors("b")] == ["kept"]
    finally:
        await store.close()


async def test_a_failed_call_inside_a_transaction_is_undone_alone(pg_dsn: str) -> None:
    """Every store call in an open transaction has a savepoint: a call the server refuses is rolled
    back to its own savepoint, and the calls before and after it commit with the transaction."""
    schema = fresh_schema("savepoints")
    store = PostgresVectorStore(pg_dsn, schema)
    refusing = PostgresDocumentStore(pg_dsn, schema, text_search_config="no_such_configuration")
    assert refusing.database is store.database  # one pool, so one transaction
    try:
        async with store.database.transaction():
            await store.store_vectors([VectorItem(id="before", bank_id="b", vector=[1.0, 0.0], text="t")])
            with pytest.raises(asyncpg.UndefinedObjectError):
                await refusing.store_documents([Document(id="refused", text="words")], "b")
            await store.store_vectors([VectorItem(id="after", bank_id="b", vector=[0.0, 1.0], text="t")])
            with pytest.raises(ValidationError):  # refused before any SQL: nothing to undo but its savepoint
                await store.store_vectors([VectorItem(id="wide", bank_id="b", vector=[1.0, 0.0, 0.0], text="t")])
            await store.store_vectors([VectorItem(id="last", bank_id="b", vector=[1.0, 1.0], text="t")])
        assert sorted(item.id for item in await store.list_vectors("b")) == ["after", "before", "last"]
        async with store.database.reading("b") as connection:
            assert await connection.fetchval("SELECT count(*) FROM documents") == 0
    finally:
        await store.close()
        await refusing.close()
