"""Step contracts: what evidence a layer asks for, checked when the document is trained.

A contract is the object under the ``contract`` key of a step's ``json`` fence. Its ``type`` says
which evidence the agent must bring back (see :mod:`astrocyte.knowledge.evidence`): ``shell`` (a
command the agent ran), ``mcp`` (a tool it called), ``user_input`` (a person's confirmation) or
``comment`` (a written account). Unknown keys are kept, so a contract exports exactly as written.
"""

from __future__ import annotations

import copy
from typing import Any

from astrocyte.errors import ValidationError

CONTRACT_TYPES = ("shell", "mcp", "user_input", "comment")


def check_contract(value: object) -> dict[str, Any]:
    """A deep copy of ``value`` once it is a well-formed contract; a :class:`ValidationError` otherwise."""
    if not isinstance(value, dict):
        raise ValidationError("contract", "must be a JSON object with a 'type'")
    kind = value.get("type")
    if kind not in CONTRACT_TYPES:
        raise ValidationError(
            "contract.type", f"unknown contract type {kind!r}; use one of {', '.join(CONTRACT_TYPES)}"
        )
    block = value.get(kind, {})
    if not isinstance(block, dict):
        raise ValidationError(f"contract.{kind}", "must be a JSON object")
    if kind == "shell":
        _text(block, "cmd", "contract.shell.cmd")
        _positive(block, "timeout_seconds", "contract.shell.timeout_seconds")
    elif kind == "mcp":
        _text(block, "tool_name", "contract.mcp.tool_name")
        if "arguments" in block and not isinstance(block["arguments"], dict):
            raise ValidationError("contract.mcp.arguments", "must be a JSON object")
    elif kind == "user_input":
        if "prompt" in block and not isinstance(block["prompt"], str):
            raise ValidationError("contract.user_input.prompt", "must be a string")
    else:
        minimum = block.get("min_length", 0)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
            raise ValidationError("contract.comment.min_length", "must be a whole number of characters, 0 or more")
    if not isinstance(value.get("required", True), bool):
        raise ValidationError("contract.required", "must be true or false")
    return copy.deepcopy(value)


def _text(block: dict[str, Any], key: str, field: str) -> None:
    if not isinstance(block.get(key), str) or not block[key].strip():
        raise ValidationError(field, "is required and must be a non-empty string")


def _positive(block: dict[str, Any], key: str, field: str) -> None:
    if key in block and (isinstance(block[key], bool) or not isinstance(block[key], int | float) or block[key] <= 0):
        raise ValidationError(field, "must be a positive number of seconds")


__all__ = ["CONTRACT_TYPES", "check_contract"]
