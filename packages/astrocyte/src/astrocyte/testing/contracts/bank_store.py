"""Contract suite for :class:`astrocyte.spi.BankStore`: the catalogue of banks.

A bank store is usually one table shared by everything, so the suite never assumes it starts
empty nor that it holds only this test's banks: every scenario creates banks with ids unique to
it and asserts only about those. Orders are checked on ids of lower-case ASCII letters and
digits, where every collation agrees; timestamps a scenario gives are whole seconds, so backends
storing milliseconds round-trip them exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.errors import Conflict, ValidationError
from astrocyte.spi import BankStore
from astrocyte.testing.contracts._support import ADVERSARIAL_BANK_PAIRS, PROPERTY_SETTINGS, StoreContractSuite
from astrocyte.types import Bank

_WHEN = datetime(2024, 6, 1, 8, 30, 0, tzinfo=UTC)
_INVALID_BANK_IDS = ("", "has space", "x" * 129, "semi;colon", "slash/bank", "ünïcode")


def _mine(banks: list[Bank], prefix: str) -> list[Bank]:
    """The banks of a listing whose id starts with ``prefix`` (this test's token), in listing order."""
    return [bank for bank in banks if bank.bank_id.startswith(prefix)]


#: One step of the model-based property: (operation, index of a bank-id suffix, description).
_SUFFIXES = ("a", "ab", "A", "a_b", "axb", "a.b", "a-b")
_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "ensure", "delete", "get"]),
        st.integers(0, len(_SUFFIXES) - 1),
        st.sampled_from([None, "first", "second"]),
    ),
    max_size=15,
)


