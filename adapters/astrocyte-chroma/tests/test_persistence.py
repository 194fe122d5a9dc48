"""What the contract suite cannot see: vectors written by one process are there for the next, and
the store fixes its dimension from what is stored when none is configured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from astrocyte.errors import ValidationError
from astrocyte.types import VectorItem
from astrocyte_chroma import ChromaVectorStore

WRITER = """
import asyncio, sys
from astrocyte_chroma import ChromaVectorStore
from astrocyte.types import VectorItem

async def main() -> None:
    store = ChromaVectorStore(path=sys.argv[1])
    await store.store_vectors([VectorItem(id="m", bank_id="bank", vector=[0.0, 1.0, 0.0], text="kept")])

asyncio.run(main())
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A Chroma folder another process wrote to and exited."""
    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "chroma")], check=True, timeout=120)
    return tmp_path / "chroma"


async def test_vectors_of_one_process_are_read_by_the_next(folder: Path) -> None:
    store = ChromaVectorStore(path=str(folder))
    [hit] = await store.search_similar([0.0, 1.0, 0.0], "bank")
    assert (hit.id, hit.text, hit.score) == ("m", "kept", pytest.approx(1.0))
    assert hit.retained_at is not None  # stamped at the write, since the item carried none
    with pytest.raises(ValidationError, match="expected 3"):
        await store.store_vectors([VectorItem(id="x", bank_id="bank", vector=[1.0, 0.0], text="2-d")])


def test_exactly_one_of_path_and_url() -> None:
    with pytest.raises(ValidationError, match="exactly one of"):
        ChromaVectorStore()
    with pytest.raises(ValidationError, match="exactly one of"):
        ChromaVectorStore(path="x", url="http://127.0.0.1:1")
