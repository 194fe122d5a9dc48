"""The core's contract suite for the DocumentStore SPI, run against the backend of conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from astrocyte.testing.contracts import DocumentStoreContract
from astrocyte_tantivy import TantivyDocumentStore


class TestTantivyDocumentStore(DocumentStoreContract):
    """Every promise of the DocumentStore SPI, checked against the real backend."""

    @pytest.fixture
    def store(self, backend: dict[str, Any]) -> TantivyDocumentStore:
        return TantivyDocumentStore(**backend)
