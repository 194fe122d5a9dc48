"""JSON columns beyond flat metadata (lists, free-form documents), the same in every SQL-backed store.

Lists and documents are kept as JSON text (SQLite ``TEXT``, PostgreSQL ``jsonb``); what a store
accepts must read back equal, whichever database holds it.
"""

from __future__ import annotations

import json
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


__all__ = ["json_text"]
