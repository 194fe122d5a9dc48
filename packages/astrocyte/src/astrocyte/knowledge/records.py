"""What a :class:`~astrocyte.spi.KnowledgeStore` keeps: adapters with their layers and vectors, artifacts, runs.

Plain frozen dataclasses of JSON-friendly values (strings, numbers, lists, dicts; vectors as lists
of floats), so every backend can store them as rows or documents and a server can serialise them.
Ids are UUID strings. A store never interprets ``contract`` or ``metadata``: they round-trip as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredLayer:
    """One step of an adapter: ``position`` counts from 1; ``contract`` is ``None`` on a final layer."""

    layer_id: str
    position: int
    title: str
    text: str
    contract: JsonObject | None = None


@dataclass(frozen=True, slots=True)
class AdapterVectors:
    """The dense vectors search compares a query with: the title, each activation pattern, the text."""

    title: list[float]
    text: list[float]
    patterns: list[list[float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredAdapter:
    """A knowledge adapter in one space. ``slug`` is unique per space; ``adapter_id`` everywhere."""

    adapter_id: str
    space_id: str
    slug: str
    slug_given: bool
    title: str
    layers: list[StoredLayer]
    vectors: AdapterVectors
    activation_patterns: list[str] = field(default_factory=list)
    reward_signal: str | None = None
    summary: str = ""
    version: str | None = None
    metadata: JsonObject = field(default_factory=dict)
    successes: int = 0
    failures: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdapterWrite:
    """One adapter to save; ``replacing`` names an adapter of the same space it replaces (a forced update)."""

    adapter: StoredAdapter
    replacing: str | None = None


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """A file attached to an adapter; ``name`` is a safe relative path, unique per adapter."""

    artifact_id: str
    adapter_id: str
    space_id: str
    name: str
    slug: str
    mime_type: str
    sha256: str
    content: bytes
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunState:
    """One walk through an adapter (``run_id`` is the execution id), persisted after every step.

    ``position`` is the layer the run waits on (1-based; ``layer_count + 1`` once every step is done).
    ``nonce`` and ``proof_hash`` are the open challenge: the next solution must echo both, and the
    hash of its evidence chained onto ``proof_hash`` becomes the next one. ``status`` is ``active``,
    ``completed`` (every step passed), ``blocked`` (retries used up) or ``rewarded``.
    """

    run_id: str
    adapter_id: str
    space_id: str
    principal: str
    position: int
    nonce: str
    proof_hash: str
    created_at: datetime
    expires_at: datetime
    status: str = "active"
    retries: int = 0
    proofs: list[str] = field(default_factory=list)
    outcome: str | None = None
    feedback: str | None = None


__all__ = ["AdapterVectors", "AdapterWrite", "JsonObject", "RunState", "StoredAdapter", "StoredArtifact", "StoredLayer"]
