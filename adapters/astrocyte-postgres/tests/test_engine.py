"""The engine end to end on PostgreSQL: the core's own scenarios, with every store on the session's server.

Retain, recall, reflect, forget, banks, dedup, entities, chunking, export and import run exactly as
the core runs them on memory and SQLite (see :mod:`._engine_scenarios`). The core's atomicity
scenarios inject failures into its own store classes; their PostgreSQL counterpart is
``test_atomicity.py`` here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from astrocyte.engine import Astrocyte

from ._engine_scenarios import Server, config_for, drop_schemas, scenarios

globals().update(
    scenarios(
        "test_retain",
        "test_recall",
        "test_reflect",
        "test_forget",
        "test_transfer",
        "test_banks",
        "test_dedup",
        "test_entities",
        "test_chunking",
        "test_fusion",
        "test_bad_input",
        "test_facade",
    )
)
# Its subject is the embedded default (SQLite and MiniLM, no configuration), which is not this backend.
del globals()["test_facade__zero_config_runs_on_sqlite_and_minilm"]


@pytest.fixture(scope="module", autouse=True)
def _server(pg_dsn: str) -> None:
    Server.dsn = pg_dsn


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
async def make_engine(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Astrocyte]]]:
    """Engines on the test's own schema; closed, and their schemas dropped, afterwards."""
    made: list[Astrocyte] = []

    async def make(**overrides: Any) -> Astrocyte:
        engine = Astrocyte.from_config_dict(config_for(tmp_path, **overrides))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.close()
    await drop_schemas()


@pytest.fixture
async def engine(make_engine: Callable[..., Awaitable[Astrocyte]]) -> Astrocyte:
    return await make_engine()


async def test_the_scenarios_run_on_postgres(engine: Astrocyte) -> None:
    """Every store the scenarios use is this adapter's, and they share one transaction."""
    from astrocyte.discovery import ProviderKind

    stores = {kind: provider for kind, provider in engine.providers.items() if kind.value.endswith("_store")}
    assert len(stores) == len([kind for kind in ProviderKind if kind.value.endswith("_store")])
    assert all(type(store).__module__.startswith("astrocyte_postgres.") for store in stores.values())
    assert len({store.transaction_key() for store in stores.values()}) == 1
    assert stores[ProviderKind.VECTOR_STORE].capabilities().transactional
