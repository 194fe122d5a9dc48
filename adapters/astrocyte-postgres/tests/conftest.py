"""One PostgreSQL server for the whole test session: ``ASTROCYTE_PG_DSN`` when set, else an embedded one.

Tests share the server and isolate themselves by bank (the contract suites give every scenario
fresh banks) or by schema (:func:`fresh_schema`), never by starting servers or databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from astrocyte_postgres.embedded import running_server


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    given = os.environ.get("ASTROCYTE_PG_DSN")
    if given:
        yield given
        return
    with running_server(disposable=True) as dsn:
        yield dsn


def fresh_schema(prefix: str = "t") -> str:
    """A schema name no other test uses (schemas are created and migrated on first use)."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
