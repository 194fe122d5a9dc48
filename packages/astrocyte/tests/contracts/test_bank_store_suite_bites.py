"""The BankStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, in the parent process, because pytester forgets modules first imported inside a run
# and numpy (which the suites import) refuses to be imported a second time.
import astrocyte.stores.memory.banks
import astrocyte.testing.contracts.bank_store  # noqa: F401

from ._bites import assert_bites, assert_passes_whole, unhealthy
from .conftest import RunContract

_IMPORT = "from astrocyte.stores.memory.banks import MemoryBankStore\n"

_ADVERSARIAL = "test_adversarial_bank_pairs_are_distinct"
_MODEL = "test_create_ensure_delete_match_a_model"
_CONFLICT = "test_creating_an_existing_bank_conflicts_and_changes_nothing"

#: variant -> (source of a broken ``Broken`` subclass, scenarios that must fail against it)
_BROKEN: dict[str, tuple[str, set[str]]] = {
    "folds_bank_id_case": (
        """
        import dataclasses
        class Broken(MemoryBankStore):
            async def create_bank(self, bank):
                return await super().create_bank(dataclasses.replace(bank, bank_id=bank.bank_id.lower()))
            async def ensure_bank(self, bank):
                return await super().ensure_bank(dataclasses.replace(bank, bank_id=bank.bank_id.lower()))
            async def get_bank(self, bank_id):
                return await super().get_bank(bank_id.lower())
            async def delete_bank(self, bank_id):
                return await super().delete_bank(bank_id.lower())
        """,
        {_ADVERSARIAL, _MODEL},
    ),
    "matches_ids_by_prefix": (
        """
        class Broken(MemoryBankStore):
            async def get_bank(self, bank_id):
                found = await super().get_bank(bank_id)
                for known in sorted(self._banks):
                    if found is None and known.startswith(bank_id):
                        found = await super().get_bank(known)
                return found
            async def delete_bank(self, bank_id):
                doomed = [known for known in self._banks if known.startswith(bank_id)]
                for known in doomed:
                    del self._banks[known]
                return bool(doomed)
        """,
        {_ADVERSARIAL},
    ),
    "matches_ids_as_wildcard_patterns": (
        """
        import re
        class Broken(MemoryBankStore):
            async def get_bank(self, bank_id):
                pattern = re.compile(bank_id.replace("_", "."))
                for known in sorted(self._banks):
                    if pattern.fullmatch(known):
                        return await super().get_bank(known)
                return None
        """,
        {_ADVERSARIAL},
    ),
    "create_overwrites_instead_of_conflicting": (
        """
        class Broken(MemoryBankStore):
            async def create_bank(self, bank):
                await self.delete_bank(bank.bank_id)
                return await super().create_bank(bank)
        """,
        {
            _CONFLICT,
            "test_ensure_bank_creates_a_missing_bank_once",
            _MODEL,
        },
    ),
    "conflict_without_the_existing_record": (
        """
        from astrocyte.errors import Conflict
        class Broken(MemoryBankStore):
            async def create_bank(self, bank):
                try:
                    return await super().create_bank(bank)
                except Conflict as clash:
                    raise Conflict(str(clash)) from None
        """,
        {
            _CONFLICT,
            "test_ensure_bank_creates_a_missing_bank_once",
        },
    ),
    "ensure_replaces_the_existing_record": (
        """
        class Broken(MemoryBankStore):
            async def ensure_bank(self, bank):
                await self.delete_bank(bank.bank_id)
                return await super().ensure_bank(bank)
        """,
        {"test_ensure_bank_returns_the_existing_record_unchanged", "test_ensure_bank_creates_a_missing_bank_once"},
    ),
    "lists_in_creation_order": (
        """
        class Broken(MemoryBankStore):
            async def list_banks(self):
                return [await self.get_bank(bank_id) for bank_id in self._banks]
        """,
        {"test_list_banks_is_ordered_by_bank_id"},
    ),
    "leaves_created_at_empty": (
        """
        import dataclasses
        class Broken(MemoryBankStore):
            def _put(self, bank):
                self._banks[bank.bank_id] = dataclasses.replace(bank)
                return dataclasses.replace(bank)
        """,
        {"test_created_at_is_stamped_when_missing", "test_ensure_bank_stamps_created_at_too"},
    ),
    "stamps_naive_local_time": (
        """
        import copy
        from datetime import datetime
        class Broken(MemoryBankStore):
            def _put(self, bank):
                record = copy.deepcopy(bank)
                record.created_at = record.created_at or datetime.now()
                self._banks[record.bank_id] = record
                return copy.deepcopy(record)
        """,
        {"test_created_at_is_stamped_when_missing", "test_ensure_bank_stamps_created_at_too"},
    ),
    "stamps_over_the_given_time": (
        """
        import dataclasses
        class Broken(MemoryBankStore):
            def _put(self, bank):
                return super()._put(dataclasses.replace(bank, created_at=None))
        """,
        {"test_given_created_at_is_kept", "test_bank_round_trips_every_field"},
    ),
    "keeps_the_callers_object": (
        """
        from datetime import UTC, datetime
        class Broken(MemoryBankStore):
            def _put(self, bank):
                bank.created_at = bank.created_at or datetime.now(UTC)
                self._banks[bank.bank_id] = bank
                return bank
        """,
        {"test_stored_records_are_not_shared_with_callers"},
    ),
    "hands_out_the_stored_object": (
        """
        class Broken(MemoryBankStore):
            async def get_bank(self, bank_id):
                await super().get_bank(bank_id)
                return self._banks.get(bank_id)
        """,
        {"test_stored_records_are_not_shared_with_callers"},
    ),
    "delete_always_true": (
        """
        class Broken(MemoryBankStore):
            async def delete_bank(self, bank_id):
                await super().delete_bank(bank_id)
                return True
        """,
        {"test_unknown_bank_reads_as_none", "test_delete_bank_removes_the_record_once", _ADVERSARIAL, _MODEL},
    ),
    "skips_the_bank_id_check": (
        """
        class Broken(MemoryBankStore):
            async def get_bank(self, bank_id):
                return self._banks.get(bank_id)
            async def create_bank(self, bank):
                if bank.bank_id in self._banks:
                    return await super().create_bank(bank)
                return self._put(bank)
        """,
        {"test_invalid_bank_ids_raise_validation_error"},
    ),
    "unhealthy": (unhealthy("MemoryBankStore"), {"test_health_reports_healthy"}),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("BankStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert_bites(outcome, variant, must_fail)


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    assert_passes_whole(run_contract("BankStoreContract", _IMPORT, "MemoryBankStore()"))
