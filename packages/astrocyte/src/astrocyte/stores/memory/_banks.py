"""Per-bank state of an in-memory store: one object per bank, never shared, created on first write.

Reads of a bank that was never written get a fresh empty state instead of creating one, so a
stream of lookups in unknown banks (typos, probes) cannot grow the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sized
from typing import Generic, Protocol, TypeVar

from astrocyte.stores.memory._health import healthy_since
from astrocyte.types import HealthStatus
from astrocyte.validation import check_bank_id

State = TypeVar("State")


class Banks(Generic[State]):
    """Bank id -> that bank's state; every access checks the bank id."""

    def __init__(self, new_state: Callable[[], State]) -> None:
        self._new_state = new_state
        self._states: dict[str, State] = {}

    def __len__(self) -> int:
        return len(self._states)

    def __iter__(self) -> Iterator[State]:
        return iter(self._states.values())

    def for_write(self, bank_id: str) -> State:
        """The bank's state, created if the bank is new."""
        state = self._states.get(check_bank_id(bank_id))
        if state is None:
            state = self._states[bank_id] = self._new_state()
        return state

    def for_read(self, bank_id: str) -> State:
        """The bank's state, or an empty one (not kept) when the bank holds nothing."""
        state = self._states.get(check_bank_id(bank_id))
        return self._new_state() if state is None else state

    def drop(self, bank_id: str) -> State | None:
        """Forget the bank; returns what it held, or ``None`` when it held nothing."""
        return self._states.pop(check_bank_id(bank_id), None)


class HoldsDocuments(Protocol):
    @property
    def documents(self) -> Sized: ...


DocumentState = TypeVar("DocumentState", bound=HoldsDocuments)


class DocumentBanks(Banks[DocumentState]):
    """Banks of a store whose unit is the document: what ``delete_bank`` counts and ``health`` reports."""

    def drop_documents(self, bank_id: str) -> int:
        """Forget the bank; returns how many documents it held."""
        dropped = self.drop(bank_id)
        return 0 if dropped is None else len(dropped.documents)

    def health(self, store_name: str) -> HealthStatus:
        started = time.perf_counter()
        documents = sum(len(state.documents) for state in self)
        return healthy_since(started, f"in-memory {store_name}: {len(self)} banks, {documents} documents")
