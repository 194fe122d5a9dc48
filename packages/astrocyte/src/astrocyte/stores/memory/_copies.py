"""Copies on the way into and out of the vector and document stores.

A stored record must not share a mutable part (its metadata dict, its tags list) with anything a
caller holds, or mutating an argument or a result would change the store. A shallow copy with those
two parts copied is enough: every other field is immutable. It deliberately skips the DTO's
``__post_init__`` validation, which the caller's constructor already ran and which would otherwise
cost more than the store's own work on a batch of writes.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from astrocyte.types import Metadata


class _Labelled(Protocol):
    metadata: Metadata | None
    tags: list[str] | None


Record = TypeVar("Record", bound=_Labelled)


def detached(record: Record) -> Record:
    """A copy of ``record`` that shares no mutable part with it."""
    clone: Record = object.__new__(type(record))  # what copy.copy does, without its generic dispatch
    clone.__dict__.update(vars(record))
    clone.metadata = None if record.metadata is None else dict(record.metadata)
    clone.tags = None if record.tags is None else list(record.tags)
    return clone
