"""What the vector and document tables share: row ids, tags and metadata, and the filters on them.

Both tables are keyed by ``(bank_id, id)`` and give each item an integer ``row_id`` that side tables
point at. Both keep an item's tags as a JSON array (so they read back exactly as written) and, in a
side table (``vector_tags`` / ``document_tags``), one row per distinct tag, so a tag filter is an
index lookup instead of a scan of every row's JSON. Metadata stays a JSON object; a metadata filter
compares one key through ``json_each``, which takes the key as a bound value and so matches any key
exactly, quotes and dots included.

Filters follow the in-memory stores (:mod:`astrocyte.stores.memory._filters`): ``tags`` keeps rows
carrying any of them (``tag_match="all"``: every one), metadata keeps rows having every key with an
equal value, as JSON compares values (``True`` is not ``1``; ``1`` is ``1.0``; ``None`` matches a key
whose value is null, not a missing key); an empty list or mapping is no condition at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.stores.sqlite._json_values import id_list
from astrocyte.types import Metadata, MetadataValue, TagMatch


@dataclass
class Conditions:
    """SQL conditions joined with AND, with their parameters in order."""

    clauses: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    def add(self, clause: str, *parameters: Any) -> None:
        self.clauses.append(clause)
        self.parameters.extend(parameters)

    def sql(self) -> str:
        """The conditions as one SQL expression (``1`` when there are none)."""
        return " AND ".join(self.clauses) or "1"


def _check_storable(field: str, value: object) -> None:
    """Refuse strings SQLite cannot hold: lone surrogates are not UTF-8 (the DTOs check text and ids only)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            field, "contains a lone surrogate, which is not valid Unicode; decode the input as UTF-8"
        ) from None


def name_unstorable(records: Sequence[object], names: Sequence[str], field: str) -> None:
    """Raise the ValidationError naming the first of ``records[i].<name>`` that :func:`_check_storable` refuses.

    Called once SQLite has refused to encode a string of a batch, so that checking every string
    costs nothing on the normal path.
    """
    for position, record in enumerate(records):
        for name in names:
            _check_storable(f"{field}[{position}].{name}", getattr(record, name))


def name_unstorable_in_columns(columns: Mapping[str, Sequence[object]], field: str) -> None:
    """:func:`name_unstorable` for a batch held as columns: names ``field.<column>[i]``."""
    for name, column in columns.items():
        for position, value in enumerate(column):
            _check_storable(f"{field}.{name}[{position}]", value)


def encode_tags(tags: Sequence[str] | None) -> str | None:
    return None if tags is None else json.dumps(list(tags), ensure_ascii=False)


def decode_tags(text: str | None) -> list[str] | None:
    if text is None:
        return None
    tags: list[str] = json.loads(text)
    return tags


