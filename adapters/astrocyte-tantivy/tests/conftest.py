"""The backend the contract suite runs against: a Tantivy index on disk, made once per session.

Tantivy is a library, not a server, so there is nothing to reach and nothing to skip: the index
lives in a temporary folder. Every contract scenario writes to banks of its own, so they all share
the one index safely (and exercise it as it grows and merges segments).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Constructor settings of the store under test: an index folder shared by the session."""
    return {"path": str(tmp_path_factory.mktemp("tantivy"))}
