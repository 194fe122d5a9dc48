"""The in-memory :class:`~astrocyte.spi.MentalModelStore`: revisable summaries, one per id and bank.

Structured edits are interpreted by :func:`astrocyte.mental_model_ops.apply_operations`, the same
function every backend uses, so this store only decides what to keep. Choices the SPI leaves open,
made here and followed by the contract suite:

- **The bank is the ``bank_id`` argument.** ``model.bank_id`` is overwritten by it, so a model
  addressed to one bank can never land in the bank its DTO happens to name.
- **Revisions are the store's.** ``upsert`` numbers them (1, then previous + 1) whatever
  ``model.revision`` says; ``update_via_ops`` bumps only when the edits changed something;
  ``refresh`` always bumps and stamps ``refreshed_at`` with the current time (UTC).
- **``list``** is ordered by ``model_id`` (code-point order).

``MentalModel`` is frozen, but its ``structured_doc`` and ``source_timestamps`` are dicts, so
models are deep-copied on the way in and out and new states are built with ``dataclasses.replace``.
"""

from __future__ import annotations

import builtins
import copy
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from astrocyte.mental_model_ops import apply_operations, check_operations
from astrocyte.stores.arguments import checked_ids
from astrocyte.stores.memory._banks import Banks
from astrocyte.stores.memory._health import healthy_since
from astrocyte.types import HealthStatus, MentalModel
from astrocyte.validation import check_id


class MemoryMentalModelStore:
    """Mental models per bank; only the newest revision of each is kept."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self) -> None:
        self._banks: Banks[dict[str, MentalModel]] = Banks(dict)

    def _lookup(self, model_id: str, bank_id: str) -> tuple[dict[str, MentalModel], MentalModel | None]:
        """The bank's models (as for a read) and the one named, if it exists."""
        models = self._banks.for_read(bank_id)
        return models, models.get(check_id(model_id, "model_id"))

    async def upsert(self, model: MentalModel, bank_id: str) -> int:
        models = self._banks.for_write(bank_id)
        previous = models.get(model.model_id)
        revision = 1 if previous is None else previous.revision + 1
        models[model.model_id] = replace(copy.deepcopy(model), bank_id=bank_id, revision=revision)
        return revision

    async def get(self, model_id: str, bank_id: str) -> MentalModel | None:
        return copy.deepcopy(self._lookup(model_id, bank_id)[1])

    async def list(self, bank_id: str, *, scope: str | None = None, kind: str | None = None) -> list[MentalModel]:
        models = self._banks.for_read(bank_id)
        in_order = (models[model_id] for model_id in sorted(models))
        return [
            copy.deepcopy(model)
            for model in in_order
            if (scope is None or model.scope == scope) and (kind is None or model.kind == kind)
        ]

    async def delete(self, model_id: str, bank_id: str) -> bool:
        return self._banks.for_read(bank_id).pop(check_id(model_id, "model_id"), None) is not None

    async def update_via_ops(
        self, model_id: str, bank_id: str, operations_json: builtins.list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]] | None:
        models, model = self._lookup(model_id, bank_id)
        operations = check_operations(operations_json)
        if model is None:
            return None
        outcome = apply_operations(model.structured_doc, model.content, operations)
        if not outcome.changed:
            return model.revision, outcome.summary()
        models[model_id] = replace(
            model, structured_doc=outcome.structured_doc, content=outcome.content, revision=model.revision + 1
        )
        return model.revision + 1, outcome.summary()

    async def refresh(self, model_id: str, bank_id: str, new_source_ids: builtins.list[str]) -> MentalModel | None:
        models, model = self._lookup(model_id, bank_id)
        additions = checked_ids(new_source_ids, "new_source_ids")
        if model is None:
            return None
        refreshed = replace(
            model,
            source_ids=tuple(dict.fromkeys((*model.source_ids, *additions))),
            revision=model.revision + 1,
            refreshed_at=datetime.now(UTC),
        )
        models[model_id] = refreshed
        return copy.deepcopy(refreshed)

    async def delete_bank(self, bank_id: str) -> int:
        return len(self._banks.drop(bank_id) or {})

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        models = sum(len(bank) for bank in self._banks)
        return healthy_since(started, f"in-memory mental model store: {len(self._banks)} banks, {models} models")
