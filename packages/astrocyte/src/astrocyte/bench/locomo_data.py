"""Reading a file in the LoCoMo format: samples of dated dialog sessions and evidence-labelled questions.

The shape and the retrieval protocol are those of the LoCoMo benchmark (Maharana et al., ACL 2024):
each turn becomes one memory ``"{speaker}: {text}"`` (plus ``" [image: {caption}]"`` when the turn
shared an image), dated by its session. Evidence ids in the published data are not always well
formed (``D:11:26``, ``D30:05``, several ids in one string); they are normalised to
``D{session}:{turn}`` without leading zeros, ids naming no turn are dropped, and questions left with
no evidence are skipped. Only categories 1-4 are kept (5, adversarial, has no evidence to find).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from astrocyte.errors import ValidationError

#: The categories as the data and the paper number them; 5 (adversarial) is not a retrieval task.
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}

_EVIDENCE = re.compile(r"D\D*(\d+)\D+(\d+)")
_SESSION_KEY = re.compile(r"session_(\d+)$")


@dataclass(frozen=True)
class Turn:
    dia_id: str
    session: int
    speaker: str
    text: str
    occurred_at: datetime | None


@dataclass(frozen=True)
class Question:
    text: str
    category: int
    evidence: tuple[str, ...]

    @property
    def sessions(self) -> frozenset[int]:
        return frozenset(session_of(dia_id) for dia_id in self.evidence)


@dataclass(frozen=True)
class Sample:
    sample_id: str
    turns: list[Turn]
    questions: list[Question]


def session_of(dia_id: str) -> int:
    return int(dia_id[1:].split(":")[0])


def load(path: Path) -> list[Sample]:
    """Every sample of the file at ``path``; a malformed file raises ValidationError naming the place."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError("data", f"no file at {path}; pass the path of a LoCoMo-format JSON file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError("data", f"{path} is not JSON: {exc}") from None
    if not isinstance(raw, list):
        raise ValidationError("data", "must be a JSON list of samples (the LoCoMo format)")
    return [_sample(entry, index) for index, entry in enumerate(raw)]


def _sample(entry: Any, index: int) -> Sample:
    where = f"data[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("conversation"), dict):
        raise ValidationError(f"{where}.conversation", "is missing: each sample needs a conversation object")
    conversation: dict[str, Any] = entry["conversation"]
    turns: list[Turn] = []
    for key in sorted((key for key in conversation if _SESSION_KEY.match(key)), key=_session_number):
        session = _session_number(key)
        occurred_at = parse_session_date(conversation.get(f"{key}_date_time"))
        for position, turn in enumerate(conversation[key] or []):
            turns.append(_turn(turn, session, occurred_at, f"{where}.conversation.{key}[{position}]"))
    known = {turn.dia_id for turn in turns}
    questions = [question for question in map(lambda qa: _question(qa, known), entry.get("qa") or []) if question]
    return Sample(str(entry.get("sample_id", f"sample-{index}")), turns, questions)


def _session_number(key: str) -> int:
    found = _SESSION_KEY.match(key)
    assert found is not None  # callers pass matching keys only
    return int(found.group(1))


def _turn(turn: Any, session: int, occurred_at: datetime | None, where: str) -> Turn:
    if not isinstance(turn, dict) or not all(isinstance(turn.get(key), str) for key in ("speaker", "dia_id", "text")):
        raise ValidationError(where, "each turn needs string speaker, dia_id and text")
    dia_id = normalise_evidence(turn["dia_id"])
    if not dia_id:
        raise ValidationError(f"{where}.dia_id", f"{turn['dia_id']!r} is not of the form D<session>:<turn>")
    text = f"{turn['speaker']}: {turn['text']}"
    caption = turn.get("blip_caption")
    if isinstance(caption, str) and caption.strip():
        text += f" [image: {caption}]"
    return Turn(dia_id[0], session, turn["speaker"], text, occurred_at)


def _question(qa: Any, known: set[str]) -> Question | None:
    if not isinstance(qa, dict) or qa.get("category") not in CATEGORIES or not isinstance(qa.get("question"), str):
        return None
    found: list[str] = []
    for raw in qa.get("evidence") or []:
        found.extend(normalise_evidence(str(raw)))
    evidence = tuple(dict.fromkeys(dia_id for dia_id in found if dia_id in known))
    return Question(qa["question"], int(qa["category"]), evidence) if evidence else None


def normalise_evidence(raw: str) -> list[str]:
    """Every ``D{session}:{turn}`` named in ``raw``, leading zeros dropped (``D30:05`` -> ``D30:5``)."""
    return [f"D{int(session)}:{int(turn)}" for session, turn in _EVIDENCE.findall(raw)]


def parse_session_date(value: object) -> datetime | None:
    """``"1:56 pm on 8 May, 2023"`` as an aware UTC datetime; ``None`` when absent or unreadable."""
    if not isinstance(value, str):
        return None
    for pattern in ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
