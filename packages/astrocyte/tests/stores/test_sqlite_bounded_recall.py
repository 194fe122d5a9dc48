"""The bounded recall reads of the SQLite stores rank as the exact ones where it matters.

Keyword search splits a query by how many rows hold each word (``_keyword_plan``); on a bank large
enough for the split to happen, its hits must be those of the plain ``OR`` query, in the same
order. The graph store's ``rank_neighbors`` prefers memories naming several seeds, and rare
entities over frequent ones, and looks at a bounded number of a frequent entity's memories.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from astrocyte.stores.sqlite import _keyword_plan as keyword_plan
from astrocyte.stores.sqlite.documents import _RANKED_ROWS, SqliteDocumentStore
from astrocyte.stores.sqlite.graph import SqliteGraphStore
from astrocyte.types import Document, Entity, EntityLink, MemoryEntityAssociation

BANK = "bounded"


def _text(index: int) -> str:
    words = ["shared"]  # in every document: a stop word for the plan
    if index % 3 == 0:
        words.append("often")  # in a third: frequent once the bank outgrows the plan's budget
    if index % 97 == 0:
        words.append("rare")
    if index % 89 == 0:
        words.append("scarce")
    words += [f"filler{index % 13}", f"pad{index % 7}"] * (1 + index % 3)  # lengths differ, so BM25 does
    return " ".join(words)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDocumentStore]:
    store = SqliteDocumentStore(str(tmp_path_factory.mktemp("bounded") / "astrocyte.db"))
    asyncio.run(store.store_documents([Document(id=f"d{index}", text=_text(index)) for index in range(7000)], BANK))
    yield store
    asyncio.run(store.close())


@pytest.mark.parametrize("query", ["rare often shared", "scarce rare", "often shared", "rare scarce often", "shared"])
async def test_bounded_keyword_search_ranks_as_the_plain_query(
    documents: SqliteDocumentStore, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded = await documents.search_fulltext(query, BANK, limit=20)
    monkeypatch.setattr(keyword_plan, "ESSENTIAL_ROWS", 10**9)  # everything ranked by one plain OR query
    plain = await documents.search_fulltext(query, BANK, limit=20)
    assert [hit.document_id for hit in bounded] == [hit.document_id for hit in plain]
    assert [hit.score for hit in bounded] == pytest.approx([hit.score for hit in plain], abs=1e-4)


async def test_rank_neighbors_prefers_several_seeds_and_rare_entities(tmp_path: Path) -> None:
    graph = SqliteGraphStore(str(tmp_path / "astrocyte.db"))
    try:
        await graph.store_entities(
            [Entity(id=key, name=key, entity_type="name") for key in ("common", "rare", "other")], BANK
        )
        associations = [MemoryEntityAssociation(memory_id=f"c{index}", entity_id="common") for index in range(300)]
        associations += [
            MemoryEntityAssociation(memory_id="rare-only", entity_id="rare"),
            MemoryEntityAssociation(memory_id="both", entity_id="rare"),
            MemoryEntityAssociation(memory_id="both", entity_id="common"),
            MemoryEntityAssociation(memory_id="unrelated", entity_id="other"),
        ]
        await graph.link_memories_to_entities(associations, BANK)
        hits = await graph.rank_neighbors(["common", "rare"], BANK, max_depth=0, limit=5)
        assert [hit.memory_id for hit in hits[:2]] == ["both", "rare-only"]
        assert hits[0].connected_entities == ["common", "rare"]
        assert len(hits) == 5
        assert "unrelated" not in {hit.memory_id for hit in hits}
        assert await graph.rank_neighbors(["nobody"], BANK) == []
    finally:
        await graph.close()


def test_keyword_hits_are_read_by_primary_key_not_through_the_bank(documents: SqliteDocumentStore) -> None:
    """Reading the ranked rows must not walk the bank's index: that reads every row of the bank."""
    with documents.database.reading() as connection:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {_RANKED_ROWS}", (BANK, "[1, 2]")).fetchall()
    steps = " / ".join(row["detail"] for row in plan)
    assert "USING INTEGER PRIMARY KEY" in steps, steps
    assert "sqlite_autoindex_documents" not in steps, steps


@pytest.mark.parametrize(
    ("expression", "left_out"), [('"rare" OR "scarce"', '"often"'), ('"often"', '"rare" OR "scarce"')]
)
def test_rows_outside_a_known_set_rank_as_the_not_statement(
    documents: SqliteDocumentStore, expression: str, left_out: str
) -> None:
    """Ranking ``E`` without the rows ``E AND F`` found gives ``E NOT F``'s rows with the same floats."""
    statement = (
        "SELECT rowid AS row_id, bm25(documents_fts) AS bm25 FROM documents_fts "
        f"WHERE documents_fts MATCH ? ORDER BY {keyword_plan.RANKED} LIMIT ?"
    )
    with documents.database.reading() as connection:

        def run(match: str, order: str, count: int) -> keyword_plan.Rows:
            assert order == keyword_plan.RANKED
            return connection.execute(statement, (match, count)).fetchall()

        held = {row["row_id"] for row in run(f"({expression}) AND ({left_out})", keyword_plan.RANKED, 10**6)}
        expected = [tuple(row) for row in run(f"({expression}) NOT ({left_out})", keyword_plan.RANKED, 30)]
        outside = [tuple(row) for row in keyword_plan._outside(expression, held, 30, run)]
    assert held
    assert len(expected) == 30
    assert outside == expected  # exactly: the same rows, the same bm25 floats


async def test_rank_neighbors_scores_are_the_summed_weights_of_reached_entities(tmp_path: Path) -> None:
    """One statement reads the pool and scores it: each memory the summed ``1 / ((1 + depth) *
    log2(1 + memories))`` of the reached entities it mentions (one reached through a link counts at
    depth 1; one never reached, not at all), best first; of an entity reached through a link only the
    newest ``limit // 4`` memories join the pool (ties: by id), one more is counted in its weight."""
    graph = SqliteGraphStore(str(tmp_path / "astrocyte.db"))
    try:
        await graph.store_entities([Entity(id=key, name=key, entity_type="name") for key in "abz"], BANK)
        await graph.store_entity_link(EntityLink(entity_a="b", entity_b="a", link_type="knows"), BANK)
        mentions = {"m1": "ab", "m2": "a", "m3": "bz", "m4": "z", "m5": "b"}
        await graph.link_memories_to_entities(
            [
                MemoryEntityAssociation(memory_id=memory, entity_id=entity)
                for memory, named in mentions.items()
                for entity in named
            ],
            BANK,
        )
        a, b = 1 / math.log2(1 + 2), 1 / (2 * math.log2(1 + 3))  # a: 2 memories at depth 0; b: 3 at depth 1
        hits = await graph.rank_neighbors(["a"], BANK, max_depth=1, limit=8)
        assert [(hit.memory_id, hit.score, hit.depth, hit.connected_entities) for hit in hits] == [
            ("m1", a + b, 0, ["a", "b"]),
            ("m2", a, 0, ["a"]),
            ("m3", b, 1, ["b"]),
        ]  # m5: b's third memory, beyond the 8 // 4 = 2 looked at; m4 names only z, never reached
    finally:
        await graph.close()
