"""The core's contract suite for the VectorStore SPI, run against both backends of conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from astrocyte.testing.contracts import VectorStoreContract
from astrocyte_chroma import ChromaVectorStore


class TestChromaVectorStore(VectorStoreContract):
    """Every promise of the VectorStore SPI, checked against embedded Chroma (PersistentClient)."""

    @pytest.fixture
    def store(self, backend: dict[str, Any]) -> ChromaVectorStore:
        return ChromaVectorStore(**backend)


class TestChromaServerVectorStore(VectorStoreContract):
    """The same promises through the HTTP client, against a real Chroma server."""

    @pytest.fixture
    def store(self, server: dict[str, Any]) -> ChromaVectorStore:
        return ChromaVectorStore(**server)
