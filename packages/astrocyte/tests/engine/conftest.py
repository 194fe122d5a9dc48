"""Engines for the engine tests: the same scenarios on the in-memory stores and on the SQLite file.

``backend`` is parametrised over both. The SQLite cases are always collected: when
``astrocyte.stores.sqlite`` does not import they fail with that reason, rather than vanish as skips.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte

BACKENDS = ("memory", "sqlite")

#: The store kinds the SQLite backend puts on its one file.
SQLITE_KINDS = tuple(kind for kind in ProviderKind if kind.value.endswith("_store"))

MakeEngine = Callable[..., Awaitable[Astrocyte]]


def config_for(backend: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """A configuration of ``backend`` with the hashing embedder; ``overrides`` replace top-level keys
    (naming another provider for a kind drops the backend's settings for that kind)."""
    if backend == "memory":
        config: dict[str, Any] = {"profile": "memory"}
    else:
        _require_sqlite_stores()
        config = {"embedding_provider": "hashing"}
        for kind in SQLITE_KINDS:
            config[kind.value] = "sqlite"
            config[kind.config_key] = {"path": str(tmp_path / "engine.db")}
    for kind in ProviderKind:
        if kind.value in overrides:  # another provider: the settings written for this one do not apply
            config.pop(kind.config_key, None)
    config.update(overrides)
    return config


def _require_sqlite_stores() -> None:
    try:
        importlib.import_module("astrocyte.stores.sqlite.vectors")
    except ImportError as problem:
        raise RuntimeError(
            "the engine tests run on the SQLite stores too, but astrocyte.stores.sqlite.vectors does not "
            f"import ({problem}); the SQLite cases cannot run until it does"
        ) from problem


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    backend_name: str = request.param
    return backend_name


@pytest.fixture
async def make_engine(backend: str, tmp_path: Path) -> AsyncIterator[MakeEngine]:
    """Build engines of the test's backend with configuration overrides; all are closed afterwards."""
    made: list[Astrocyte] = []

    async def make(**overrides: Any) -> Astrocyte:
        engine = Astrocyte.from_config_dict(config_for(backend, tmp_path, **overrides))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.close()


@pytest.fixture
async def engine(make_engine: MakeEngine) -> Astrocyte:
    return await make_engine()
