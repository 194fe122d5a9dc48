"""Contract suite for :class:`astrocyte.spi.MentalModelStore`.

Besides the SPI docstring, the suite holds a store to the rules every shipped store follows:

- the ``bank_id`` argument decides the bank: a model whose DTO names another bank is stored, and
  returned, under the bank it was addressed to;
- ``list`` is ordered by ``model_id`` (checked on plain lower-case ASCII ids only);
- ``update_via_ops`` means exactly what :mod:`astrocyte.mental_model_ops` says (dot paths into
  nested objects, ``set`` creating intermediates, ``append`` creating the list), and "changed"
  means the document or content differs afterwards;
- models read back, and the reports of edits, are copies: mutating them changes nothing stored.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import ValidationError
from astrocyte.spi import MentalModelStore
from astrocyte.testing.contracts._support import (
    ADVERSARIAL_BANK_PAIRS,
    ADVERSARIAL_IDS,
    PROPERTY_SETTINGS,
    StoreContractSuite,
)
from astrocyte.types import MentalModel

_SEED_DOC: dict[str, Any] = {"a": {"b": 1, "c": {"a": 2}}, "c": 3}

#: Each is malformed in a different way; the suite expects every one skipped with a reason.
MALFORMED_OPERATIONS: tuple[Any, ...] = (
    "set likes tea",
    {"path": "likes", "value": "tea"},
    {"op": "transmogrify", "path": "likes", "value": "tea"},
    {"op": "set", "value": "tea"},
    {"op": "set", "path": "likes"},
    {"op": "append", "path": "title"},
    {"op": "set", "path": "a..b", "value": 1},
    {"op": "delete", "path": "no.such.path"},
    {"op": "append", "path": "title", "value": "x"},
    {"op": "set", "path": "title.deeper", "value": 1},
    {"op": "set_content"},
    {"op": "set_content", "value": ""},
)


def model(model_id: str, bank_id: str, **fields: Any) -> MentalModel:
    """A valid model; ``fields`` override the defaults."""
    defaults: dict[str, Any] = {"title": f"Model {model_id}", "content": f"What {model_id} sums up."}
    return MentalModel(model_id=model_id, bank_id=bank_id, **{**defaults, **fields})


def full_model(model_id: str, bank_id: str) -> MentalModel:
    """A model with every optional field set, for round trips."""
    return model(
        model_id,
        bank_id,
        title="Préférences de Zoë ☕",
        content="Prefers tea in the morning.\nAvoids meetings on Fridays.",
        scope="user:zoe",
        source_ids=("mem-9", "mem-2", "mem-5"),
        revision=1,
        refreshed_at=datetime(2024, 3, 1, 8, 0, 0, 125000, tzinfo=UTC),
        kind="preference",
        structured_doc={
            "drinks": {"morning": "tea", "avoid": ["decaf", "soda"]},
            "meetings": {"friday": False, "max_per_day": 3, "notes": None},
            "ratio": 0.25,
            "名前": "ゾーイ",
        },
        source_timestamps={
            "mem-9": datetime(2024, 2, 1, 12, 0, tzinfo=UTC),
            "mem-2": datetime(2023, 12, 24, 18, 30, 5, tzinfo=UTC),
        },
    )


class _Flat:
    """A plain model of a structured document: one entry per path, objects marked, leaves by value.

    Deliberately unlike a nested dict, so the property test compares the store with a second,
    independent reading of the edit rules.
    """

    OBJECT = object()

    def __init__(self, document: dict[str, Any]) -> None:
        self.nodes: dict[tuple[str, ...], Any] = {}
        self._load((), document)

    def _load(self, prefix: tuple[str, ...], document: dict[str, Any]) -> None:
        for key, value in document.items():
            path = (*prefix, key)
            self.nodes[path] = self.OBJECT if isinstance(value, dict) else value
            if isinstance(value, dict):
                self._load(path, value)

    def _drop_subtree(self, path: tuple[str, ...]) -> None:
        for key in [key for key in self.nodes if key[: len(path)] == path]:
            del self.nodes[key]

    def set(self, path: tuple[str, ...], value: Any) -> bool:
        """Apply a set; False when it must be skipped (a leaf on the way)."""
        prefixes = [path[:depth] for depth in range(1, len(path))]
        if any(self.nodes.get(prefix, self.OBJECT) is not self.OBJECT for prefix in prefixes):
            return False
        for prefix in prefixes:
            self.nodes[prefix] = self.OBJECT
        self._drop_subtree(path)
        self.nodes[path] = self.OBJECT if value == {} else value
        return True

    def delete(self, path: tuple[str, ...]) -> bool:
        """Apply a delete; False when it must be skipped (nothing there)."""
        if path not in self.nodes:
            return False
        self._drop_subtree(path)
        return True

    def nested(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for path in sorted(self.nodes, key=len):
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            value = self.nodes[path]
            parent[path[-1]] = {} if value is self.OBJECT else value
        return document


_PATHS = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3).map(tuple)
_EDITS: st.SearchStrategy[tuple[str, tuple[str, ...], Any]] = st.one_of(
    st.tuples(st.just("set"), _PATHS, st.one_of(st.integers(0, 2), st.builds(dict))),
    st.tuples(st.just("delete"), _PATHS, st.none()),
)


class MentalModelStoreContract(StoreContractSuite):
    protocol = MentalModelStore

    async def test_round_trip_keeps_every_field(self, store: Any, bank: str) -> None:
        """get returns every field as upserted, structured_doc and source_timestamps included."""
        original = full_model("zoe", bank)
        assert await store.upsert(original, bank) == 1
        assert await store.get("zoe", bank) == original

    async def test_upsert_numbers_revisions_whatever_the_model_says(self, store: Any, bank: str) -> None:
        """upsert returns 1 for a new model and previous + 1 after, ignoring model.revision."""
        assert await store.upsert(model("m", bank, revision=9), bank) == 1
        assert await store.upsert(model("m", bank, content="Second."), bank) == 2
        assert await store.upsert(model("m", bank, content="Third.", revision=50), bank) == 3
        stored = await store.get("m", bank)
        assert stored is not None
        assert (stored.revision, stored.content) == (3, "Third.")

    async def test_unknown_model_reads_as_nothing(self, store: Any, bank: str) -> None:
        """get of an unknown id is None."""
        await store.upsert(model("known", bank), bank)
        assert await store.get("unknown", bank) is None

    async def test_empty_bank_lists_nothing(self, store: Any, bank: str) -> None:
        """A bank never written lists no models and deleting it removes nothing."""
        assert await store.list(bank) == []
        assert await store.delete_bank(bank) == 0

    async def test_list_is_ordered_by_model_id(self, store: Any, bank: str) -> None:
        """list returns each model once, newest state, ordered by model_id."""
        for model_id in ("charlie", "alpha", "delta", "bravo"):
            await store.upsert(model(model_id, bank), bank)
        await store.upsert(model("charlie", bank, content="Updated."), bank)
        listed = await store.list(bank)
        assert [item.model_id for item in listed] == ["alpha", "bravo", "charlie", "delta"]
        assert (listed[2].revision, listed[2].content) == (2, "Updated.")

    async def test_list_filters_by_scope_and_kind(self, store: Any, bank: str) -> None:
        """scope and kind each keep only matching models, and combine."""
        await store.upsert(model("m1", bank, scope="team", kind="preference"), bank)
        await store.upsert(model("m2", bank, scope="team"), bank)
        await store.upsert(model("m3", bank, kind="preference"), bank)
        await store.upsert(model("m4", bank, scope="solo"), bank)
        assert [item.model_id for item in await store.list(bank, scope="team")] == ["m1", "m2"]
        assert [item.model_id for item in await store.list(bank, kind="preference")] == ["m1", "m3"]
        assert [item.model_id for item in await store.list(bank, kind="general")] == ["m2", "m4"]
        assert [item.model_id for item in await store.list(bank, scope="team", kind="preference")] == ["m1"]
        assert await store.list(bank, scope="nobody") == []

    async def test_set_writes_nested_paths(self, store: Any, bank: str) -> None:
        """set puts a value at a dot path, creating missing objects, and bumps the revision once."""
        await store.upsert(model("m", bank), bank)
        operations = [
            {"op": "set", "path": "drinks.morning", "value": "tea"},
            {"op": "set", "path": "drinks.evening", "value": {"kind": "cocoa", "sugar": False}},
        ]
        revision, summary = await store.update_via_ops("m", bank, operations)
        assert (revision, summary) == (2, {"applied": operations, "skipped": [], "changed": True})
        stored = await store.get("m", bank)
        assert stored is not None
        assert stored.structured_doc == {"drinks": {"morning": "tea", "evening": {"kind": "cocoa", "sugar": False}}}
        assert (stored.revision, stored.content) == (2, "What m sums up.")

    async def test_delete_removes_a_path(self, store: Any, bank: str) -> None:
        """delete removes the key at a dot path and leaves its siblings."""
        await store.upsert(model("m", bank, structured_doc=copy.deepcopy(_SEED_DOC)), bank)
        revision, summary = await store.update_via_ops("m", bank, [{"op": "delete", "path": "a.c"}])
        assert (revision, summary["changed"], summary["skipped"]) == (2, True, [])
        stored = await store.get("m", bank)
        assert stored is not None
        assert stored.structured_doc == {"a": {"b": 1}, "c": 3}

    async def test_append_creates_then_extends_a_list(self, store: Any, bank: str) -> None:
        """append creates the list when missing and adds to its end afterwards."""
        await store.upsert(model("m", bank, structured_doc={"likes": ["tea"]}), bank)
        operations = [
            {"op": "append", "path": "likes", "value": "cocoa"},
            {"op": "append", "path": "dislikes.drinks", "value": "soda"},
            {"op": "append", "path": "dislikes.drinks", "value": {"name": "decaf"}},
        ]
        revision, summary = await store.update_via_ops("m", bank, operations)
        assert (revision, summary["applied"], summary["changed"]) == (2, operations, True)
        stored = await store.get("m", bank)
        assert stored is not None
        assert stored.structured_doc == {"likes": ["tea", "cocoa"], "dislikes": {"drinks": ["soda", {"name": "decaf"}]}}

    async def test_set_content_replaces_the_content(self, store: Any, bank: str) -> None:
        """set_content replaces the model's content and leaves the document alone."""
        await store.upsert(model("m", bank, structured_doc={"k": 1}), bank)
        revision, summary = await store.update_via_ops("m", bank, [{"op": "set_content", "value": "Fresh summary."}])
        assert (revision, summary["changed"]) == (2, True)
        stored = await store.get("m", bank)
        assert stored is not None
        assert (stored.content, stored.structured_doc, stored.title) == ("Fresh summary.", {"k": 1}, "Model m")

    @pytest.mark.parametrize("malformed", MALFORMED_OPERATIONS)
    async def test_malformed_operations_are_skipped_while_the_rest_apply(
        self, store: Any, bank: str, malformed: Any
    ) -> None:
        """A malformed operation is reported in skipped with a reason; the others still apply."""
        await store.upsert(model("m", bank, structured_doc={"title": "a string"}), bank)
        before, after = {"op": "set", "path": "first", "value": 1}, {"op": "append", "path": "last", "value": 2}
        revision, summary = await store.update_via_ops("m", bank, [before, malformed, after])
        assert summary["applied"] == [before, after]
        assert [skip["op"] for skip in summary["skipped"]] == [malformed]
        reason = summary["skipped"][0]["reason"]
        assert isinstance(reason, str)
        assert reason.strip()
        assert (revision, summary["changed"]) == (2, True)
        stored = await store.get("m", bank)
        assert stored is not None
        assert stored.structured_doc == {"title": "a string", "first": 1, "last": [2]}
        assert stored.content == "What m sums up."

    @pytest.mark.parametrize(
        "operations",
        [
            [],
            [{"op": "set", "path": "a.b", "value": 1}],
            [{"op": "set_content", "value": "What m sums up."}],
            [{"op": "delete", "path": "nowhere"}, {"op": "unknown"}],
        ],
        ids=["empty", "same-value", "same-content", "all-skipped"],
    )
    async def test_edits_without_effect_keep_the_revision(
        self, store: Any, bank: str, operations: list[dict[str, Any]]
    ) -> None:
        """A batch that changes nothing reports changed=False and keeps the revision."""
        await store.upsert(model("m", bank, structured_doc=copy.deepcopy(_SEED_DOC)), bank)
        revision, summary = await store.update_via_ops("m", bank, operations)
        assert (revision, summary["changed"]) == (1, False)
        stored = await store.get("m", bank)
        assert stored is not None
        assert (stored.revision, stored.structured_doc) == (1, _SEED_DOC)

    async def test_unknown_model_is_none_for_edits_and_refresh(self, store: Any, bank: str) -> None:
        """update_via_ops and refresh return None for a model that does not exist, and create nothing."""
        await store.upsert(model("known", bank), bank)
        assert await store.update_via_ops("ghost", bank, [{"op": "set", "path": "a", "value": 1}]) is None
        assert await store.refresh("ghost", bank, ["s1"]) is None
        assert await store.get("ghost", bank) is None
        assert [item.model_id for item in await store.list(bank)] == ["known"]

    async def test_refresh_merges_sources_and_bumps_the_revision(self, store: Any, bank: str) -> None:
        """refresh appends only new source ids in order, bumps the revision and stamps refreshed_at now."""
        await store.upsert(model("m", bank, source_ids=("s1", "s2")), bank)
        started = datetime.now(UTC)
        refreshed = await store.refresh("m", bank, ["s2", "s3", "s1", "s4", "s3"])
        finished = datetime.now(UTC)
        assert refreshed is not None
        assert refreshed.source_ids == ("s1", "s2", "s3", "s4")
        assert refreshed.revision == 2
        assert refreshed.refreshed_at is not None
        assert started <= refreshed.refreshed_at <= finished
        assert await store.get("m", bank) == refreshed
        again = await store.refresh("m", bank, ["s4"])
        assert again is not None
        assert (again.source_ids, again.revision) == (("s1", "s2", "s3", "s4"), 3)

    async def test_delete_is_true_once(self, store: Any, bank: str) -> None:
        """delete is True for an existing model, then False; other models stay."""
        await store.upsert(model("doomed", bank), bank)
        await store.upsert(model("kept", bank), bank)
        assert await store.delete("doomed", bank) is True
        assert await store.get("doomed", bank) is None
        assert await store.delete("doomed", bank) is False
        assert [item.model_id for item in await store.list(bank)] == ["kept"]

    async def test_a_deleted_model_starts_again_at_revision_one(self, store: Any, bank: str) -> None:
        """Upserting a model id again after delete begins at revision 1."""
        await store.upsert(model("phoenix", bank), bank)
        await store.upsert(model("phoenix", bank), bank)
        await store.delete("phoenix", bank)
        assert await store.upsert(model("phoenix", bank), bank) == 1

    async def test_delete_bank_counts_models_and_spares_other_banks(
        self, store: Any, bank: str, other_bank: str
    ) -> None:
        """delete_bank returns how many models it removed and leaves other banks whole."""
        for model_id in ("a", "b", "c"):
            await store.upsert(model(model_id, bank), bank)
        await store.upsert(model("a", bank, content="Second revision."), bank)
        await store.upsert(model("a", other_bank), other_bank)
        assert await store.delete_bank(bank) == 3
        assert await store.list(bank) == []
        assert await store.get("a", bank) is None
        assert [item.model_id for item in await store.list(other_bank)] == ["a"]
        assert await store.delete_bank(bank) == 0

    @pytest.mark.parametrize(("first_suffix", "second_suffix"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_bank_pairs_are_isolated(
        self, store: Any, bank_named: Callable[[str], str], first_suffix: str, second_suffix: str
    ) -> None:
        """Banks whose ids are prefixes, case variants or wildcard look-alikes keep separate models and revisions."""
        first, second = bank_named(first_suffix), bank_named(second_suffix)
        await store.upsert(model("shared", first, content="First bank."), first)
        await store.upsert(model("shared", first, content="First bank again."), first)
        await store.upsert(model("shared", second, content="Second bank."), second)
        await store.upsert(model("only-first", first), first)
        assert [item.model_id for item in await store.list(first)] == ["only-first", "shared"]

        assert await store.update_via_ops("shared", second, [{"op": "set", "path": "who", "value": "second"}]) == (
            2,
            {"applied": [{"op": "set", "path": "who", "value": "second"}], "skipped": [], "changed": True},
        )
        refreshed = await store.refresh("shared", second, ["s-second"])
        assert refreshed is not None
        assert (refreshed.bank_id, refreshed.revision, refreshed.source_ids) == (second, 3, ("s-second",))
        assert [item.model_id for item in await store.list(second)] == ["shared"]
        assert await store.get("only-first", second) is None
        assert await store.update_via_ops("only-first", second, []) is None
        assert await store.delete("only-first", second) is False

        in_first = await store.get("shared", first)
        assert in_first is not None
        assert (in_first.bank_id, in_first.revision, in_first.content) == (first, 2, "First bank again.")
        assert (in_first.structured_doc, in_first.source_ids) == (None, ())
        assert await store.delete("shared", second) is True
        assert await store.get("shared", first) == in_first
        assert await store.delete_bank(second) == 0
        assert await store.delete_bank(first) == 2

    @pytest.mark.parametrize("model_id", ADVERSARIAL_IDS)
    async def test_adversarial_model_ids_round_trip(self, store: Any, bank: str, model_id: str) -> None:
        """Unicode, quotes, separators and SQL-ish ids are stored, edited, listed and deleted exactly."""
        await store.upsert(model(model_id, bank), bank)
        await store.upsert(model("plain", bank), bank)
        assert await store.update_via_ops(model_id, bank, [{"op": "set", "path": "x", "value": 1}]) is not None
        refreshed = await store.refresh(model_id, bank, [model_id])
        assert refreshed is not None
        assert (refreshed.model_id, refreshed.revision, refreshed.structured_doc) == (model_id, 3, {"x": 1})
        assert {item.model_id for item in await store.list(bank)} == {model_id, "plain"}
        assert await store.delete(model_id, bank) is True
        assert [item.model_id for item in await store.list(bank)] == ["plain"]

    async def test_the_bank_argument_decides_the_bank(self, store: Any, bank: str, other_bank: str) -> None:
        """A model whose DTO names another bank is stored and returned under the bank it was addressed to."""
        assert await store.upsert(model("smuggled", other_bank), bank) == 1
        stored = await store.get("smuggled", bank)
        assert stored is not None
        assert stored.bank_id == bank
        assert [item.bank_id for item in await store.list(bank)] == [bank]
        assert await store.get("smuggled", other_bank) is None
        assert await store.list(other_bank) == []
        assert await store.update_via_ops("smuggled", other_bank, []) is None

    async def test_stored_models_are_snapshots(self, store: Any, bank: str) -> None:
        """Mutating a model's dicts after storing it, one read back, or an edit's report, changes nothing stored."""
        original = full_model("zoe", bank)
        expected = copy.deepcopy(original)
        await store.upsert(original, bank)
        assert original.structured_doc is not None
        assert original.source_timestamps is not None
        original.structured_doc["drinks"]["morning"] = "coffee"
        original.source_timestamps.clear()

        for read in (await store.get("zoe", bank), (await store.list(bank))[0]):
            assert read is not None
            assert read.structured_doc is not None
            read.structured_doc["meetings"]["friday"] = True
            read.structured_doc["drinks"]["avoid"].append("water")
        assert await store.get("zoe", bank) == expected

        value = {"nested": ["kept"]}
        operation = {"op": "set", "path": "extra", "value": value}
        _, summary = await store.update_via_ops("zoe", bank, [operation])
        value["nested"].append("caller mutated the value")
        summary["applied"][0]["value"]["nested"].append("caller mutated the report")
        stored = await store.get("zoe", bank)
        assert stored is not None
        assert stored.structured_doc is not None
        assert stored.structured_doc["extra"] == {"nested": ["kept"]}

    async def test_invalid_bank_id_is_rejected(self, store: Any) -> None:
        """Every method refuses a malformed bank id with a ValidationError naming bank_id."""
        bad = "no spaces allowed"
        calls: list[Callable[[], Awaitable[Any]]] = [
            lambda: store.upsert(model("m", "valid-bank"), bad),
            lambda: store.get("m", bad),
            lambda: store.list(bad),
            lambda: store.delete("m", bad),
            lambda: store.update_via_ops("m", bad, []),
            lambda: store.refresh("m", bad, []),
            lambda: store.delete_bank(bad),
        ]
        for call in calls:
            with pytest.raises(ValidationError) as raised:
                await call()
            assert raised.value.field == "bank_id"

    @PROPERTY_SETTINGS
    @given(batches=st.lists(st.lists(_EDITS, max_size=4), min_size=1, max_size=4))
    async def test_edits_match_a_plain_model(
        self, store: Any, bank_named: Callable[[str], str], batches: list[list[tuple[str, tuple[str, ...], Any]]]
    ) -> None:
        """Random set/delete batches on overlapping dot paths give a plain model's document, reports and revisions."""
        bank = bank_named(uuid.uuid4().hex[:8])
        await store.upsert(model("m", bank, structured_doc=copy.deepcopy(_SEED_DOC)), bank)
        expected = _Flat(_SEED_DOC)
        revision = 1
        for batch in batches:
            operations = [
                {"op": kind, "path": ".".join(path), **({"value": value} if kind == "set" else {})}
                for kind, path, value in batch
            ]
            before = expected.nested()
            skipped = sum(
                not (expected.set(path, value) if kind == "set" else expected.delete(path))
                for kind, path, value in batch
            )
            changed = expected.nested() != before
            revision += changed
            result = await store.update_via_ops("m", bank, operations)
            assert result is not None
            assert (result[0], result[1]["changed"]) == (revision, changed)
            assert (len(result[1]["applied"]), len(result[1]["skipped"])) == (len(batch) - skipped, skipped)
        stored = await store.get("m", bank)
        assert stored is not None
        assert (stored.structured_doc, stored.revision) == (expected.nested(), revision)
