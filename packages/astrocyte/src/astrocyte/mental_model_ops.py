"""The structured-edit language of mental models, as one pure function every backend reuses.

``MentalModelStore.update_via_ops`` must mean the same thing whether the model lives in memory,
SQLite or PostgreSQL, so the interpretation of an operation lives here, away from any storage:
a backend loads ``structured_doc`` and ``content``, calls :func:`apply_operations`, and writes the
outcome back (bumping the revision only when ``changed``).

The language, in full:

- ``{"op": "set", "path": "a.b", "value": v}`` puts ``v`` at the path, creating missing
  intermediate objects;
- ``{"op": "delete", "path": "a.b"}`` removes the key at the path;
- ``{"op": "append", "path": "a.list", "value": v}`` appends ``v`` to the list at the path,
  creating the list (and missing intermediate objects) when there is none;
- ``{"op": "set_content", "value": "text"}`` replaces the model's ``content``.

A path is dot-separated keys of nested objects (lists are not indexed). An operation that cannot
apply is skipped with a reason and the others still apply, because one bad edit from a language
model should not cost the good ones: a non-object operation, a missing or unknown ``op``, a
missing or malformed ``path``, a missing ``value``, a path that runs through a non-object, a
``delete`` of a path that does not exist, an ``append`` onto something that is not a list, and a
``set_content`` whose value is not valid content.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from astrocyte.errors import ValidationError
from astrocyte.validation import check_text

OPERATION_KINDS: tuple[str, ...] = ("set", "delete", "append", "set_content")

_NEEDS_VALUE = frozenset({"set", "append", "set_content"})


@dataclass(frozen=True)
class OperationsOutcome:
    """What a batch of operations did: the new document and content, and the per-operation report.

    ``applied`` holds copies of the operations that took effect, in order; ``skipped`` holds
    ``{"op": operation, "reason": why}`` for the others. ``changed`` compares the result with the
    input as a whole, so a batch whose net effect is nothing (setting a value to what it already
    is, for example) leaves the revision alone.
    """

    structured_doc: dict[str, Any] | None
    content: str
    applied: list[Any]
    skipped: list[dict[str, Any]]
    changed: bool

    def summary(self) -> dict[str, Any]:
        """The report ``update_via_ops`` returns beside the revision."""
        return {"applied": self.applied, "skipped": self.skipped, "changed": self.changed}


class _Skip(Exception):
    """An operation cannot apply; the message is the reason reported to the caller."""


def check_operations(operations: object, field: str = "operations_json") -> list[Any]:
    """The batch itself must be a list; its members are judged one by one when applied."""
    if not isinstance(operations, list):
        raise ValidationError(field, f"must be a list of operation objects, got {type(operations).__name__}")
    return operations


def apply_operations(structured_doc: dict[str, Any] | None, content: str, operations: list[Any]) -> OperationsOutcome:
    """Apply ``operations`` in order to copies of ``structured_doc`` and ``content``.

    The inputs are never mutated and the outcome shares no object with them or with the
    operations, so a store can keep the result and hand the report to the caller as they are.
    A document that was ``None`` becomes an object the first time an operation writes into it,
    and stays ``None`` if the batch leaves it empty.
    """
    document = copy.deepcopy(structured_doc)
    text = content
    applied: list[Any] = []
    skipped: list[dict[str, Any]] = []
    for operation in check_operations(operations):
        record = copy.deepcopy(operation)
        try:
            document, text = _apply_one(operation, document, text)
        except _Skip as skip:
            skipped.append({"op": record, "reason": str(skip)})
        else:
            applied.append(record)
    if structured_doc is None and not document:
        document = None
    changed = document != structured_doc or text != content
    return OperationsOutcome(document, text, applied, skipped, changed)


def _apply_one(operation: Any, document: dict[str, Any] | None, content: str) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(operation, dict):
        raise _Skip(f"an operation must be an object, got {type(operation).__name__}")
    kind = operation.get("op")
    if kind is None:
        raise _Skip(f"missing 'op'; use one of {', '.join(OPERATION_KINDS)}")
    if kind not in OPERATION_KINDS:
        raise _Skip(f"unknown op {kind!r}; use one of {', '.join(OPERATION_KINDS)}")
    if kind in _NEEDS_VALUE and "value" not in operation:
        raise _Skip(f"'{kind}' needs a 'value'")
    if kind == "set_content":
        return document, _content(operation["value"])
    path = operation.get("path")
    if kind == "delete":
        parent, key = _locate({} if document is None else document, path, create=False)
        del parent[key]
        return document, content
    root = {} if document is None else document
    parent, key = _locate(root, path, create=True)
    value = copy.deepcopy(operation["value"])
    if kind == "set":
        parent[key] = value
    elif key not in parent:
        parent[key] = [value]
    elif isinstance(parent[key], list):
        parent[key].append(value)
    else:
        raise _Skip(f"cannot append to {path!r}: it holds a {type(parent[key]).__name__}, not a list")
    return root, content


def _locate(root: dict[str, Any], path: object, *, create: bool) -> tuple[dict[str, Any], str]:
    """The object that holds the path's last key, and that key.

    With ``create`` missing intermediate objects are made; without it the whole path, last key
    included, must exist. Nothing is created before a failure can still occur, because the only
    failure on the way is an existing non-object, and once one key was missing nothing follows.
    """
    if path is None:
        raise _Skip("missing 'path'")
    if not isinstance(path, str):
        raise _Skip(f"'path' must be a dot-separated string, got {type(path).__name__}")
    *parents, last = keys = path.split(".")
    if not all(keys):
        raise _Skip(f"path {path!r} has an empty key; write keys separated by single dots")
    node = root
    for depth, key in enumerate(parents, start=1):
        if key not in node and create:
            node[key] = {}
        if key not in node:
            raise _Skip(f"path {path!r} does not exist")
        if not isinstance(node[key], dict):
            reached = ".".join(keys[:depth])
            raise _Skip(f"{reached!r} holds a {type(node[key]).__name__}, not an object, so {path!r} is out of reach")
        node = node[key]
    if not create and last not in node:
        raise _Skip(f"path {path!r} does not exist")
    return node, last


def _content(value: object) -> str:
    try:
        return check_text(value, "value")
    except ValidationError as error:
        raise _Skip(f"'set_content' value {error.reason}") from None
