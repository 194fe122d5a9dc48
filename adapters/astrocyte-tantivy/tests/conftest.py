"""The backend the contract suite runs against, started or reached once per session.

Without ASTROCYTE_TANTIVY_URL it starts Tantivy in a temporary folder; with it set, the tests use
that running server instead. The fixture is session-scoped, so the backend starts (or is reached)
once; every contract scenario writes to banks of its own, so they all share it safely.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

#: Where a running backend is, when one is given (CI's service containers set it).
BACKEND_URL = "ASTROCYTE_TANTIVY_URL"


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Constructor settings of the store under test (see the module docstring)."""
    url = os.environ.get(BACKEND_URL)
    if url:
        return {"url": url}
    return {"path": str(tmp_path_factory.mktemp("tantivy"))}
