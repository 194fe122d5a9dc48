"""How the contract suites bind to the PostgreSQL stores: one schema per suite class, a store per scenario.

Every scenario writes into fresh banks, so the scenarios of a class share one schema (migrated
once); a new store object per scenario shares the schema's pool with the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from .conftest import fresh_schema


def store_fixture(factory: Callable[[str, str], Any]) -> Any:
    """A ``store`` fixture making ``factory(dsn, schema)`` in the class's schema and closing it afterwards."""

    @pytest.fixture
    async def store(self: object, pg_dsn: str, class_schema: str) -> AsyncIterator[Any]:
        made = factory(pg_dsn, class_schema)
        yield made
        await made.close()

    return store


@pytest.fixture(scope="class")
def class_schema() -> str:
    return fresh_schema("contract")
