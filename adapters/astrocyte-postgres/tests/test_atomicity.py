"""A retain on PostgreSQL is one transaction across the vector, document and graph stores."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.types import Entity
from astrocyte_postgres.graph import PostgresGraphStore

from .conftest import fresh_schema


class GraphDown(Exception):
    """What the failing graph store raises."""


class FailingGraph(PostgresGraphStore):
    """A graph store whose entity writes fail once the vectors and documents of the batch are written."""

    async def store_entities(self, entities: list[Entity], bank_id: str) -> list[str]:
        await super().store_entities(entities, bank_id)
        raise GraphDown("the graph write failed after writing")


#: An importable name for this module, so the configuration can name the failing class by path
#: (pytest's importlib mode names test modules after their folder, which holds a hyphen).
_MODULE = "astrocyte_postgres_tests_atomicity"
sys.modules[_MODULE] = sys.modules[__name__]


def _config(pg_dsn: str, schema: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"embedding_provider": "hashing"}
    for kind in ("vector_store", "document_store", "graph_store", "bank_store"):
        config[kind] = "postgres"
        config[f"{kind}_config"] = {"dsn": pg_dsn, "schema": schema}
    config.update(overrides)
    return config


async def test_a_store_failing_mid_retain_leaves_nothing_anywhere(pg_dsn: str) -> None:
    schema = fresh_schema("atomic")
    failing = {"graph_store": f"{_MODULE}:FailingGraph"}
    async with Astrocyte.from_config_dict(_config(pg_dsn, schema, **failing)) as engine:
        assert engine._context().writer.transactional
        with pytest.raises(GraphDown):
            await engine.retain_many(["Alice met Bob in Lisbon.", "Carmen flew to Osaka."], "tickets")
    async with Astrocyte.from_config_dict(_config(pg_dsn, schema)) as engine:
        stores = {kind.value: provider for kind, provider in engine.providers.items()}
        assert await stores["vector_store"].count_vectors("tickets") == 0
        assert await stores["document_store"].search_fulltext("Alice Carmen", "tickets") == []
        assert await stores["graph_store"].query_entities("a", "tickets") == []
        assert (await engine.recall("Alice", "tickets")).hits == []
        await engine.retain_many(["Alice met Bob in Lisbon."], "tickets")
        assert await stores["vector_store"].count_vectors("tickets") == 1
