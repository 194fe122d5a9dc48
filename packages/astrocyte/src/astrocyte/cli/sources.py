"""Reading memories to import: JSON Lines, CSV, or a folder of text and markdown files.

Every reader yields :class:`~astrocyte.types.MemoryInput` items lazily, so a large file is imported
in batches without being held in memory. A malformed line or row raises
:class:`~astrocyte.errors.ValidationError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from astrocyte.errors import ValidationError
from astrocyte.types import MemoryInput

ImportFormat = Literal["auto", "jsonl", "csv", "text", "export"]
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
_CONTENT_KEYS = ("content", "text")
_KNOWN_KEYS = {*_CONTENT_KEYS, "tags", "metadata", "occurred_at", "source"}


def detect_format(path: Path) -> ImportFormat:
    """A folder is text files; ``.csv`` is CSV; JSON Lines is an Astrocyte export when its header says so."""
    if path.is_dir():
        return "text"
    if path.suffix.lower() == ".csv":
        return "csv"
    if path.suffix.lower() in TEXT_SUFFIXES:
        return "text"
    with path.open(encoding="utf-8") as lines:
        first = lines.readline().strip()
    try:
        header = json.loads(first) if first else None
    except json.JSONDecodeError:
        header = None
    return "export" if isinstance(header, dict) and header.get("format") == "astrocyte.bank" else "jsonl"


def read_jsonl(path: Path) -> Iterator[MemoryInput]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(where, f"is not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise ValidationError(where, "must be a JSON object with a 'content' (or 'text') field")
            yield _memory(record, where)


def read_csv(path: Path) -> Iterator[MemoryInput]:
    """A header row; ``content`` (or ``text``) is required, ``tags`` splits on ``;``, other columns are metadata."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        if not rows.fieldnames or not set(rows.fieldnames) & set(_CONTENT_KEYS):
            raise ValidationError(path.name, "needs a header row with a 'content' (or 'text') column")
        for number, row in enumerate(rows, start=2):
            record: dict[str, Any] = {key: value for key, value in row.items() if key in _KNOWN_KEYS and value}
            if "tags" in record:
                record["tags"] = [tag.strip() for tag in record["tags"].split(";") if tag.strip()]
            extra = {key: value for key, value in row.items() if key not in _KNOWN_KEYS and key and value}
            if extra:
                record["metadata"] = extra
            yield _memory(record, f"{path.name}:{number}")


def read_texts(path: Path) -> Iterator[MemoryInput]:
    """One memory per text or markdown file (long ones are chunked by retain), its path as metadata."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
    for file in files:
        relative = file.name if file == path else str(file.relative_to(path))
        text = file.read_text(encoding="utf-8")
        if text.strip():
            yield MemoryInput(content=text, metadata={"file": relative}, source=relative)


def _memory(record: dict[str, Any], where: str) -> MemoryInput:
    content = next((record[key] for key in _CONTENT_KEYS if key in record), None)
    if not isinstance(content, str):
        raise ValidationError(f"{where}.content", "is missing; every memory needs its text as 'content' (or 'text')")
    occurred = record.get("occurred_at")
    if occurred is not None:
        try:
            occurred = datetime.fromisoformat(str(occurred))
        except ValueError:
            raise ValidationError(f"{where}.occurred_at", f"{occurred!r} is not an ISO 8601 date or time") from None
    unknown = set(record) - _KNOWN_KEYS
    metadata = record.get("metadata")
    if unknown:  # extra fields of a JSON object are kept, as metadata, rather than dropped silently
        metadata = {**(metadata or {}), **{key: record[key] for key in sorted(unknown)}}
    return MemoryInput(
        content=content, metadata=metadata, tags=record.get("tags"), occurred_at=occurred, source=record.get("source")
    )
