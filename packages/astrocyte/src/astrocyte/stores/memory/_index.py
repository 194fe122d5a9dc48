"""Secondary indexes of the in-memory stores: key -> set of ids, kept free of empty entries."""

from __future__ import annotations

from collections import defaultdict


def discard_from_index(index: defaultdict[str, set[str]], key: str, value: str) -> None:
    """Remove ``value`` from ``index[key]``, dropping the key once empty so the index never grows stale."""
    values = index.get(key)
    if values is None:
        return
    values.discard(value)
    if not values:
        del index[key]
