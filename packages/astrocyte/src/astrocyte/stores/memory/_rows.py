"""Dense row numbering for the columnar in-memory stores (vectors, BM25 postings).

Both stores keep a bank as numpy columns so that a search is a handful of array operations instead
of a Python loop over the bank. Columns stay dense only if rows never leave holes: removing an item
moves the last row into its place (swap-remove), which costs O(1) per removed item where
compacting would copy the whole bank. :class:`RowIndex` owns that id <-> row bookkeeping and says
which row moved where, so each store only has to move its own column data; :func:`remove_each` is
the one reading of "delete these ids" (checked, repeats counted once) both stores share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from astrocyte.validation import check_id

_Scalar = TypeVar("_Scalar", bound=np.generic)

_MIN_CAPACITY = 16


class RowIndex:
    """Item ids mapped to rows ``0 .. len - 1``; also the bank's listing order (by id), cached."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._sorted: list[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._row_of

    def row_of(self, item_id: str) -> int:
        return self._row_of[item_id]

    def add(self, item_id: str) -> int:
        """Append a new id and return its row; the caller checked that the id is new."""
        row = len(self.ids)
        self.ids.append(item_id)
        self._row_of[item_id] = row
        self._sorted = None
        return row

    def remove(self, item_id: str) -> tuple[int, int]:
        """Forget ``item_id``; returns ``(hole, last)``: the caller copies row ``last`` into ``hole``.

        When the removed id held the last row, ``hole == last`` and nothing needs moving.
        """
        hole = self._row_of.pop(item_id)
        last = len(self.ids) - 1
        moved_id = self.ids.pop()
        if hole != last:
            self.ids[hole] = moved_id
            self._row_of[moved_id] = hole
        self._sorted = None
        return hole, last

    def sorted_ids(self) -> list[str]:
        """Ids in code-point order, recomputed only after a write, so paging a large bank stays cheap."""
        if self._sorted is None:
            self._sorted = sorted(self.ids)
        return self._sorted


class RemovesById(Protocol):
    def remove(self, item_id: str) -> bool: ...


def remove_each(table: RemovesById, ids: Sequence[str], field: str) -> int:
    """Check every id, then remove each distinct one; returns how many were present (repeats count once)."""
    for position, item_id in enumerate(ids):
        check_id(item_id, f"{field}[{position}]")
    return sum(table.remove(item_id) for item_id in dict.fromkeys(ids))


def with_capacity(column: npt.NDArray[_Scalar], rows: int, used: int) -> npt.NDArray[_Scalar]:
    """``column`` itself when it has room for ``rows`` rows, else a copy of its first ``used`` rows
    in an array at least twice as long, so appending one batch after another is amortised O(1)."""
    if rows <= len(column):
        return column
    capacity = max(rows, 2 * len(column), _MIN_CAPACITY)
    grown: npt.NDArray[Any] = np.empty((capacity, *column.shape[1:]), dtype=column.dtype)
    grown[:used] = column[:used]
    return grown