class BankStoreContract(StoreContractSuite):
    protocol = BankStore

    async def test_bank_round_trips_every_field(self, store: Any, bank: str) -> None:
        """A created bank is returned and read back equal in every field."""
        record = Bank(
            bank_id=bank,
            description="Ana's notes — 日本語 ✓",
            created_at=_WHEN,
            metadata={"owner": "ana", "quota": 1000, "ratio": 0.25, "archived": False, "note": None},
        )
        created = await store.create_bank(record)
        assert created == record
        assert await store.get_bank(bank) == record
        assert [found for found in await store.list_banks() if found.bank_id == bank] == [record]

    async def test_created_at_is_stamped_when_missing(self, store: Any, bank: str) -> None:
        """A bank created without created_at gets the current time, timezone-aware in UTC, and keeps it."""
        before = datetime.now(UTC) - timedelta(seconds=1)
        created = await store.create_bank(Bank(bank_id=bank))
        after = datetime.now(UTC) + timedelta(seconds=1)
        assert created.created_at is not None
        assert created.created_at.utcoffset() == timedelta(0)
        assert before <= created.created_at <= after
        assert await store.get_bank(bank) == created

    async def test_ensure_bank_stamps_created_at_too(self, store: Any, bank: str) -> None:
        """ensure_bank of a new bank stamps created_at like create_bank does."""
        before = datetime.now(UTC) - timedelta(seconds=1)
        ensured = await store.ensure_bank(Bank(bank_id=bank, description="lazy"))
        assert ensured.created_at is not None
        assert ensured.created_at.utcoffset() == timedelta(0)
        assert before <= ensured.created_at <= datetime.now(UTC) + timedelta(seconds=1)
        assert await store.get_bank(bank) == ensured

    async def test_given_created_at_is_kept(self, store: Any, bank: str) -> None:
        """A created_at the caller gives is kept as that instant, in UTC, even when given in another zone."""
        eastern = datetime(2024, 6, 1, 10, 30, 0, tzinfo=timezone(timedelta(hours=2)))
        created = await store.create_bank(Bank(bank_id=bank, created_at=eastern))
        stored = await store.get_bank(bank)
        assert stored is not None
        assert created.created_at == stored.created_at == _WHEN
        assert stored.created_at is not None
        assert stored.created_at.utcoffset() == timedelta(0)

    async def test_creating_an_existing_bank_conflicts_and_changes_nothing(self, store: Any, bank: str) -> None:
        """create_bank of an existing bank raises Conflict carrying the existing record, which stays unchanged."""
        original = await store.create_bank(Bank(bank_id=bank, description="original", metadata={"v": 1}))
        with pytest.raises(Conflict) as raised:
            await store.create_bank(Bank(bank_id=bank, description="intruder", created_at=_WHEN, metadata={"v": 2}))
        assert raised.value.existing == original
        assert await store.get_bank(bank) == original

    async def test_ensure_bank_returns_the_existing_record_unchanged(self, store: Any, bank: str) -> None:
        """ensure_bank of an existing bank returns the stored record and ignores what it was given."""
        original = await store.create_bank(Bank(bank_id=bank, description="original", created_at=_WHEN))
        ensured = await store.ensure_bank(Bank(bank_id=bank, description="other", metadata={"x": "y"}))
        assert ensured == original
        assert await store.get_bank(bank) == original

    async def test_ensure_bank_creates_a_missing_bank_once(self, store: Any, bank: str) -> None:
        """ensure_bank creates a missing bank; later calls and create_bank then see it."""
        record = Bank(bank_id=bank, description="first retain", created_at=_WHEN, metadata={"source": "retain"})
        assert await store.ensure_bank(record) == record
        assert await store.ensure_bank(Bank(bank_id=bank, description="second")) == record
        with pytest.raises(Conflict) as raised:
            await store.create_bank(Bank(bank_id=bank))
        assert raised.value.existing == record

    async def test_unknown_bank_reads_as_none(self, store: Any, bank: str) -> None:
        """get_bank of a bank never created gives None; delete_bank of it gives False; neither fails."""
        assert await store.get_bank(bank) is None
        assert await store.delete_bank(bank) is False
        assert bank not in {found.bank_id for found in await store.list_banks()}

    async def test_list_banks_is_ordered_by_bank_id(self, store: Any, bank_named: Callable[[str], str]) -> None:
        """list_banks orders banks by bank_id, whatever order they were created in."""
        suffixes = ["m", "c", "x", "a", "q", "b"]
        for suffix in suffixes:
            await store.create_bank(Bank(bank_id=bank_named(suffix), description=suffix))
        prefix = bank_named("")
        listed = _mine(await store.list_banks(), prefix)
        assert [found.bank_id for found in listed] == [bank_named(suffix) for suffix in sorted(suffixes)]
        assert [found.description for found in listed] == sorted(suffixes)

    async def test_delete_bank_removes_the_record_once(self, store: Any, bank: str, other_bank: str) -> None:
        """delete_bank is True for an existing bank, then False; the bank can be created again afterwards."""
        await store.create_bank(Bank(bank_id=bank, description="old"))
        await store.create_bank(Bank(bank_id=other_bank, description="neighbour"))
        assert await store.delete_bank(bank) is True
        assert await store.get_bank(bank) is None
        assert bank not in {found.bank_id for found in await store.list_banks()}
        assert await store.delete_bank(bank) is False
        again = await store.create_bank(Bank(bank_id=bank, description="new", created_at=_WHEN))
        assert await store.get_bank(bank) == again
        neighbour = await store.get_bank(other_bank)
        assert neighbour is not None
        assert neighbour.description == "neighbour"

    @pytest.mark.parametrize(("first_suffix", "second_suffix"), ADVERSARIAL_BANK_PAIRS)
    async def test_adversarial_bank_pairs_are_distinct(
        self, store: Any, bank_named: Callable[[str], str], first_suffix: str, second_suffix: str
    ) -> None:
        """Bank ids that are prefixes, case variants or wildcard look-alikes of each other are different banks."""
        first, second = bank_named(first_suffix), bank_named(second_suffix)
        for present, absent in ((second, first), (first, second)):
            record = await store.create_bank(Bank(bank_id=present, description=present))
            assert await store.get_bank(absent) is None
            assert await store.delete_bank(absent) is False
            assert await store.get_bank(present) == record
            created = await store.ensure_bank(Bank(bank_id=absent, description=absent))
            assert created.bank_id == absent
            assert created.description == absent
            assert await store.delete_bank(present) is True
            assert await store.get_bank(absent) == created
            assert await store.delete_bank(absent) is True
        await store.create_bank(Bank(bank_id=first, description="one"))
        await store.create_bank(Bank(bank_id=second, description="two"))
        listed = {found.bank_id: found.description for found in await store.list_banks()}
        assert (listed.get(first), listed.get(second)) == ("one", "two")

    async def test_invalid_bank_ids_raise_validation_error(self, store: Any, bank: str) -> None:
        """Malformed bank ids raise ValidationError in every method, and nothing is stored."""
        for bad in _INVALID_BANK_IDS:
            with pytest.raises(ValidationError):
                await store.get_bank(bad)
            with pytest.raises(ValidationError):
                await store.delete_bank(bad)
            smuggled = Bank(bank_id=bank)
            smuggled.bank_id = bad  # past the DTO's own check, as a caller mutating a record could
            with pytest.raises(ValidationError):
                await store.create_bank(smuggled)
            with pytest.raises(ValidationError):
                await store.ensure_bank(smuggled)
        listed = {found.bank_id for found in await store.list_banks()}
        assert not listed & set(_INVALID_BANK_IDS)
        assert await store.get_bank(bank) is None

    async def test_stored_records_are_not_shared_with_callers(self, store: Any, bank: str) -> None:
        """Mutating what was passed in or handed back does not change what the store holds."""
        given = Bank(bank_id=bank, description="original", created_at=_WHEN, metadata={"state": "original"})
        created = await store.create_bank(given)
        assert given.metadata is not None
        given.metadata["state"] = "changed by caller"
        given.description = "changed by caller"
        reads = [created, await store.get_bank(bank), await store.ensure_bank(Bank(bank_id=bank))]
        reads += [found for found in await store.list_banks() if found.bank_id == bank]
        with pytest.raises(Conflict) as raised:
            await store.create_bank(Bank(bank_id=bank))
        reads.append(raised.value.existing)
        for read in reads:
            assert read is not None
            assert read.metadata is not None
            read.metadata["state"] = "changed by reader"
            read.description = "changed by reader"
        assert await store.get_bank(bank) == Bank(
            bank_id=bank, description="original", created_at=_WHEN, metadata={"state": "original"}
        )

    @PROPERTY_SETTINGS
    @given(steps=_STEPS)
    async def test_create_ensure_delete_match_a_model(
        self, store: Any, bank_named: Callable[[str], str], steps: list[tuple[str, int, str | None]]
    ) -> None:
        """Any sequence of creates, ensures, gets and deletes over look-alike ids behaves as a plain dict."""
        token = uuid.uuid4().hex[:8]
        ids = [bank_named(f"{token}{suffix}") for suffix in _SUFFIXES]
        model: dict[str, str | None] = {}
        for operation, which, description in steps:
            bank_id = ids[which]
            if operation == "create":
                if bank_id in model:
                    with pytest.raises(Conflict) as raised:
                        await store.create_bank(Bank(bank_id=bank_id, description=description))
                    assert (raised.value.existing.bank_id, raised.value.existing.description) == (
                        bank_id,
                        model[bank_id],
                    )
                else:
                    created = await store.create_bank(Bank(bank_id=bank_id, description=description))
                    assert (created.bank_id, created.description) == (bank_id, description)
                    model[bank_id] = description
            elif operation == "ensure":
                model.setdefault(bank_id, description)
                ensured = await store.ensure_bank(Bank(bank_id=bank_id, description=description))
                assert (ensured.bank_id, ensured.description) == (bank_id, model[bank_id])
            elif operation == "delete":
                existed = bank_id in model
                model.pop(bank_id, None)
                assert await store.delete_bank(bank_id) is existed
            else:
                found = await store.get_bank(bank_id)
                assert (found.description if found else "absent") == model.get(bank_id, "absent")
        listed = _mine(await store.list_banks(), bank_named(token))
        assert {found.bank_id: found.description for found in listed} == model
        for bank_id in ids:
            await store.delete_bank(bank_id)
