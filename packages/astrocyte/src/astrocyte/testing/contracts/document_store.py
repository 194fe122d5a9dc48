"""Contract suite for :class:`astrocyte.spi.DocumentStore`.

Every scenario writes into banks of its own (the ``bank`` fixtures), so the suite can run against one
long-lived backend shared by all tests. The words in the scenarios are neither stop words nor stems
of one another, so a backend that stems or drops stop words (PostgreSQL, SQLite FTS5) sees the same
matches as a plain word index. Ranking is checked by BM25's two robust properties (more matching
words rank higher; a rarer word weighs more), never by exact scores.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import DocumentStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
    requires,
)
from astrocyte.text import words
from astrocyte.types import Document, DocumentFilters, DocumentHit

# The "explain" phase is left out: against a real backend its hundreds of extra examples cost
# minutes, and the shrunk failing example already says what broke.
_EVERYTHING = 1000  # a search limit above any bank this suite writes
_VOCABULARY = ("amber", "cobalt", "violet", "saffron", "teal")

#: User input that a store must read as plain words, never as query syntax.
HOSTILE_QUERIES = (
    '"unbalanced quote amber',
    "amber AND cobalt",
    "amber OR NOT violet",
    "(amber",
    "cobalt)",
    "amb*",
    "title:amber",
    "-amber",
    "amber -cobalt",
    "'; DROP TABLE documents; --",
    "%_\\ amber",
    "NEAR(amber cobalt)",
    "^amber {cobalt} [violet]",
    "amber~2 cobalt^3",
    "!!saffron??",
    "🧠 amber",
    "amber\tcobalt\nviolet",
    "SELECT * FROM x WHERE y = 'amber'",
)

#: Queries without a single word: each must give [].
WORDLESS_QUERIES = ("", "   ", "!!!", '""', "()", "-- ; * :", "\t\n")


def _ids(hits: Iterable[DocumentHit]) -> list[str]:
    return [hit.document_id for hit in hits]


def _sharing_a_word(query: str, texts: dict[str, str]) -> set[str]:
    """The ids of the texts that contain at least one word of ``query``."""
    wanted = set(words(query))
    return {document_id for document_id, text in texts.items() if wanted & set(words(text))}


class DocumentStoreContract(StoreContractSuite):
    """The promises of :class:`~astrocyte.spi.DocumentStore`; subclass it and define a ``store`` fixture."""

    protocol = DocumentStore

    # ------------------------------------------------------------------ helpers

    async def store_texts(self, store: Any, bank_id: str, texts: dict[str, str], **fields: Any) -> None:
        for document_id, text in texts.items():
            await store.store_document(Document(id=document_id, text=text, **fields), bank_id)

    async def found(self, store: Any, bank_id: str, query: str, filters: DocumentFilters | None = None) -> set[str]:
        return set(_ids(await store.search_fulltext(query, bank_id, _EVERYTHING, filters)))

    async def store_labelled(self, store: Any, bank_id: str) -> None:
        """Four documents sharing the word "amber", told apart by tags and metadata."""
        for document in (
            Document(id="red", text="amber red", tags=["red"], metadata={"topic": "a"}),
            Document(id="blue", text="amber blue", tags=["blue"], metadata={"topic": "b"}),
            Document(id="both", text="amber both", tags=["red", "blue"], metadata={"topic": "a", "rank": 1}),
            Document(id="plain", text="amber plain"),
        ):
            await store.store_document(document, bank_id)

    # ------------------------------------------------------------------ protocol, health, validation

    async def test_invalid_bank_id_raises(self, store: Any) -> None:
        """A malformed bank id raises ValidationError (a ValueError) from every method."""
        document = Document(id="d", text="amber")
        for bad in ("", "has space", "slash/bank", "x" * 129):
            with pytest.raises(ValueError):
                await store.store_document(document, bad)
            with pytest.raises(ValueError):
                await store.search_fulltext("amber", bad)
            with pytest.raises(ValueError):
                await store.get_document("d", bad)
            with pytest.raises(ValueError):
                await store.delete_documents(["d"], bad)
            with pytest.raises(ValueError):
                await store.delete_bank(bad)

    # ------------------------------------------------------------------ writes and reads

    async def test_store_document_returns_its_id(self, store: Any, bank: str) -> None:
        """store_document returns the document's own id."""
        assert await store.store_document(Document(id="doc-7", text="amber"), bank) == "doc-7"

    async def test_round_trip_preserves_every_field(self, store: Any, bank: str) -> None:
        """get_document returns each stored document with its text, metadata and tags, adversarial ids included."""
        written = {
            document_id: Document(
                id=document_id,
                text=f"text {index} with ünïcode ✓, 'quotes' and \"more\"",
                metadata={"source": "chat", "count": index, "weight": 0.5, "pinned": True, "note": None},
                tags=["common", f"tag-{index}"],
            )
            for index, document_id in enumerate(ADVERSARIAL_IDS)
        }
        for document in written.values():
            await store.store_document(document, bank)
        for document_id, original in written.items():
            got = await store.get_document(document_id, bank)
            assert got is not None, f"{document_id!r} was not stored"
            assert (got.id, got.text, got.metadata) == (original.id, original.text, original.metadata)
            assert sorted(got.tags or ()) == sorted(original.tags or ())

    async def test_get_unknown_id_returns_none(self, store: Any, bank: str, other_bank: str) -> None:
        """get_document of an id the bank does not hold returns None."""
        await store.store_document(Document(id="present", text="amber"), bank)
        assert await store.get_document("absent", bank) is None
        assert await store.get_document("present", other_bank) is None

    async def test_upsert_replaces_text(self, store: Any, bank: str) -> None:
        """Storing an existing id again replaces the document: its old words stop matching, the new ones match."""
        await store.store_document(Document(id="doc", text="amber cobalt", tags=["old"]), bank)
        await store.store_document(Document(id="doc", text="violet teal", tags=["new"]), bank)
        assert await self.found(store, bank, "amber cobalt") == set()
        hits = await store.search_fulltext("violet", bank)
        assert _ids(hits) == ["doc"]
        assert hits[0].text == "violet teal"
        got = await store.get_document("doc", bank)
        assert got is not None
        assert (got.text, got.tags) == ("violet teal", ["new"])

    async def test_stored_documents_do_not_alias_caller_objects(self, store: Any, bank: str) -> None:
        """Mutating a document after storing it, or a result after reading it, changes nothing stored."""
        document = Document(id="alias", text="amber", metadata={"k": "v"}, tags=["t"])
        await store.store_document(document, bank)
        assert document.metadata is not None
        assert document.tags is not None
        document.metadata["k"] = "changed"
        document.tags.append("extra")
        document.text = "changed"
        got = await store.get_document("alias", bank)
        got.metadata["k"] = "mutated"
        got.tags.append("mutated")
        (hit,) = await store.search_fulltext("amber", bank)
        hit.metadata["k"] = "mutated"
        hit.tags.append("mutated")
        again = await store.get_document("alias", bank)
        assert (again.text, again.metadata, again.tags) == ("amber", {"k": "v"}, ["t"])

    @requires("batch_store")
    async def test_store_documents_batch(self, store: Any, bank: str) -> None:
        """store_documents stores a batch and returns the ids in input order; an empty batch returns []."""
        assert await store.store_documents([], bank) == []
        batch = [Document(id=document_id, text=f"amber {document_id}") for document_id in ("zeta", "alpha", "Mid")]
        assert await store.store_documents(batch, bank) == ["zeta", "alpha", "Mid"]
        assert await self.found(store, bank, "amber") == {"zeta", "alpha", "Mid"}

    @requires("batch_get")
    async def test_get_documents_batch(self, store: Any, bank: str, other_bank: str) -> None:
        """get_documents returns the documents found, in the order asked, each once; others' are not found."""
        await self.store_texts(store, bank, {"zeta": "amber z", "alpha": "amber a"}, metadata={"k": "v"}, tags=["t"])
        await self.store_texts(store, other_bank, {"theirs": "amber t"})
        assert await store.get_documents([], bank) == []
        got = await store.get_documents(["alpha", "missing", "zeta", "alpha", "theirs"], bank)
        assert [(document.id, document.text, document.metadata, document.tags) for document in got] == [
            ("alpha", "amber a", {"k": "v"}, ["t"]),
            ("zeta", "amber z", {"k": "v"}, ["t"]),
        ]
        with pytest.raises(ValidationError, match=r"document_ids\[0\]"):
            await store.get_documents([""], bank)

    # ------------------------------------------------------------------ search

    async def test_hits_contain_a_query_word(self, store: Any, bank: str) -> None:
        """search_fulltext returns the documents containing a query word, with their text, and no others."""
        texts = {"one": "amber cobalt", "two": "violet amber", "three": "teal saffron"}
        await self.store_texts(store, bank, texts, metadata={"k": "v"}, tags=["t"])
        hits = await store.search_fulltext("amber", bank, limit=10)
        assert set(_ids(hits)) == {"one", "two"}
        for hit in hits:
            assert (hit.text, hit.metadata, hit.tags) == (texts[hit.document_id], {"k": "v"}, ["t"])

    async def test_more_matching_words_rank_higher(self, store: Any, bank: str) -> None:
        """Of two equally long documents, the one containing more query words ranks higher."""
        texts = {
            "three": "amber cobalt violet pad",
            "one": "amber pad pad pad",
            "other": "cobalt pad pad pad",
        }
        await self.store_texts(store, bank, texts)
        assert _ids(await store.search_fulltext("amber cobalt violet", bank))[0] == "three"

    async def test_rarer_word_ranks_higher(self, store: Any, bank: str) -> None:
        """Of two equally long documents matching one query word each, the rarer word's ranks higher."""
        texts = {"rare": "saffron pad pad pad", "common": "amber pad pad pad"}
        texts.update({f"filler-{index}": f"amber teal violet word{index}" for index in range(6)})
        await self.store_texts(store, bank, texts)
        ranked = _ids(await store.search_fulltext("amber saffron", bank, limit=_EVERYTHING))
        assert ranked.index("rare") < ranked.index("common")

    async def test_scores_non_negative_and_non_increasing(self, store: Any, bank: str) -> None:
        """Scores are >= 0 and never increase down the list."""
        await self.store_texts(
            store, bank, {f"d{index}": " ".join(_VOCABULARY[: 1 + index % 5]) + " pad" * index for index in range(10)}
        )
        scores = [hit.score for hit in await store.search_fulltext("amber cobalt teal", bank, limit=_EVERYTHING)]
        assert scores
        assert all(score >= 0 for score in scores)
        assert all(later <= earlier + 1e-9 for earlier, later in pairwise(scores))

    async def test_limit_respected(self, store: Any, bank: str) -> None:
        """search_fulltext returns at most limit hits, and exactly limit when more documents match."""
        await self.store_texts(store, bank, {f"d{index}": f"amber word{index}" for index in range(8)})
        for limit in (1, 3):
            assert len(await store.search_fulltext("amber", bank, limit=limit)) == limit

    @pytest.mark.parametrize("query", HOSTILE_QUERIES)
    async def test_query_syntax_never_raises(self, store: Any, bank: str, query: str) -> None:
        """Quotes, operators, wildcards and SQL in a query are plain words: it finds the documents sharing one."""
        texts = {"ac": "amber cobalt", "vt": "violet teal", "sa": "saffron amber"}
        await self.store_texts(store, bank, texts)
        assert await self.found(store, bank, query) == _sharing_a_word(query, texts)

    @pytest.mark.parametrize("query", WORDLESS_QUERIES)
    async def test_query_without_words_returns_empty(self, store: Any, bank: str, query: str) -> None:
        """An empty, blank or punctuation-only query returns []."""
        await self.store_texts(store, bank, {"d": "amber cobalt"})
        assert await store.search_fulltext(query, bank) == []

    async def test_unicode_words_match(self, store: Any, bank: str) -> None:
        """Words in any script match, regardless of case."""
        await self.store_texts(store, bank, {"u": "Grüße aus Köln: naïve café, 東京 und Ελλάδα"})
        for query in ("Köln", "köln", "CAFÉ", "naïve", "東京", "ελλάδα"):
            assert await self.found(store, bank, query) == {"u"}, query

    # ------------------------------------------------------------------ filters

    @requires("filter_tags")
    async def test_filter_tags_any(self, store: Any, bank: str) -> None:
        """filters.tags keeps the documents carrying any of the tags."""
        await self.store_labelled(store, bank)
        assert await self.found(store, bank, "amber", DocumentFilters(tags=["red"])) == {"red", "both"}
        assert await self.found(store, bank, "amber", DocumentFilters(tags=["red", "blue"])) == {"red", "blue", "both"}

    @requires("filter_tags", "filter_tag_match_all")
    async def test_filter_tags_all(self, store: Any, bank: str) -> None:
        """tag_match="all" keeps only the documents carrying every one of the tags."""
        await self.store_labelled(store, bank)
        all_of = DocumentFilters(tags=["red", "blue"], tag_match="all")
        assert await self.found(store, bank, "amber", all_of) == {"both"}

    @requires("filter_metadata")
    async def test_filter_metadata(self, store: Any, bank: str) -> None:
        """filters.metadata_filters keeps documents whose metadata has every given key with the given value."""
        await self.store_labelled(store, bank)
        topic_a = DocumentFilters(metadata_filters={"topic": "a"})
        assert await self.found(store, bank, "amber", topic_a) == {"red", "both"}
        ranked = DocumentFilters(metadata_filters={"topic": "a", "rank": 1})
        assert await self.found(store, bank, "amber", ranked) == {"both"}
        assert await self.found(store, bank, "amber", DocumentFilters(metadata_filters={"topic": "z"})) == set()

    # ------------------------------------------------------------------ deletes and unknown banks

    async def test_delete_documents_counts_what_it_removed(self, store: Any, bank: str) -> None:
        """delete_documents returns how many it removed: missing ids are not counted, repeated ids once."""
        await self.store_texts(store, bank, {"a": "amber", "b": "amber", "c": "amber"})
        assert await store.delete_documents(["a", "a", "missing", "b"], bank) == 2
        assert await store.get_document("a", bank) is None
        assert await self.found(store, bank, "amber") == {"c"}
        assert await store.delete_documents(["a"], bank) == 0
        assert await store.delete_documents([], bank) == 0

    async def test_delete_through_another_bank_removes_nothing(self, store: Any, bank: str, other_bank: str) -> None:
        """Deleting an id through a bank that does not hold it removes nothing anywhere."""
        await self.store_texts(store, bank, {"kept": "amber"})
        assert await store.delete_documents(["kept"], other_bank) == 0
        assert await store.delete_bank(other_bank) == 0
        assert await self.found(store, bank, "amber") == {"kept"}

    async def test_delete_bank_removes_only_that_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """delete_bank removes every document of the bank, returns how many, and leaves other banks whole."""
        await self.store_texts(store, bank, {f"d{index}": "amber" for index in range(3)})
        await self.store_texts(store, other_bank, {f"d{index}": "amber" for index in range(2)})
        assert await store.delete_bank(bank) == 3
        assert await self.found(store, bank, "amber") == set()
        assert await store.get_document("d0", bank) is None
        assert await self.found(store, other_bank, "amber") == {"d0", "d1"}
        assert await store.delete_bank(bank) == 0

    async def test_unknown_bank_is_empty(self, store: Any, bank: str, bank_named: Callable[[str], str]) -> None:
        """A bank never written to finds nothing, gets None and deletes 0, whatever else the store holds."""
        await self.store_texts(store, bank, {"elsewhere": "amber"})
        unknown = bank_named("-never-written")
        assert await store.search_fulltext("amber", unknown) == []
        assert await store.get_document("elsewhere", unknown) is None
        assert await store.delete_documents(["elsewhere"], unknown) == 0
        assert await store.delete_bank(unknown) == 0

    # ------------------------------------------------------------------ isolation

    @pytest.mark.parametrize(("first", "second"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_banks_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], first: str, second: str
    ) -> None:
        """Banks whose ids differ by case, a prefix or a wildcard never see, get or delete each other's documents."""
        one, two = bank_named(first), bank_named(second)
        await self.store_texts(store, one, {"shared": "amber in one", "only-one": "amber alone"})
        await self.store_texts(store, two, {"shared": "amber in two", "only-two": "amber alone"})
        assert await self.found(store, one, "amber") == {"shared", "only-one"}
        assert await self.found(store, two, "amber") == {"shared", "only-two"}
        assert await self.found(store, one, "two") == set()
        got = await store.get_document("shared", two)
        assert got is not None
        assert got.text == "amber in two"
        assert await store.delete_documents(["shared", "only-two"], one) == 1
        assert await store.delete_bank(one) == 1
        assert await self.found(store, two, "amber") == {"shared", "only-two"}

    async def test_same_id_in_two_banks_is_two_documents(self, store: Any, bank: str, other_bank: str) -> None:
        """One id stored in two banks is two independent documents."""
        await self.store_texts(store, bank, {"twin": "amber cobalt"})
        await self.store_texts(store, other_bank, {"twin": "violet teal"})
        assert await self.found(store, bank, "violet") == set()
        assert await self.found(store, other_bank, "violet") == {"twin"}
        assert await store.delete_documents(["twin"], bank) == 1
        got = await store.get_document("twin", other_bank)
        assert got is not None
        assert got.text == "violet teal"

    @PROPERTY_SETTINGS
    @given(
        pair=st.sampled_from(ADVERSARIAL_BANK_PAIRS),
        writes=st.lists(
            st.tuples(
                st.sampled_from((0, 1)),
                st.sampled_from(("a", "A", "b", "a b", "é")),
                st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=4),
                st.lists(st.sampled_from(("red", "blue")), max_size=2, unique=True),
            ),
            max_size=12,
        ),
        query=st.lists(st.sampled_from((*_VOCABULARY, "absent")), min_size=1, max_size=3),
        tags=st.none() | st.lists(st.sampled_from(("red", "blue")), min_size=1, max_size=2, unique=True),
    )
    async def test_search_matches_model(
        self,
        store: Any,
        bank_named: Callable[[str], str],
        capabilities: Any,
        pair: tuple[str, str],
        writes: list[tuple[int, str, list[str], list[str]]],
        query: list[str],
        tags: list[str] | None,
    ) -> None:
        """After any upserts across two look-alike banks, a search finds exactly the bank's matching documents."""
        if not capabilities.filter_tags:
            tags = None
        token = uuid.uuid4().hex[:8]
        banks = (bank_named(f"{token}{pair[0]}"), bank_named(f"{token}{pair[1]}"))
        model: tuple[dict[str, tuple[set[str], set[str]]], dict[str, tuple[set[str], set[str]]]] = ({}, {})
        for side, document_id, text_words, document_tags in writes:
            model[side][document_id] = (set(text_words), set(document_tags))
            await store.store_document(
                Document(id=document_id, text=" ".join(text_words), tags=document_tags), banks[side]
            )
        filters = None if tags is None else DocumentFilters(tags=tags)
        for side, bank_id in enumerate(banks):
            expected = {
                document_id
                for document_id, (text_words, document_tags) in model[side].items()
                if text_words & set(query) and (tags is None or document_tags & set(tags))
            }
            assert await self.found(store, bank_id, " ".join(query), filters) == expected
