"""What the Qdrant stores promise beyond the contract suites, on local mode and on Qdrant Edge:
one-query hybrid search, persistence, dimension checks against an existing collection, metadata
equality as JSON has it, and configuration errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from astrocyte.errors import CapabilityNotSupported, ConfigError, ValidationError
from astrocyte.types import Document, VectorFilters, VectorItem
from astrocyte_qdrant import payloads
from astrocyte_qdrant.client_store import MEMORY, QdrantDocumentStore, QdrantVectorStore
from astrocyte_qdrant.edge_store import QdrantEdgeDocumentStore, QdrantEdgeVectorStore
from astrocyte_qdrant.vectors import QdrantVectors

OpenVectors = Callable[..., QdrantVectors]


@pytest.fixture(params=["local", "edge"])
def open_vectors(request: pytest.FixtureRequest, tmp_path: Path) -> OpenVectors:
    """Opens vector stores on one directory of the parametrised backend (several opens share it)."""
    if request.param == "local":
        return lambda **options: QdrantVectorStore(path=str(tmp_path / "local"), **options)
    return lambda **options: QdrantEdgeVectorStore(str(tmp_path / "edge"), **options)


@pytest.fixture
async def hybrid_store(open_vectors: OpenVectors) -> AsyncIterator[QdrantVectors]:
    store = open_vectors(hybrid=True)
    await store.store_vectors(
        [
            VectorItem(id="cat", bank_id="home", vector=[1.0, 0.0, 0.0, 0.0], text="a grey cat sleeps", tags=["pets"]),
            VectorItem(id="saw", bank_id="home", vector=[0.0, 1.0, 0.0, 0.0], text="the saw is in the shed"),
            VectorItem(id="dog", bank_id="home", vector=[0.9, 0.1, 0.0, 0.0], text="a dog barks", tags=["pets"]),
            VectorItem(id="cat", bank_id="away", vector=[0.0, 1.0, 0.0, 0.0], text="the shed of another bank"),
        ]
    )
    yield store
    await store.close()


async def test_hybrid_finds_by_meaning_and_by_word_in_one_query(hybrid_store: QdrantVectors) -> None:
    """The dense leg finds what is near the vector, the keyword leg what shares a word; both fused."""
    hits = await hybrid_store.search_hybrid([1.0, 0.0, 0.0, 0.0], "shed", "home", limit=10)
    # the dense leg ranks cat, dog, saw; only saw has the word: found by both legs, it comes first
    assert [hit.id for hit in hits] == ["saw", "cat", "dog"]
    assert hits[0].score > hits[1].score > hits[2].score > 0
    assert {hit.text for hit in hits} == {"a grey cat sleeps", "the saw is in the shed", "a dog barks"}


async def test_hybrid_keeps_to_the_bank_and_the_filters(hybrid_store: QdrantVectors) -> None:
    filtered = await hybrid_store.search_hybrid(
        [0.0, 1.0, 0.0, 0.0], "shed", "home", limit=10, filters=VectorFilters(tags=["pets"])
    )
    assert {hit.id for hit in filtered} == {"cat", "dog"}
    away = await hybrid_store.search_hybrid([1.0, 0.0, 0.0, 0.0], "shed", "away", limit=10)
    assert [(hit.id, hit.text) for hit in away] == [("cat", "the shed of another bank")]
    assert await hybrid_store.search_hybrid([1.0, 0.0, 0.0, 0.0], "cat", "nobody", limit=10) == []


async def test_hybrid_is_declared_only_when_configured(open_vectors: OpenVectors) -> None:
    plain = open_vectors()
    assert plain.capabilities().hybrid_search is False
    with pytest.raises(CapabilityNotSupported):
        await plain.search_hybrid([1.0, 0.0], "cat", "home")
    await plain.close()


async def test_data_and_dimension_survive_reopening(open_vectors: OpenVectors) -> None:
    """A reopened store finds what was written, knows its dimension, and refuses another one with a typed error."""
    first = open_vectors()
    await first.store_vectors([VectorItem(id="kept", bank_id="home", vector=[0.0, 2.0, 0.0], text="kept")])
    await first.close()
    again = open_vectors()
    assert [hit.id for hit in await again.search_similar([0.0, 1.0, 0.0], "home")] == ["kept"]
    with pytest.raises(ValidationError, match="3"):
        await again.store_vectors([VectorItem(id="wide", bank_id="home", vector=[1.0] * 4, text="wide")])
    await again.close()
    mismatched = open_vectors(dimensions=8)
    with pytest.raises(ConfigError, match="dimensions"):
        await mismatched.search_similar([1.0] * 8, "home")
    with pytest.raises(ConfigError, match="dimensions"):
        await mismatched.store_vectors([VectorItem(id="eight", bank_id="home", vector=[1.0] * 8, text="eight")])
    await mismatched.close()


async def test_metadata_equality_is_json_equality(open_vectors: OpenVectors) -> None:
    """1 equals 1.0, True equals neither, None matches a stored null: flags are stored as keywords,
    since Qdrant Edge cannot match a boolean payload."""
    store = open_vectors()
    await store.store_vectors(
        [
            VectorItem(id=name, bank_id="home", vector=[1.0, 0.0], text=name, metadata={"v": value})
            for name, value in (("int", 1), ("float", 1.0), ("flag", True), ("none", None), ("text", "1"))
        ]
    )

    async def matching(value: object) -> set[str]:
        found = await store.search_similar([1.0, 0.0], "home", 10, VectorFilters(metadata_filters={"v": value}))
        return {hit.id for hit in found}

    assert await matching(1) == {"int", "float"}
    assert await matching(1.0) == {"int", "float"}
    assert await matching(True) == {"flag"}
    assert await matching(False) == set()
    assert await matching(None) == {"none"}
    assert await matching("1") == {"text"}
    await store.close()


def test_point_ids_order_by_id_alone_and_differ_per_bank() -> None:
    ids = ["b", "a", "c", "d"]
    first = sorted(ids, key=lambda item: payloads.point_id("one", item))
    assert first == sorted(ids, key=lambda item: payloads.point_id("two", item))
    assert payloads.point_id("one", "a") != payloads.point_id("two", "a")
    assert payloads.point_id("one", "a") == payloads.point_id("one", "a")


@pytest.mark.parametrize(
    "options", [{}, {"url": "http://localhost:6333", "path": MEMORY}, {"path": MEMORY, "collection": ""}]
)
def test_client_store_needs_one_place(options: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        QdrantVectorStore(**options)


@pytest.mark.parametrize("collection", ["", "../outside", "a/b"])
def test_edge_store_needs_a_plain_collection_name(tmp_path: Path, collection: str) -> None:
    with pytest.raises(ConfigError):
        QdrantEdgeDocumentStore(str(tmp_path), collection=collection)


@pytest.mark.parametrize("make", [lambda path: QdrantDocumentStore(path=MEMORY), QdrantEdgeDocumentStore])
async def test_documents_without_words_are_stored_but_never_found(
    make: Callable[[str], object], tmp_path: Path
) -> None:
    store = make(str(tmp_path))
    await store.store_documents([Document(id="dots", text="..."), Document(id="word", text="amber")], "home")  # type: ignore[attr-defined]
    assert (await store.get_document("dots", "home")).text == "..."  # type: ignore[attr-defined]
    assert [hit.document_id for hit in await store.search_fulltext("amber ...", "home")] == ["word"]  # type: ignore[attr-defined]
    await store.close()  # type: ignore[attr-defined]
