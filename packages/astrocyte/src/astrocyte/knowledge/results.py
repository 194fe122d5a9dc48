"""What the knowledge API returns: frozen dataclasses of JSON values, ready for a CLI, REST or MCP.

Every result that asks the caller to do something next carries a :class:`NextCall`: the operation
to call (``forward``, ``reward``) and its arguments, so an agent never has to guess the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NextCall:
    """The call to make next: ``tool`` is a knowledge operation, ``args`` its keyword arguments."""

    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class AdapterSummary:
    uri: str
    adapter_id: str
    slug: str
    title: str
    space_id: str
    layer_count: int
    version: str | None = None
    replaced_uri: str | None = None
    forked_from: str | None = None


@dataclass(frozen=True)
class TrainResult:
    """The adapters a document (or several) produced; ``message`` says how many H1s gave how many."""

    adapters: list[AdapterSummary]
    message: str


@dataclass(frozen=True)
class ArtifactInfo:
    uri: str
    artifact_id: str
    adapter_uri: str
    name: str
    slug: str
    mime_type: str
    sha256: str
    size: int
    content: str | None = None


@dataclass(frozen=True)
class Choice:
    """One adapter ``activate`` found: ``score`` on the scale documented in :mod:`astrocyte.knowledge.search`."""

    uri: str
    title: str
    slug: str
    space_id: str
    score: float
    why: list[str]
    next_call: NextCall
    artifacts: list[ArtifactInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ActivateResult:
    query: str
    choices: list[Choice]
    threshold: float


@dataclass(frozen=True)
class Challenge:
    """What the next ``forward`` must echo: this ``nonce`` and ``proof_hash``, with the evidence."""

    nonce: str
    proof_hash: str
    contract_type: str
    instructions: str


@dataclass(frozen=True)
class LayerView:
    uri: str
    title: str
    text: str
    position: int
    layer_count: int
    contract: dict[str, Any] | None


@dataclass(frozen=True)
class ForwardResult:
    """One step of a run. ``accepted`` is ``None`` when the run just started, else whether the
    evidence passed; ``status`` is ``active``, ``completed`` or ``blocked``."""

    execution_id: str
    adapter_uri: str
    status: str
    message: str
    layer: LayerView | None
    challenge: Challenge | None
    next_call: NextCall
    accepted: bool | None = None
    proof_hash: str | None = None
    retries_left: int = 0
    expires_at: str = ""


@dataclass(frozen=True)
class RewardResult:
    execution_id: str
    adapter_uri: str
    outcome: str
    feedback: str | None
    successes: int
    failures: int


@dataclass(frozen=True)
class TuneResult:
    uri: str
    title: str
    layer_uris: list[str]


@dataclass(frozen=True)
class DeleteResult:
    uri: str
    title: str
    artifacts_deleted: int


@dataclass(frozen=True)
class SpaceInfo:
    space_id: str
    name: str
    kind: str
    writable: bool
    adapters: list[AdapterSummary]


__all__ = [
    "ActivateResult",
    "AdapterSummary",
    "ArtifactInfo",
    "Challenge",
    "Choice",
    "DeleteResult",
    "ForwardResult",
    "LayerView",
    "NextCall",
    "RewardResult",
    "SpaceInfo",
    "TrainResult",
    "TuneResult",
]
