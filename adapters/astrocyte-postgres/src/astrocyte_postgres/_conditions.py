"""SQL conditions with numbered parameters, and the label filters vectors and documents share.

Filters follow the in-memory reference stores: ``tags`` keeps rows carrying any of them
(``tag_match="all"``: every one), metadata keeps rows having every key with an equal value as JSON
compares values (jsonb containment: ``True`` is not ``1``, ``1`` is ``1.0``, ``None`` matches a
null value and not a missing key); an empty list or mapping is no condition at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from astrocyte.types import Metadata, TagMatch


@dataclass
class Conditions:
    """Conditions joined with AND; parameters are numbered after ``first`` fixed ones."""

    first: int = 0
    clauses: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    def add(self, clause: str, *values: Any) -> None:
        """Add ``clause``, whose ``{}`` placeholders become the numbers of ``values``."""
        numbers = []
        for value in values:
            self.parameters.append(value)
            numbers.append(f"${self.first + len(self.parameters)}")
        self.clauses.append(clause.format(*numbers))

    def sql(self) -> str:
        return " AND ".join(self.clauses) or "true"


def equal_to_given(*, first: int, **columns: object) -> Conditions:
    """``column = $n`` for each column given (not ``None``); optional filters are left out of the
    statement rather than written as ``$n IS NULL OR ...``, which would hide an index from the planner."""
    conditions = Conditions(first=first)
    for column, value in columns.items():
        if value is not None:
            conditions.add(f"{column} = {{}}", value)
    return conditions


def add_labels(
    conditions: Conditions, tags: Sequence[str] | None, tag_match: TagMatch, metadata: Metadata | None
) -> None:
    wanted = list(dict.fromkeys(tags or ()))
    if wanted:
        conditions.add("tags @> {}::text[]" if tag_match == "all" else "tags && {}::text[]", wanted)
    if metadata:
        conditions.add("metadata @> {}::jsonb", dict(metadata))


def json_texts(values: Iterable[object]) -> list[str | None]:
    """Values as JSON text (``None`` stays NULL), for a ``text[]`` parameter cast to jsonb in SQL.

    asyncpg reads a list inside a list parameter as a further array dimension, so JSON lists and
    objects travel as text.
    """
    encode = _JSON.encode
    return [None if value is None else encode(value) for value in values]


#: One encoder for every value: ``json.dumps`` with options builds a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
