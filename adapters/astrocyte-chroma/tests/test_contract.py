"""The core's contract suite for the VectorStore SPI, run against the backend of conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from astrocyte_chroma import ChromaVectorStore

from astrocyte.testing.contracts import VectorStoreContract


class TestChromaVectorStore(VectorStoreContract):
    """Every promise of the VectorStore SPI, checked against the real backend."""

    @pytest.fixture
    def store(self, backend: dict[str, Any]) -> ChromaVectorStore:
        return ChromaVectorStore(**backend)