def row_ids_of(connection: sqlite3.Connection, table: str, bank_id: str, ids: Iterable[str]) -> dict[str, int]:
    """The ``row_id`` of each of ``ids`` that ``bank_id`` holds in ``table``."""
    rows = connection.execute(
        f"SELECT id, row_id FROM {table} WHERE bank_id = ? AND id IN (SELECT value FROM json_each(?))",
        (bank_id, id_list(ids)),
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def newest_row_id(connection: sqlite3.Connection, table: str) -> int:
    """The highest ``row_id`` of ``table`` (0 when empty): read before an upsert for :func:`upserted_row_ids`."""
    (newest,) = connection.execute(f"SELECT COALESCE(MAX(row_id), 0) FROM {table}").fetchone()
    return int(newest)


def upserted_row_ids(
    connection: sqlite3.Connection, table: str, newest_before: int, upserted: Sequence[tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """Bank -> id -> ``row_id`` of the ``(bank_id, id)`` rows just upserted into ``table``, in that order.

    A new row's ``row_id`` is the table's highest plus one (an INTEGER PRIMARY KEY without
    AUTOINCREMENT), and a replaced row keeps its own. So when the highest grew by exactly the number
    of rows upserted, every one was inserted, in order, and the ids need no lookup: a batch of new
    memories is the common case, and the lookup probes a random page of the ``(bank_id, id)`` index
    per row. Otherwise each bank's ids are looked up.
    """
    if newest_row_id(connection, table) == newest_before + len(upserted):
        found: dict[str, dict[str, int]] = {}
        for row_id, (bank_id, item_id) in enumerate(upserted, start=newest_before + 1):
            found.setdefault(bank_id, {})[item_id] = row_id
        return found
    ids_of: dict[str, list[str]] = {}
    for bank_id, item_id in upserted:
        ids_of.setdefault(bank_id, []).append(item_id)
    return {bank_id: row_ids_of(connection, table, bank_id, ids) for bank_id, ids in ids_of.items()}


def replace_tags(
    connection: sqlite3.Connection, table: str, bank_id: str, tagged: Sequence[tuple[int, Sequence[str] | None]]
) -> None:
    """Make ``table`` hold exactly the tags of each ``(row_id, tags)`` of ``bank_id``."""
    connection.execute(
        f"DELETE FROM {table} WHERE row_id IN (SELECT value FROM json_each(?))",
        (json.dumps([row_id for row_id, _ in tagged]),),
    )
    connection.executemany(
        f"INSERT INTO {table} (row_id, bank_id, tag) VALUES (?, ?, ?)",
        [(row_id, bank_id, tag) for row_id, tags in tagged for tag in dict.fromkeys(tags or ())],
    )


def add_label_conditions(
    conditions: Conditions,
    *,
    alias: str,
    tag_table: str,
    bank_id: str,
    tags: Sequence[str] | None,
    tag_match: TagMatch,
    metadata: Metadata | None,
) -> None:
    """Add the tag and metadata conditions on the rows of ``alias`` (a table with ``row_id`` and ``metadata``)."""
    wanted = list(dict.fromkeys(tags or ()))
    if wanted:
        marks = ", ".join("?" * len(wanted))
        tagged = f"SELECT row_id FROM {tag_table} WHERE bank_id = ? AND tag IN ({marks})"
        if tag_match == "all":
            conditions.add(
                f"{alias}.row_id IN ({tagged} GROUP BY row_id HAVING COUNT(*) = ?)", bank_id, *wanted, len(wanted)
            )
        else:
            conditions.add(f"{alias}.row_id IN ({tagged})", bank_id, *wanted)
    for key, value in (metadata or {}).items():
        test, parameters = _value_test(value)
        exact = f"EXISTS (SELECT 1 FROM json_each({alias}.metadata) WHERE key = ? AND {test})"
        if isinstance(value, str):
            # A cheap first pass: the value's JSON text occurs in the text of every row holding it
            # (the column is written by _columns.encode_metadata, whose json.dumps(ensure_ascii=False)
            # escapes a string alike alone or inside an object), so json_each parses only those rows.
            needle = json.dumps(value, ensure_ascii=False)
            conditions.add(f"instr({alias}.metadata, ?) AND {exact}", needle, key, *parameters)
        else:
            conditions.add(exact, key, *parameters)


def _value_test(value: MetadataValue) -> tuple[str, tuple[Any, ...]]:
    """The condition on a ``json_each`` row (``type``, ``atom``) that its value equals ``value``."""
    if value is None:
        return "type = 'null'", ()
    if isinstance(value, bool):
        return f"type = '{'true' if value else 'false'}'", ()
    if isinstance(value, str):
        return "type = 'text' AND atom = ?", (value,)
    # The wanted number goes through SQLite's own JSON reader, as the stored one did, so both are
    # the same double (or integer) bit for bit; integers beyond 64 bits included.
    return "type IN ('integer', 'real') AND atom = json_extract(?, '$')", (json.dumps(value),)
