"""SqliteGraphStore: the GraphStore contract on a private in-memory database and on one shared file,
plus what only a database can get wrong: reopening, rolling back, query plans, and answering exactly
like the in-memory reference where the SPI leaves the choice to the store."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ProviderUnavailable, ValidationError
from astrocyte.stores.entity_similarity import trigram_similarity, trigrams
from astrocyte.stores.memory.graph import MemoryGraphStore
from astrocyte.stores.sqlite.database import SqliteDatabase, packaged_migrations
from astrocyte.stores.sqlite.graph import SqliteGraphStore
from astrocyte.stores.sqlite.mental_models import SqliteMentalModelStore
from astrocyte.stores.sqlite.wiki import SqliteWikiStore
from astrocyte.testing.contracts._support import PROPERTY_SETTINGS
from astrocyte.testing.contracts.graph_store import GraphStoreContract, associate, store_chain
from astrocyte.types import (
    Entity,
    EntityCandidateMatch,
    EntityLink,
    GraphStoreCapabilities,
    MemoryEntityAssociation,
    MemoryLink,
    MentalModel,
    WikiPage,
)

from ._sqlite_support import Aborted, abort_after, shared_file_store

BANK = "sqlite-graph-tests"


class TestSqliteGraphStoreInMemory(GraphStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[SqliteGraphStore]:
        store = SqliteGraphStore(":memory:")
        yield store
        await store.close()


shared_store = shared_file_store(SqliteGraphStore)


class TestSqliteGraphStoreSharedFile(GraphStoreContract):
    @pytest.fixture
    def store(self, shared_store: SqliteGraphStore) -> SqliteGraphStore:
        return shared_store


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "graph.db")


@pytest.fixture
async def store() -> AsyncIterator[SqliteGraphStore]:
    store = SqliteGraphStore(":memory:")
    yield store
    await store.close()


async def store_small_graph(store: Any, bank: str) -> None:
    """The chain A - B - C with its memories, an embedded alias-bearing entity, and a memory link."""
    await store_chain(store, bank, ("A", "B", "C"))
    await store.store_entities(
        [Entity(id="ada", name="Ada Lovelace", aliases=["Ada King"], embedding=[0.5, 1.0])], bank
    )
    await associate(store, bank, [("m-A", "ada")])
    await store.store_memory_links([MemoryLink("m-A", "m-B", "follows", weight=2.0)], bank)


# ---------------------------------------------------------------------------------- the database


def test_declares_entity_embeddings_and_transactions(store: SqliteGraphStore) -> None:
    assert store.capabilities() == GraphStoreCapabilities(
        entity_embeddings=True, transactional=True, ranked_neighbors=True
    )
    assert store.transaction_key() == store.database.key


async def test_the_graph_survives_reopening_the_file(path: str) -> None:
    first = SqliteGraphStore(path)
    await store_small_graph(first, BANK)
    await first.close()

    reopened = SqliteGraphStore(path)
    try:
        assert [(hit.memory_id, hit.depth) for hit in await reopened.query_neighbors(["A"], BANK)] == [
            ("m-A", 0),
            ("m-B", 1),
            ("m-C", 2),
        ]
        [ada] = await reopened.query_entities("ada king", BANK)
        assert (ada.name, ada.aliases, ada.embedding) == ("Ada Lovelace", ["Ada King"], [0.5, 1.0])
        [candidate] = await reopened.find_entity_candidates_scored("Ada Lovelace", BANK, trigram_threshold=1.0)
        assert candidate.last_seen is not None
        assert candidate.co_occurring_names == ["Entity A"]
        assert [link.weight for link in await reopened.find_memory_links(["m-B"], BANK)] == [2.0]
    finally:
        await reopened.close()


async def test_mentions_written_before_migration_15_are_keyed_by_memory_row(path: str) -> None:
    """A file whose mentions were keyed by memory id (schema 14, one mention of before migration 8
    without a time) upgrades: the same answers, one row per memory of each bank, and new mentions of
    an old memory join its row."""
    previous = SqliteDatabase(path, migrations=[m for m in packaged_migrations() if m.version < 15])
    previous.connection.executemany(
        "INSERT INTO graph_mentions (bank_id, entity_id, memory_id, mentioned_at) VALUES (?, ?, ?, ?)",
        [
            (BANK, "a", "m1", 30),
            (BANK, "b", "m1", 30),
            (BANK, "a", "m2", 20),
            (BANK, "a", "m3", None),
            (BANK, "b", "m4", 10),
            ("other", "a", "m1", 40),
        ],
    )
    previous.close()

    store = SqliteGraphStore(path)
    try:
        assert store.database.schema_version() == packaged_migrations()[-1].version
        with store.database.reading() as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = connection.execute("SELECT bank_id, id FROM graph_memories ORDER BY bank_id, id").fetchall()
        assert [tuple(row) for row in rows] == [("other", "m1"), *[(BANK, f"m{n}") for n in range(1, 5)]]
        ranked = await store.rank_neighbors(["a"], BANK, max_depth=0, limit=8)
        assert [(hit.memory_id, hit.connected_entities) for hit in ranked] == [
            ("m1", ["a"]),  # newest first among equals: m1 (30), m2 (20), m3 (never dated) come in id order
            ("m2", ["a"]),
            ("m3", ["a"]),
        ]
        assert [hit.memory_id for hit in await store.query_neighbors(["b"], BANK)] == ["m1", "m4"]
        await store.store_entities([Entity(id=key, name=key, entity_type="name") for key in "ab"], BANK)
        [candidate] = await store.find_entity_candidates_scored("a", BANK, trigram_threshold=1.0)
        assert candidate.co_occurring_names == ["b"]
        await store.link_memories_to_entities([MemoryEntityAssociation("m4", "a")], BANK)  # m4's row again
        ranked = await store.rank_neighbors(["a"], BANK, max_depth=0, limit=8)
        assert [(hit.memory_id, hit.connected_entities) for hit in ranked][-1] == ("m4", ["a"])
        with store.database.reading() as connection:
            (rows_of_m4,) = connection.execute(
                "SELECT COUNT(DISTINCT memory_row) FROM graph_mentions WHERE memory_id = 'm4'"
            ).fetchone()
        assert rows_of_m4 == 1
        assert await store.delete_memories(["m1", "m9"], BANK) == 1
        assert [hit.memory_id for hit in await store.query_neighbors(["a"], "other")] == ["m1"]
        assert await store.delete_bank("other") == 0  # no entity stored there, but its mentions go
        with store.database.reading() as connection:
            left = connection.execute("SELECT bank_id, id FROM graph_memories ORDER BY id").fetchall()
        assert [tuple(row) for row in left] == [(BANK, "m2"), (BANK, "m3"), (BANK, "m4")]
    finally:
        await store.close()


async def test_upserting_unchanged_entities_and_links_rewrites_no_row(store: SqliteGraphStore) -> None:
    """A retain names known entities and links again; rows already holding what is written stay as they
    are (no page rewritten), and a changed value still replaces the old one."""
    entities = [Entity(id="a", name="Ann", entity_type="person"), Entity(id="b", name="Bo", entity_type="person")]
    links = [EntityLink(entity_a="a", entity_b="b", link_type="knows", confidence=0.5)]
    await store.store_entities(entities, BANK)
    await store.store_links(links, BANK)
    connection = store.database.connection
    before = connection.total_changes
    await store.store_entities(entities, BANK)
    assert connection.total_changes == before
    await store.store_links(links, BANK)
    assert connection.total_changes == before + 2  # when a and b were last seen, nothing else
    await store.store_entities([Entity(id="a", name="Ann", entity_type="person", aliases=["Annie"])], BANK)
    await store.store_links([EntityLink(entity_a="a", entity_b="b", link_type="knows", confidence=0.75)], BANK)
    [ann] = await store.query_entities("annie", BANK)
    assert ann.aliases == ["Annie"]
    with store.database.reading() as reading:
        (confidence,) = reading.execute(
            "SELECT confidence FROM graph_entity_links WHERE bank_id = ? AND entity_a = 'a'", (BANK,)
        ).fetchone()
    assert confidence == 0.75


async def test_writes_inside_an_outer_write_roll_back_with_it(store: SqliteGraphStore) -> None:
    seen_inside: list[int] = []

    async def write_then_fail() -> None:
        with store.database.write():
            await store_small_graph(store, BANK)
            seen_inside.append(len(await store.query_neighbors(["A"], BANK)))
            raise Aborted

    with pytest.raises(Aborted):
        await write_then_fail()
    assert seen_inside == [3]
    assert await store.query_neighbors(["A", "ada"], BANK) == []
    assert await store.query_entities("a", BANK) == []
    assert await store.find_entity_candidates("Ada Lovelace", BANK, threshold=0.0) == []
    assert await store.find_memory_links(["m-A"], BANK) == []
    assert await store.delete_bank(BANK) == 0


async def test_graph_wiki_and_models_of_one_file_commit_or_roll_back_together(path: str) -> None:
    graph, wiki, models = SqliteGraphStore(path), SqliteWikiStore(path), SqliteMentalModelStore(path)
    try:
        assert graph.transaction_key() == wiki.transaction_key() == models.transaction_key()

        async def write_all() -> None:
            await graph.store_entities([Entity(id="e", name="Eve")], BANK)
            await wiki.upsert_page(
                WikiPage(page_id="eve", bank_id=BANK, kind="entity", title="Eve", content="Eve."), BANK
            )
            await models.upsert(MentalModel(model_id="eve", bank_id=BANK, title="Eve", content="Likes tea."), BANK)

        with pytest.raises(Aborted):
            await abort_after(graph.transaction, write_all)
        assert (await graph.query_entities("Eve", BANK), await wiki.list_pages(BANK), await models.list(BANK)) == (
            [],
            [],
            [],
        )

        async with models.transaction():
            await write_all()
        assert [entity.id for entity in await graph.query_entities("Eve", BANK)] == ["e"]
        assert [page.page_id for page in await wiki.list_pages(BANK)] == ["eve"]
        assert [model.model_id for model in await models.list(BANK)] == ["eve"]
    finally:
        for store in (graph, wiki, models):
            await store.close()


async def test_close_is_idempotent_and_final(path: str) -> None:
    store = SqliteGraphStore(path)
    assert (await store.health()).healthy
    await store.close()
    await store.close()
    status = await store.health()
    assert status.healthy is False
    assert status.message is not None
    assert "closed" in status.message
    with pytest.raises(ProviderUnavailable):
        await store.query_entities("anything", BANK)


async def test_health_names_the_file_and_its_schema(path: str) -> None:
    store = SqliteGraphStore(path)
    try:
        status = await store.health()
        assert status.message is not None
        assert path in status.message
        assert f"schema version {store.database.schema_version()}" in status.message
    finally:
        await store.close()


# ---------------------------------------------------------------------------------- query plans

#: Names a plan may scan: lists passed as JSON (json_each, aliased "wanted") and the statements' own CTEs.
_SCANNABLE = {"json_each", "wanted", "walk", "reached", "doomed", "shared", "similar", "scored", "chosen"}


def _plans_of(store: SqliteGraphStore, statements: list[str]) -> dict[str, list[str]]:
    connection = store.database.connection
    return {
        sql: [row["detail"] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
        for sql in dict.fromkeys(statements)
        if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK"))
    }


async def test_item_statements_read_through_indexes_never_a_whole_bank(store: SqliteGraphStore) -> None:
    """Every statement of a write, walk, link lookup or delete of memories finds its rows by index."""
    statements: list[str] = []
    store.database.connection.set_trace_callback(statements.append)
    await store_small_graph(store, BANK)
    await store.query_neighbors(["A"], BANK, max_depth=3)
    await store.find_memory_links(["m-A"], BANK, link_types=["follows"])
    await store.delete_memories(["m-A"], BANK)
    store.database.connection.set_trace_callback(None)

    plans = _plans_of(store, statements)
    assert any("graph_entity_links_by_b" in line for lines in plans.values() for line in lines)
    for sql, lines in plans.items():
        for line in lines:
            scanned = re.match(r"SCAN (\S+)", line)
            assert scanned is None or scanned[1] in _SCANNABLE, f"{line!r} in {sql}"
            assert not line.endswith("(bank_id=?)"), f"{line!r} reads a whole bank in {sql}"


async def test_candidates_are_found_through_the_trigram_index(store: SqliteGraphStore) -> None:
    statements: list[str] = []
    await store_small_graph(store, BANK)
    store.database.connection.set_trace_callback(statements.append)
    await store.find_entity_candidates_scored("Ada Lovelace", BANK)
    store.database.connection.set_trace_callback(None)
    lines = [line for plan in _plans_of(store, statements).values() for line in plan]
    assert "SEARCH gram USING PRIMARY KEY (bank_id=? AND trigram=?)" in lines


# ---------------------------------------------------------------------------------- like the reference

_NAMES = ["Ann Arbor", "Anna", "ann", "Joanne", "Bob", "Bobby Tables", "Zoë Ōkubo", "o'Neil", "?!", "ANN ARBOR"]
_IDS = st.sampled_from(["a", "b", "c", "d", "é", "a|b"])
_MEMORIES = st.sampled_from(["m1", "m2", "m3", "m|4"])

_graphs = st.fixed_dictionaries(
    {
        "entities": st.lists(
            st.builds(
                Entity,
                id=_IDS,
                name=st.sampled_from(_NAMES),
                aliases=st.one_of(st.none(), st.lists(st.sampled_from(_NAMES), max_size=2)),
                metadata=st.one_of(st.none(), st.just({"k": 1.5, "flag": True, "none": None})),
                embedding=st.sampled_from([None, [1.0, 0.0], [0.5, 0.5], [0.0, -1.0], [1.0, 0.0, 0.0]]),
                mention_count=st.integers(1, 4),
            ),
            max_size=8,
        ),
        "links": st.lists(st.tuples(_IDS, _IDS), max_size=8),
        "mentions": st.lists(st.tuples(_MEMORIES, _IDS), max_size=10),
        "memory_links": st.lists(st.tuples(_MEMORIES, st.sampled_from(["follows", "cites"]), _MEMORIES), max_size=6),
        "query": st.sampled_from([*_NAMES, "an", " ", "Bobby"]),
        "seeds": st.lists(_IDS, min_size=1, max_size=2),
        "max_depth": st.integers(0, 3),
        "limit": st.integers(1, 6),
    }
)


async def _answers(store: Any, bank: str, graph: dict[str, Any]) -> list[Any]:
    """Everything the store says about ``graph``, in a form comparable across stores."""
    await store.store_entities(graph["entities"], bank)
    await store.store_links([EntityLink(a, b, "knows") for a, b in graph["links"]], bank)
    await store.link_memories_to_entities([MemoryEntityAssociation(m, e) for m, e in graph["mentions"]], bank)
    await store.store_memory_links([MemoryLink(s, t, kind) for s, kind, t in graph["memory_links"]], bank)
    query, limit = graph["query"], graph["limit"]
    scored = await store.find_entity_candidates_scored(query, bank, name_embedding=[1.0, 0.0], trigram_threshold=0.2)
    return [
        await store.query_entities(query, bank, limit=limit),
        await store.find_entity_candidates(query, bank, threshold=0.0, limit=limit),
        await store.find_entity_candidates(query, bank, threshold=0.5),
        [_comparable(match) for match in scored],
        await store.query_neighbors(graph["seeds"], bank, max_depth=graph["max_depth"], limit=limit),
        await store.find_memory_links(graph["seeds"] + ["m1", "m|4"], bank, limit=limit),
        await store.find_memory_links(["m1", "m2"], bank, link_types=["cites"]),
    ]


def _comparable(match: EntityCandidateMatch) -> tuple[Any, ...]:
    """A scored candidate without its clock reading, which differs between two stores by nature."""
    similarity = None if match.embedding_similarity is None else round(match.embedding_similarity, 6)
    seen = match.last_seen is not None
    return (match.entity, match.name_similarity, similarity, match.co_occurring_names, match.mention_count, seen)


@PROPERTY_SETTINGS
@given(graph=_graphs)
async def test_answers_exactly_like_the_memory_store(store: SqliteGraphStore, graph: dict[str, Any]) -> None:
    """Orders, ties, similarities and copies match the reference on random small graphs."""
    bank = f"diff-{uuid.uuid4().hex[:12]}"
    assert await _answers(store, bank, graph) == await _answers(MemoryGraphStore(), bank, graph)


@PROPERTY_SETTINGS
@given(
    names=st.lists(
        st.lists(st.text(alphabet="aAbB éÉ-'.xyz", min_size=1, max_size=12), min_size=1, max_size=3), max_size=6
    ),
    query=st.text(alphabet="aAbB éÉ-'.xyz", max_size=12),
)
async def test_name_similarity_is_the_reference_jaccard_index(
    store: SqliteGraphStore, names: list[list[str]], query: str
) -> None:
    """The similarity computed in SQL equals trigram_similarity of the best name, to the last bit."""
    bank = f"jaccard-{uuid.uuid4().hex[:12]}"
    texts = [[text if text.strip() else "x" for text in entity_names] for entity_names in names]
    entities = [Entity(id=f"e{index}", name=first, aliases=rest) for index, (first, *rest) in enumerate(texts)]
    await store.store_entities(entities, bank)
    matches = await store.find_entity_candidates_scored(query, bank, trigram_threshold=0.0, limit=100)
    expected = {
        entity.id: max(
            trigram_similarity(trigrams(query), trigrams(text)) for text in [entity.name, *(entity.aliases or [])]
        )
        for entity in entities
    }
    assert {match.entity.id: match.name_similarity for match in matches} == expected
    assert [match.entity.id for match in matches] == sorted(
        expected, key=lambda entity_id: (-expected[entity_id], entity_id)
    )


_BAD_CALLS: list[tuple[str, Callable[[Any], Awaitable[Any]]]] = [
    ("bare-seeds", lambda store: store.query_neighbors("A", BANK)),
    ("bare-link-types", lambda store: store.find_memory_links(["m"], BANK, link_types="follows")),
    ("wrong-item", lambda store: store.store_entities([Entity(id="a", name="Ann"), "Bob"], BANK)),
    ("wrong-association", lambda store: store.link_memories_to_entities([("m", "e")], BANK)),
    ("query-not-text", lambda store: store.query_entities(None, BANK)),
    ("name-not-text", lambda store: store.find_entity_candidates(3, BANK)),
    ("threshold-too-high", lambda store: store.find_entity_candidates("Ann", BANK, threshold=1.5)),
    ("threshold-bool", lambda store: store.find_entity_candidates_scored("Ann", BANK, trigram_threshold=True)),
    ("embedding-nan", lambda store: store.find_entity_candidates_scored("Ann", BANK, name_embedding=[float("nan")])),
    ("empty-memory-id", lambda store: store.delete_memories(["ok", ""], BANK)),
    ("bad-bank", lambda store: store.delete_bank("no spaces")),
]


@pytest.mark.parametrize("call", [call for _, call in _BAD_CALLS], ids=[name for name, _ in _BAD_CALLS])
async def test_refuses_bad_calls_like_the_memory_store(
    store: SqliteGraphStore, call: Callable[[Any], Awaitable[Any]]
) -> None:
    """A bad argument raises ValidationError naming the same field as the reference, and writes nothing."""
    with pytest.raises(ValidationError) as reference:
        await call(MemoryGraphStore())
    with pytest.raises(ValidationError) as ours:
        await call(store)
    assert ours.value.field == reference.value.field
    assert await store.query_entities("a", BANK) == []
