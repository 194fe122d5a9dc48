"""Contract suite for :class:`astrocyte.spi.PageIndexStore`: documents as section trees, searched per section.

Every scenario works in banks made for it, so the suite runs against a long-lived backend. Search
scenarios compare sections only against each other (which ranks above which), never against an
exact score: the SPI leaves the keyword formula and the blend weights to the store. Embeddings use
values exact in float32 and timestamps whole seconds, so every backend can round-trip them exactly.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import PageIndexStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
    basis_vector,
)
from astrocyte.types import PageIndexDocument, PageIndexSection, PageIndexSectionHit

_WHEN = datetime(2024, 3, 9, 18, 30, 0, tzinfo=UTC)
_DIMENSIONS = 4


def _document(bank_id: str, document_id: str = "doc", **fields: Any) -> PageIndexDocument:
    fields.setdefault("source_id", f"source-of-{document_id}")
    fields.setdefault("md_text", f"# {document_id}\n")
    return PageIndexDocument(id=document_id, bank_id=bank_id, **fields)


def _section(
    line_num: int,
    node_id: str,
    title: str,
    *,
    document_id: str = "doc",
    parent: PageIndexSection | None = None,
    **fields: Any,
) -> PageIndexSection:
    return PageIndexSection(
        document_id=document_id,
        line_num=line_num,
        node_id=node_id,
        title=title,
        parent_node=None if parent is None else parent.node_id,
        depth=0 if parent is None else parent.depth + 1,
        **fields,
    )


def _tree(document_id: str = "doc", topic: str = "orchard") -> list[PageIndexSection]:
    """A small valid tree: a root, two children and a grandchild, about ``topic``."""
    root = _section(0, "root", f"{topic} handbook", document_id=document_id, summary=f"everything about the {topic}")
    planting = _section(10, "planting", "Planting", document_id=document_id, parent=root, summary=f"{topic} planting")
    pruning = _section(20, "pruning", "Pruning", document_id=document_id, parent=root, summary="pruning in winter")
    tools = _section(25, "tools", "Tools", document_id=document_id, parent=pruning, summary="shears for pruning")
    return [root, planting, pruning, tools]


def _mentions(word: str, hits: list[PageIndexSectionHit]) -> bool:
    """Whether any hit has ``word`` in its title or summary (how the suite tells trees of two banks apart)."""
    return any(word in f"{hit.title} {hit.summary}" for hit in hits)


def _broken_trees(document_id: str) -> dict[str, list[PageIndexSection]]:
    """Trees that break exactly one rule each (the document itself is saved)."""
    root, planting, pruning, tools = _tree(document_id)
    return {
        "unknown_parent": [root, dataclasses.replace(planting, parent_node="nowhere")],
        "cycle": [
            root,
            dataclasses.replace(planting, parent_node="pruning", depth=1),
            dataclasses.replace(pruning, parent_node="planting", depth=1),
        ],
        "own_parent": [root, dataclasses.replace(planting, parent_node="planting")],
        "duplicate_line_num": [root, planting, dataclasses.replace(pruning, line_num=planting.line_num)],
        "duplicate_node_id": [root, planting, dataclasses.replace(pruning, node_id="planting")],
        "wrong_document_id": [root, dataclasses.replace(planting, document_id=f"{document_id}-other")],
        "bad_depth": [root, planting, pruning, dataclasses.replace(tools, depth=1)],
    }


@st.composite
def _valid_trees(draw: st.DrawFn) -> list[PageIndexSection]:
    """Random forests: each section's parent is an earlier section or none, given in a shuffled order."""
    count = draw(st.integers(min_value=1, max_value=10))
    node_ids = draw(
        st.lists(
            st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=6),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    line_nums = draw(st.lists(st.integers(0, 10_000), min_size=count, max_size=count, unique=True))
    sections: list[PageIndexSection] = []
    for position in range(count):
        parent_position = draw(st.none() | st.integers(0, position - 1)) if position else None
        sections.append(
            _section(
                line_nums[position],
                node_ids[position],
                draw(st.sampled_from(["Intro", "Setup", "Usage", "Notes ✓"])),
                parent=None if parent_position is None else sections[parent_position],
                summary=draw(st.sampled_from(["", "a short summary", "another one"])),
                summary_embedding=draw(st.none() | st.just(basis_vector(position, _DIMENSIONS))),
            )
        )
    return draw(st.permutations(sections))


class PageIndexStoreContract(StoreContractSuite):
    protocol = PageIndexStore

    async def test_document_round_trips_every_field(self, store: Any, bank: str) -> None:
        """A saved document reads back equal in every field, by id and by source."""
        document = PageIndexDocument(
            id="conversation-7",
            bank_id=bank,
            source_id="chat:7",
            md_text="# Planning\n\n## Budget\nWe agreed on 40k.\n",
            reference_date=_WHEN,
            built_at=datetime(2024, 3, 10, tzinfo=UTC),
            title="Planning call",
            metadata={"participants": 3, "language": "en", "final": True, "score": 0.25, "note": None},
        )
        assert await store.save_document(document) == "conversation-7"
        assert await store.get_document("conversation-7", bank) == document
        assert await store.find_document_by_source("chat:7", bank) == document

    async def test_unknown_document_reads_as_empty(self, store: Any, bank: str) -> None:
        """Unknown ids and sources read as None or [], not as errors."""
        assert await store.get_document("missing", bank) is None
        assert await store.find_document_by_source("missing", bank) is None
        assert await store.list_documents(bank) == []
        assert await store.load_skeleton("missing", bank) == []
        assert await store.search_sections("orchard", bank) == []

    async def test_lookups_stay_in_their_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """A document and its sections are invisible through another bank, by id, source, listing or search."""
        await store.save_document(_document(bank))
        await store.save_sections("doc", _tree(), bank)
        assert await store.get_document("doc", other_bank) is None
        assert await store.find_document_by_source("source-of-doc", other_bank) is None
        assert await store.list_documents(other_bank) == []
        assert await store.load_skeleton("doc", other_bank) == []
        assert await store.search_sections("orchard", other_bank) == []
        assert await store.delete_document("doc", other_bank) is False
        assert await store.get_document("doc", bank) is not None

    async def test_save_document_upserts_by_id(self, store: Any, bank: str) -> None:
        """Saving an id again replaces the document and keeps its sections."""
        await store.save_document(_document(bank, title="draft"))
        await store.save_sections("doc", _tree(), bank)
        replacement = _document(bank, title="final", source_id="new-source")
        assert await store.save_document(replacement) == "doc"
        assert await store.get_document("doc", bank) == replacement
        assert await store.find_document_by_source("new-source", bank) == replacement
        assert await store.find_document_by_source("source-of-doc", bank) is None
        assert await store.list_documents(bank) == [replacement]
        assert await store.load_skeleton("doc", bank) == sorted(_tree(), key=lambda section: section.line_num)

    async def test_list_documents_returns_the_banks_documents(self, store: Any, bank: str, other_bank: str) -> None:
        """list_documents returns each document of the bank once, and nothing of other banks."""
        for document_id in ("c", "a", "b"):
            await store.save_document(_document(bank, document_id))
        await store.save_document(_document(other_bank, "z"))
        listed = await store.list_documents(bank)
        assert sorted(document.id for document in listed) == ["a", "b", "c"]
        assert {document.bank_id for document in listed} == {bank}

    async def test_sections_round_trip_every_field(self, store: Any, bank: str) -> None:
        """Saved sections load back equal in every field, embeddings and dates included."""
        await store.save_document(_document(bank))
        root = _section(
            1,
            "n-root",
            "Kickoff",
            summary="Goals and owners.",
            summary_embedding=[0.5, -0.25, 1.0, 0.0],
            speaker="Ana",
            session_date=_WHEN,
            occurred_start=_WHEN,
            occurred_end=datetime(2024, 3, 9, 19, 0, 0, tzinfo=UTC),
            session_id="session-1",
        )
        child = _section(2, "n-child", "Budget", parent=root, summary="", speaker=None, session_id=None)
        assert await store.save_sections("doc", [root, child], bank) == 2
        assert await store.load_skeleton("doc", bank) == [root, child]

    async def test_skeleton_is_ordered_by_line_num(self, store: Any, bank: str) -> None:
        """load_skeleton orders sections by line_num, whatever order they were saved in."""
        await store.save_document(_document(bank))
        tree = _tree()
        shuffled = [tree[3], tree[0], tree[2], tree[1]]
        await store.save_sections("doc", shuffled, bank)
        assert [section.line_num for section in await store.load_skeleton("doc", bank)] == [0, 10, 20, 25]

    async def test_save_sections_replaces_the_previous_tree(self, store: Any, bank: str) -> None:
        """A second save_sections leaves only its own sections, in the skeleton and in search."""
        await store.save_document(_document(bank))
        assert await store.save_sections("doc", _tree(topic="orchard"), bank) == 4
        replacement = [_section(5, "only", "Vineyard notes", summary="grapes")]
        assert await store.save_sections("doc", replacement, bank) == 1
        assert await store.load_skeleton("doc", bank) == replacement
        assert {hit.node_id for hit in await store.search_sections("orchard pruning", bank)} <= {"only"}
        assert [hit.node_id for hit in await store.search_sections("vineyard", bank)] == ["only"]

    async def test_saving_no_sections_is_not_an_error(self, store: Any, bank: str) -> None:
        """save_sections with an empty list returns 0 instead of failing."""
        await store.save_document(_document(bank))
        assert await store.save_sections("doc", [], bank) == 0

    @pytest.mark.parametrize(
        "broken",
        [
            "unknown_parent",
            "cycle",
            "own_parent",
            "duplicate_line_num",
            "duplicate_node_id",
            "wrong_document_id",
            "bad_depth",
        ],
    )
    async def test_invalid_tree_is_rejected_and_the_previous_tree_stays(
        self, store: Any, bank: str, broken: str
    ) -> None:
        """A tree breaking a rule raises ValidationError and the previously saved tree is unchanged."""
        await store.save_document(_document(bank))
        await store.save_sections("doc", _tree(), bank)
        before = await store.load_skeleton("doc", bank)
        with pytest.raises(ValidationError):
            await store.save_sections("doc", _broken_trees("doc")[broken], bank)
        assert await store.load_skeleton("doc", bank) == before
        assert (await store.search_sections("shears", bank))[0].node_id == "tools"

    async def test_sections_of_an_unsaved_document_are_rejected(self, store: Any, bank: str, other_bank: str) -> None:
        """save_sections for a document not saved in that bank raises ValidationError and stores nothing."""
        with pytest.raises(ValidationError):
            await store.save_sections("doc", _tree(), bank)
        await store.save_document(_document(other_bank))
        await store.save_sections("doc", _tree(topic="vineyard"), other_bank)
        with pytest.raises(ValidationError):
            await store.save_sections("doc", _tree(topic="orchard"), bank)
        assert await store.load_skeleton("doc", bank) == []
        assert not _mentions("orchard", await store.search_sections("orchard", other_bank))
        assert len(await store.load_skeleton("doc", other_bank)) == 4

    async def test_search_ranks_a_matching_title_above_others(self, store: Any, bank: str) -> None:
        """A section with the query word in its title (and twice in all) ranks above one with it once in its summary."""
        await store.save_document(_document(bank))
        await store.save_sections("doc", _tree(), bank)
        hits = await store.search_sections("pruning", bank)
        assert [hit.node_id for hit in hits][:2] == ["pruning", "tools"]
        assert hits[0].title == "Pruning"
        assert hits[0].summary == "pruning in winter"
        assert hits[0].document_id == "doc"
        assert hits[0].line_num == 20

    async def test_search_scores_are_non_negative_and_non_increasing(self, store: Any, bank: str) -> None:
        """Hits come best first with score >= 0."""
        await store.save_document(_document(bank))
        await store.save_sections("doc", _tree(), bank)
        hits = await store.search_sections("orchard planting tools saws", bank)
        assert len(hits) >= 3
        scores = [hit.score for hit in hits]
        assert all(score >= 0 for score in scores)
        assert scores == sorted(scores, reverse=True)

    async def test_search_respects_top_k(self, store: Any, bank: str) -> None:
        """search_sections returns at most top_k hits; a top_k below 1 is rejected."""
        await store.save_document(_document(bank))
        sections = [_section(line, f"n{line}", f"Meeting {line}", summary="meeting notes") for line in range(6)]
        await store.save_sections("doc", sections, bank)
        assert len(await store.search_sections("meeting", bank, top_k=2)) == 2
        assert len(await store.search_sections("meeting", bank, top_k=50)) == 6
        with pytest.raises(ValidationError):
            await store.search_sections("meeting", bank, top_k=0)

    async def test_search_document_filter(self, store: Any, bank: str) -> None:
        """document_id restricts hits to that document's sections."""
        for document_id in ("left", "right"):
            await store.save_document(_document(bank, document_id))
            await store.save_sections(document_id, _tree(document_id), bank)
        hits = await store.search_sections("orchard", bank, document_id="right")
        assert hits
        assert {hit.document_id for hit in hits} == {"right"}
        both = await store.search_sections("orchard", bank)
        assert {hit.document_id for hit in both} == {"left", "right"}
        assert await store.search_sections("orchard", bank, document_id="missing") == []

    @pytest.mark.parametrize(
        "query",
        [
            '"unterminated',
            "orchard AND NOT (",
            "title:orchard",
            "*",
            "-pruning",
            "' OR 1=1 --",
            "%_",
            "",
            "   ",
            "!!!",
            "orchard^2 ~fuzzy",
            "{}[]\\",
        ],
    )
    async def test_query_syntax_never_raises(self, store: Any, bank: str, query: str) -> None:
        """Quotes, operators and punctuation in a query are plain text, never syntax errors."""
        await store.save_document(_document(bank))
        await store.save_sections("doc", _tree(), bank)
        hits = await store.search_sections(query, bank)
        assert all(hit.score >= 0 for hit in hits)

    async def test_semantic_blend_lifts_the_section_whose_embedding_matches(self, store: Any, bank: str) -> None:
        """Among equal keyword matches, the section whose summary_embedding matches query_embedding ranks first."""
        await store.save_document(_document(bank))
        sections = [
            _section(
                line,
                f"s{line}",
                "Release checklist",
                summary="steps before shipping",
                summary_embedding=basis_vector(line, _DIMENSIONS),
            )
            for line in range(3)
        ]
        await store.save_sections("doc", sections, bank)
        for wanted in (0, 2):
            embedding = basis_vector(wanted, _DIMENSIONS)
            hits = await store.search_sections("release checklist", bank, query_embedding=embedding)
            assert hits
            assert hits[0].node_id == f"s{wanted}"
            assert hits[0].score > max((hit.score for hit in hits[1:]), default=-1.0)

    async def test_delete_document_cascades_to_its_sections(self, store: Any, bank: str) -> None:
        """delete_document removes the document and its sections from every read and from search."""
        for document_id in ("gone", "kept"):
            await store.save_document(_document(bank, document_id))
            await store.save_sections(document_id, _tree(document_id), bank)
        assert await store.delete_document("gone", bank) is True
        assert await store.get_document("gone", bank) is None
        assert await store.find_document_by_source("source-of-gone", bank) is None
        assert await store.load_skeleton("gone", bank) == []
        assert {hit.document_id for hit in await store.search_sections("orchard", bank)} == {"kept"}
        assert [document.id for document in await store.list_documents(bank)] == ["kept"]
        assert await store.delete_document("gone", bank) is False
        with pytest.raises(ValidationError):
            await store.save_sections("gone", _tree("gone"), bank)

    async def test_delete_bank_counts_documents_and_spares_other_banks(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """delete_bank returns how many documents it removed and touches no other bank."""
        for document_id in ("a", "b", "c"):
            await store.save_document(_document(bank, document_id))
            await store.save_sections(document_id, _tree(document_id), bank)
        await store.save_document(_document(other_bank, "a"))
        await store.save_sections("a", _tree("a"), other_bank)
        assert await store.delete_bank(bank) == 3
        assert await store.list_documents(bank) == []
        assert await store.search_sections("orchard", bank) == []
        assert len(await store.load_skeleton("a", other_bank)) == 4
        assert await store.delete_bank(bank) == 0

    @pytest.mark.parametrize(("first_suffix", "second_suffix"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_bank_pairs_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], first_suffix: str, second_suffix: str
    ) -> None:
        """Banks whose ids look alike share no documents, skeletons or search hits, even with equal ids."""
        first, second = bank_named(first_suffix), bank_named(second_suffix)
        for bank_id, topic in ((first, "orchard"), (second, "vineyard")):
            await store.save_document(_document(bank_id, source_id="same-source"))
            await store.save_sections("doc", _tree(topic=topic), bank_id)
        for bank_id, topic, stranger in ((first, "orchard", "vineyard"), (second, "vineyard", "orchard")):
            found = await store.find_document_by_source("same-source", bank_id)
            assert found is not None
            assert found.bank_id == bank_id
            assert [document.bank_id for document in await store.list_documents(bank_id)] == [bank_id]
            assert (await store.load_skeleton("doc", bank_id))[0].title == f"{topic} handbook"
            assert not _mentions(stranger, await store.search_sections(stranger, bank_id))
            assert _mentions(topic, await store.search_sections(topic, bank_id))
        assert await store.delete_bank(first) == 1
        assert len(await store.load_skeleton("doc", second)) == 4
        assert await store.search_sections("vineyard", second)

    async def test_adversarial_ids_round_trip(self, store: Any, bank: str) -> None:
        """Unicode, quotes, separators and SQL-like text survive as document, source and node ids."""
        for document_id in ADVERSARIAL_IDS:
            document = _document(bank, document_id, source_id=f"{document_id}|source")
            await store.save_document(document)
            section = _section(0, f"{document_id}|node", "Adversarial section", document_id=document_id)
            assert await store.save_sections(document_id, [section], bank) == 1
            assert await store.get_document(document_id, bank) == document
            assert await store.find_document_by_source(f"{document_id}|source", bank) == document
            assert await store.load_skeleton(document_id, bank) == [section]
            hits = await store.search_sections("adversarial", bank, document_id=document_id)
            assert [(hit.document_id, hit.node_id) for hit in hits] == [(document_id, section.node_id)]
        assert len(await store.list_documents(bank)) == len(ADVERSARIAL_IDS)

    async def test_stored_state_is_not_shared_with_callers(self, store: Any, bank: str) -> None:
        """Mutating what was passed in or handed back does not change what the store holds."""
        document = _document(bank, title="original")
        await store.save_document(document)
        sections = [_section(0, "root", "Original title", summary_embedding=[1.0, 0.0, 0.0, 0.0])]
        await store.save_sections("doc", sections, bank)
        document.title = "changed by caller"
        sections[0].title = "changed by caller"
        assert sections[0].summary_embedding is not None
        sections[0].summary_embedding[0] = 0.0
        read_document = await store.get_document("doc", bank)
        read_sections = await store.load_skeleton("doc", bank)
        assert read_document is not None
        read_document.title = "changed by reader"
        read_sections[0].title = "changed by reader"
        stored_document = await store.get_document("doc", bank)
        assert stored_document is not None
        assert stored_document.title == "original"
        skeleton = await store.load_skeleton("doc", bank)
        assert skeleton[0].title == "Original title"
        assert skeleton[0].summary_embedding == [1.0, 0.0, 0.0, 0.0]

    async def test_invalid_arguments_raise_validation_error(self, store: Any, bank: str) -> None:
        """Malformed bank ids and ids raise ValidationError instead of reading anything."""
        for bad_bank in ("", "has space", "x" * 129, "semi;colon"):
            with pytest.raises(ValidationError):
                await store.list_documents(bad_bank)
            with pytest.raises(ValidationError):
                await store.search_sections("orchard", bad_bank)
            with pytest.raises(ValidationError):
                await store.delete_bank(bad_bank)
        with pytest.raises(ValidationError):
            await store.load_skeleton("", bank)

    @PROPERTY_SETTINGS
    @given(sections=_valid_trees())
    async def test_any_valid_tree_round_trips(
        self, store: Any, bank_named: Callable[[str], str], sections: list[PageIndexSection]
    ) -> None:
        """Every valid tree, saved in any order, loads back whole and ordered by line_num."""
        bank_id = bank_named(uuid.uuid4().hex[:8])
        await store.save_document(_document(bank_id))
        assert await store.save_sections("doc", sections, bank_id) == len(sections)
        assert await store.load_skeleton("doc", bank_id) == sorted(sections, key=lambda section: section.line_num)
        by_line = {section.line_num: section for section in sections}
        for hit in await store.search_sections("intro setup usage notes summary another", bank_id):
            section = by_line[hit.line_num]
            assert (hit.document_id, hit.node_id, hit.title, hit.summary) == (
                "doc",
                section.node_id,
                section.title,
                section.summary,
            )
        await store.delete_bank(bank_id)
