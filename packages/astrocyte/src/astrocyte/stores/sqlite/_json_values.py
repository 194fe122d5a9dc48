"""JSON columns beyond flat metadata: lists, free-form documents, and id lists passed to SQL.

Lists and documents are kept as JSON text (``jsonb`` in a PostgreSQL port). A list of ids given to
a statement is one JSON parameter read with ``json_each``, so a call with a hundred thousand ids
needs no hundred thousand placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from astrocyte.errors import ValidationError


def json_text(value: Any, field: str) -> str | None:
    """``value`` as JSON text (``None`` stays NULL); refuses what JSON would not give back unchanged.

    Tuples would come back as lists and integer keys as strings, so a value is accepted only when
    decoding its text gives an equal value: what is stored is exactly what will be read.
    """
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(field, f"must hold only JSON values (objects, lists, text, numbers): {exc}") from None
    if json.loads(text) != value:
        raise ValidationError(
            field, "must hold only JSON values: objects with string keys, lists (not tuples), text, numbers"
        )
    return text


def from_json(text: str | None) -> Any:
    """The value of a JSON column; NULL reads as ``None``."""
    return None if text is None else json.loads(text)


def id_list(ids: Iterable[str]) -> str:
    """Ids as one JSON array parameter, for ``IN (SELECT value FROM json_each(:ids))``."""
    return json.dumps(list(ids))
