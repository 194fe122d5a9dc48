"""The MentalModelStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, before any in-process run, so pytester's sys.modules snapshot keeps them: it
# drops modules first imported during a run, and numpy (under the suite) cannot be loaded twice.
import astrocyte.stores.memory.mental_models
import astrocyte.testing.contracts.mental_model_store  # noqa: F401

from ._remapped_banks import remapped_banks_source
from .conftest import RunContract

_IMPORT = (
    "import dataclasses\n"
    "from astrocyte.mental_model_ops import apply_operations\n"
    "from astrocyte.stores.memory.mental_models import MemoryMentalModelStore\n"
    "from astrocyte.types import MentalModel\n"
)

_BROKEN: dict[str, tuple[str, set[str]]] = {
    "ignores_the_bank": (
        remapped_banks_source("MemoryMentalModelStore", '"one-bank-for-all"'),
        {
            "test_adversarial_bank_pairs_are_isolated",
            "test_delete_bank_counts_models_and_spares_other_banks",
            "test_the_bank_argument_decides_the_bank",
        },
    ),
    "lists_banks_by_prefix": (
        """
        class Broken(MemoryMentalModelStore):
            async def list(self, bank_id, *, scope=None, kind=None):
                models = []
                for name in sorted(self._banks._states):
                    if name.startswith(bank_id):
                        models += await super().list(name, scope=scope, kind=kind)
                return models
        """,
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "folds_bank_case": (
        remapped_banks_source("MemoryMentalModelStore", "bank_id.lower()"),
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "trusts_the_dto_bank": (
        """
        class Broken(MemoryMentalModelStore):
            async def upsert(self, model, bank_id):
                return await super().upsert(model, model.bank_id)
        """,
        {"test_the_bank_argument_decides_the_bank"},
    ),
    "trusts_the_callers_revision": (
        """
        class Broken(MemoryMentalModelStore):
            async def upsert(self, model, bank_id):
                await super().upsert(model, bank_id)
                models = self._banks.for_write(bank_id)
                models[model.model_id] = dataclasses.replace(models[model.model_id], revision=model.revision)
                return model.revision
        """,
        {"test_upsert_numbers_revisions_whatever_the_model_says"},
    ),
    "bumps_without_change": (
        """
        class Broken(MemoryMentalModelStore):
            async def update_via_ops(self, model_id, bank_id, operations_json):
                result = await super().update_via_ops(model_id, bank_id, operations_json)
                if result is None or result[1]["changed"]:
                    return result
                models = self._banks.for_read(bank_id)
                models[model_id] = dataclasses.replace(models[model_id], revision=result[0] + 1)
                return result[0] + 1, result[1]
        """,
        {"test_edits_without_effect_keep_the_revision", "test_edits_match_a_plain_model"},
    ),
    "rejects_a_batch_with_a_bad_op": (
        """
        class Broken(MemoryMentalModelStore):
            async def update_via_ops(self, model_id, bank_id, operations_json):
                model = await self.get(model_id, bank_id)
                if model is not None and apply_operations(model.structured_doc, model.content, operations_json).skipped:
                    raise ValueError("operations_json: one operation is malformed, so none were applied")
                return await super().update_via_ops(model_id, bank_id, operations_json)
        """,
        {
            "test_malformed_operations_are_skipped_while_the_rest_apply",
            "test_edits_without_effect_keep_the_revision",
            "test_edits_match_a_plain_model",
        },
    ),
    "ignores_delete_ops": (
        """
        class Broken(MemoryMentalModelStore):
            async def update_via_ops(self, model_id, bank_id, operations_json):
                kept = [op for op in operations_json if not (isinstance(op, dict) and op.get("op") == "delete")]
                return await super().update_via_ops(model_id, bank_id, kept)
        """,
        {
            "test_delete_removes_a_path",
            "test_malformed_operations_are_skipped_while_the_rest_apply",
            "test_edits_match_a_plain_model",
        },
    ),
    "append_replaces_the_list": (
        """
        class Broken(MemoryMentalModelStore):
            async def update_via_ops(self, model_id, bank_id, operations_json):
                rewritten = [
                    {**op, "op": "set", "value": [op["value"]]}
                    if isinstance(op, dict) and op.get("op") == "append" and "value" in op
                    else op
                    for op in operations_json
                ]
                return await super().update_via_ops(model_id, bank_id, rewritten)
        """,
        {"test_append_creates_then_extends_a_list"},
    ),
    "edits_create_unknown_models": (
        """
        class Broken(MemoryMentalModelStore):
            async def update_via_ops(self, model_id, bank_id, operations_json):
                if await self.get(model_id, bank_id) is None:
                    await self.upsert(MentalModel(model_id, bank_id, "Untitled", "Untitled"), bank_id)
                return await super().update_via_ops(model_id, bank_id, operations_json)
        """,
        {"test_unknown_model_is_none_for_edits_and_refresh"},
    ),
    "refresh_creates_unknown_models": (
        """
        class Broken(MemoryMentalModelStore):
            async def refresh(self, model_id, bank_id, new_source_ids):
                if await self.get(model_id, bank_id) is None:
                    await self.upsert(MentalModel(model_id, bank_id, "Untitled", "Untitled"), bank_id)
                return await super().refresh(model_id, bank_id, new_source_ids)
        """,
        {"test_unknown_model_is_none_for_edits_and_refresh"},
    ),
    "refresh_keeps_duplicates": (
        """
        class Broken(MemoryMentalModelStore):
            async def refresh(self, model_id, bank_id, new_source_ids):
                before = await self.get(model_id, bank_id)
                refreshed = await super().refresh(model_id, bank_id, new_source_ids)
                if before is None or refreshed is None:
                    return refreshed
                refreshed = dataclasses.replace(refreshed, source_ids=(*before.source_ids, *new_source_ids))
                self._banks.for_read(bank_id)[model_id] = refreshed
                return refreshed
        """,
        {"test_refresh_merges_sources_and_bumps_the_revision"},
    ),
    "refresh_keeps_the_revision": (
        """
        class Broken(MemoryMentalModelStore):
            async def refresh(self, model_id, bank_id, new_source_ids):
                refreshed = await super().refresh(model_id, bank_id, new_source_ids)
                if refreshed is None:
                    return None
                refreshed = dataclasses.replace(refreshed, revision=refreshed.revision - 1)
                self._banks.for_read(bank_id)[model_id] = refreshed
                return refreshed
        """,
        {"test_refresh_merges_sources_and_bumps_the_revision", "test_adversarial_model_ids_round_trip"},
    ),
    "delete_always_true": (
        """
        class Broken(MemoryMentalModelStore):
            async def delete(self, model_id, bank_id):
                await super().delete(model_id, bank_id)
                return True
        """,
        {"test_delete_is_true_once", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "delete_bank_counts_nothing": (
        """
        class Broken(MemoryMentalModelStore):
            async def delete_bank(self, bank_id):
                await super().delete_bank(bank_id)
                return 0
        """,
        {"test_delete_bank_counts_models_and_spares_other_banks", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "lists_in_reverse_order": (
        """
        class Broken(MemoryMentalModelStore):
            async def list(self, bank_id, *, scope=None, kind=None):
                return list(reversed(await super().list(bank_id, scope=scope, kind=kind)))
        """,
        {"test_list_is_ordered_by_model_id", "test_list_filters_by_scope_and_kind"},
    ),
    "ignores_the_kind_filter": (
        """
        class Broken(MemoryMentalModelStore):
            async def list(self, bank_id, *, scope=None, kind=None):
                return await super().list(bank_id, scope=scope)
        """,
        {"test_list_filters_by_scope_and_kind"},
    ),
    "ignores_the_scope_filter": (
        """
        class Broken(MemoryMentalModelStore):
            async def list(self, bank_id, *, scope=None, kind=None):
                return await super().list(bank_id, kind=kind)
        """,
        {"test_list_filters_by_scope_and_kind"},
    ),
    "returns_the_stored_object": (
        """
        class Broken(MemoryMentalModelStore):
            async def get(self, model_id, bank_id):
                return self._banks.for_read(bank_id).get(model_id)
        """,
        {"test_stored_models_are_snapshots"},
    ),
    "keeps_the_callers_dicts": (
        """
        class Broken(MemoryMentalModelStore):
            async def upsert(self, model, bank_id):
                revision = await super().upsert(model, bank_id)
                shallow = dataclasses.replace(model, bank_id=bank_id, revision=revision)
                self._banks.for_write(bank_id)[model.model_id] = shallow
                return revision
        """,
        {"test_stored_models_are_snapshots"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("MentalModelStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("MentalModelStoreContract", _IMPORT, "MemoryMentalModelStore()")
    assert not outcome.failed
    assert not outcome.skipped
    assert len(outcome.passed) >= 20
