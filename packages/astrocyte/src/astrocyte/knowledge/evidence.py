"""Checking the evidence an agent brings for one step, by contract type.

The server never executes anything: for a ``shell`` contract the agent ran the command and reports
its exit code (and output); the check is that the exit code is 0. ``mcp``: the tool named by the
contract was called (same ``tool_name``), it returned a ``result``, did not report
``success: false``, and was given at least the contract's ``arguments`` (a deep subset match).
``user_input``: a person confirmed (``confirmation`` true or a non-empty answer other than no).
``comment``: the text has at least ``min_length`` characters (default
:data:`DEFAULT_COMMENT_MIN_LENGTH`) and is about the step: the cosine of its embedding with the
step's text is at least ``knowledge.comment_relevance_threshold`` (default 0.25).

The proof hash chains each accepted evidence onto the previous hash with the full canonical JSON of
the evidence (sorted keys, nested objects included: the reference system emptied nested objects
before hashing, notes section 12).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from astrocyte.errors import ValidationError

DEFAULT_COMMENT_MIN_LENGTH = 10
_NEGATIVE_ANSWERS = frozenset({"no", "n", "false", "reject", "rejected", "declined", "cancel"})

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str


def genesis_hash(run_id: str) -> str:
    """The first link of a run's chain: its own, so no two runs share a chain."""
    return hashlib.sha256(f"astrocyte-run\n{run_id}".encode()).hexdigest()


def chain_hash(previous: str, nonce: str, evidence: dict[str, Any]) -> str:
    canonical = json.dumps(evidence, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{nonce}\n{canonical}".encode()).hexdigest()


async def check_evidence(
    contract: dict[str, Any], evidence: object, step_text: str, embed: Embed, relevance_threshold: float
) -> Verdict:
    """Whether ``evidence`` satisfies ``contract``; the reason says what was missing or wrong."""
    if not isinstance(evidence, dict):
        raise ValidationError("solution.evidence", "must be a JSON object")
    kind = contract["type"]
    block: dict[str, Any] = contract.get(kind, {})
    if kind == "shell":
        return _shell(evidence)
    if kind == "mcp":
        return _mcp(block, evidence)
    if kind == "user_input":
        return _user_input(evidence)
    return await _comment(block, evidence, step_text, embed, relevance_threshold)


def _shell(evidence: dict[str, Any]) -> Verdict:
    code = evidence.get("exit_code")
    if isinstance(code, bool) or not isinstance(code, int):
        return Verdict(False, "shell evidence needs the command's integer exit_code (run it and report it)")
    if code != 0:
        return Verdict(False, f"the command exited with {code}; it must exit with 0")
    return Verdict(True, "the command exited with 0")


def _mcp(block: dict[str, Any], evidence: dict[str, Any]) -> Verdict:
    wanted = block["tool_name"]
    if evidence.get("tool_name") != wanted:
        return Verdict(False, f"expected a call of tool {wanted!r}, got {evidence.get('tool_name')!r}")
    if evidence.get("result") is None:
        return Verdict(False, "mcp evidence needs the tool's result")
    if evidence.get("success") is False:
        return Verdict(False, "the tool call reported success: false")
    if "arguments" in block and not _subset(block["arguments"], evidence.get("arguments")):
        return Verdict(False, f"the tool must be called with at least these arguments: {block['arguments']!r}")
    return Verdict(True, f"tool {wanted!r} returned a result")


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(_subset, expected, actual))
    return bool(expected == actual and type(expected) is type(actual))


def _user_input(evidence: dict[str, Any]) -> Verdict:
    answer = evidence.get("confirmation")
    if answer is True or (
        isinstance(answer, str) and answer.strip() and answer.strip().casefold() not in _NEGATIVE_ANSWERS
    ):
        return Verdict(True, "the user confirmed")
    return Verdict(False, "user_input evidence needs the user's confirmation (true, or their answer)")


async def _comment(
    block: dict[str, Any], evidence: dict[str, Any], step_text: str, embed: Embed, threshold: float
) -> Verdict:
    text = evidence.get("text")
    if not isinstance(text, str):
        return Verdict(False, "comment evidence needs a 'text'")
    minimum = int(block.get("min_length", DEFAULT_COMMENT_MIN_LENGTH))
    if len(text.strip()) < minimum:
        return Verdict(False, f"the comment has {len(text.strip())} characters; at least {minimum} are needed")
    if not step_text.strip():
        return Verdict(True, "the comment is long enough")
    comment_vector, step_vector = (np.asarray(vector, dtype=np.float64) for vector in await embed([text, step_text]))
    norms = float(np.linalg.norm(comment_vector) * np.linalg.norm(step_vector))
    relevance = float(comment_vector @ step_vector) / norms if norms else 0.0
    if relevance < threshold:
        return Verdict(False, f"the comment is not about this step (relevance {relevance:.2f} < {threshold:.2f})")
    return Verdict(True, f"the comment is long enough and relevant ({relevance:.2f})")


__all__ = ["Verdict", "chain_hash", "check_evidence", "genesis_hash"]
