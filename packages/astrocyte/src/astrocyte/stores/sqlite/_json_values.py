"""JSON columns beyond flat metadata, read back, and id lists passed to SQL.

Lists and documents are written as JSON text by :func:`astrocyte.stores.json_values.json_text`. A
list of ids given to a statement is one JSON parameter read with ``json_each``, so a call with a
hundred thousand ids needs no hundred thousand placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def from_json(text: str | None) -> Any:
    """The value of a JSON column; NULL reads as ``None``."""
    return None if text is None else json.loads(text)


def id_list(ids: Iterable[str]) -> str:
    """Ids as one JSON array parameter, for ``IN (SELECT value FROM json_each(:ids))``."""
    return json.dumps(list(ids))
