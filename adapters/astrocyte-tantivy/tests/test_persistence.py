"""What the contract suite cannot see: a write is durable when the call returns, for the next process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from astrocyte.types import DocumentFilters
from astrocyte_tantivy import TantivyDocumentStore

WRITER = """
import asyncio, sys
import pytest
from astrocyte_tantivy import TantivyDocumentStore
from astrocyte.types import Document

async def main() -> None:
    store = TantivyDocumentStore(path=sys.argv[1])
    await store.store_document(Document(id="kept", text="amber cobalt", metadata={"a\\x1fb": 1}, tags=["t"]), "bank")
    await store.store_document(Document(id="gone", text="amber violet"), "bank")
    assert await store.delete_documents(["gone"], "bank") == 1

asyncio.run(main())
"""


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """An index folder another process wrote to and exited."""
    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "index")], check=True, timeout=120)
    return tmp_path / "index"


async def test_writes_of_one_process_are_read_by_the_next(index: Path) -> None:
    store = TantivyDocumentStore(path=str(index))
    hits = await store.search_fulltext("amber", "bank")
    assert [hit.document_id for hit in hits] == ["kept"]
    assert hits[0].metadata == {"a\x1fb": 1}
    assert await store.get_document("gone", "bank") is None
    wanted = DocumentFilters(metadata_filters={"a\x1fb": 1.0}, tags=["t"])
    assert [hit.document_id for hit in await store.search_fulltext("cobalt", "bank", filters=wanted)] == ["kept"]
    assert "1 documents" in ((await store.health()).message or "")
