"""The core's engine scenarios, loaded from its test folder and pointed at PostgreSQL.

The core's engine tests are written once over a ``backend`` ("memory", "sqlite") and build their
configuration with ``config_for(backend, tmp_path, **overrides)`` from their conftest. This module
imports those test modules as a package of its own (so the core's tests neither know nor depend on
this adapter), replaces that ``config_for`` with one that also knows ``"postgres"`` (every store
kind on the session's server, in a schema of its own per ``tmp_path``), and hands back the test
functions, which the adapter's test module then collects under the ``postgres`` backend.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

import astrocyte

PACKAGE = "astrocyte_core_engine_scenarios"
CORE_TESTS = Path(astrocyte.__file__).resolve().parents[2] / "tests" / "engine"


class Server:
    """Where the scenarios' stores live; set by the test module's session fixture."""

    dsn: str = ""
    schemas: set[str] = set()  # noqa: RUF012 - one registry for the session


def schema_for(tmp_path: Path) -> str:
    """One schema per test folder: a test that asks for two folders (an export's copy) gets two databases."""
    schema = "e_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:20]
    Server.schemas.add(schema)
    return schema


async def drop_schemas() -> None:
    """Drop every schema the scenarios' configurations named, with their tables."""
    connection = await asyncpg.connect(Server.dsn)
    try:
        for schema in sorted(Server.schemas):
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()
    Server.schemas.clear()


def _package() -> types.ModuleType:
    package = sys.modules.get(PACKAGE)
    if package is None:
        if not (CORE_TESTS / "conftest.py").is_file():
            raise RuntimeError(f"the core's engine tests are not at {CORE_TESTS}: run from the workspace checkout")
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(CORE_TESTS)]
        sys.modules[PACKAGE] = package
        _teach_postgres(importlib.import_module(f"{PACKAGE}.conftest"))
    return package


def _teach_postgres(conftest: types.ModuleType) -> None:
    core_config_for: Callable[..., dict[str, Any]] = conftest.config_for

    def config_for(backend: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
        if backend != "postgres":
            return core_config_for(backend, tmp_path, **overrides)
        config: dict[str, Any] = {"embedding_provider": "hashing"}
        for kind in conftest.SQLITE_KINDS:
            config[kind.value] = "postgres"
            config[kind.config_key] = {"dsn": Server.dsn, "schema": schema_for(tmp_path)}
        for kind in conftest.ProviderKind:
            if kind.value in overrides:
                config.pop(kind.config_key, None)
        config.update(overrides)
        return config

    conftest.config_for = config_for


def scenarios(*modules: str) -> dict[str, Any]:
    """The test functions of the core's engine test ``modules``, renamed ``test_<module>__<name>``."""
    _package()
    found: dict[str, Any] = {}
    for name in modules:
        module = importlib.import_module(f"{PACKAGE}.{name}")
        short = name.removeprefix("test_")
        for attribute, value in vars(module).items():
            if attribute.startswith("test_") and callable(value):
                found[f"test_{short}__{attribute.removeprefix('test_')}"] = value
    return found


def config_for(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The scenarios' PostgreSQL configuration for ``tmp_path`` (the core conftest's, taught above)."""
    return importlib.import_module(f"{PACKAGE}.conftest").config_for("postgres", tmp_path, **overrides)  # type: ignore[no-any-return]


_package()
