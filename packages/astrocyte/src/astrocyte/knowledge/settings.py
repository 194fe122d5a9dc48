"""The ``knowledge:`` section of ``astrocyte.yaml``: spaces, thresholds, limits and run expiry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KnowledgeSettings(BaseModel):
    """How knowledge adapters are shared, found and run.

    - ``groups`` maps a group name to its member principals (``"*"``: everyone); members read and
      write the group space ``group:<name>``.
    - ``protected_spaces`` are readable by everyone and writable only by ``admins``: ``space:<name>``.
    - ``similarity_threshold``: training a title this close (cosine) to an adapter of the target
      space is refused unless ``force_update``.
    - ``activate_threshold``: the lowest score ``activate`` returns, on the scale of
      :mod:`astrocyte.knowledge.search` (1.0 = first in every search leg).
    - ``comment_relevance_threshold``: the cosine a ``comment`` answer needs with its step's text.
    - ``max_retries``: failed attempts a step allows; the last one blocks the run.
    - ``run_ttl_seconds``: a run not finished within this time expires.
    """

    model_config = ConfigDict(extra="forbid")

    default_principal: str = Field(default="local", min_length=1)
    admins: list[str] = Field(default_factory=list)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    protected_spaces: list[str] = Field(default_factory=lambda: ["shared"])
    similarity_threshold: float = Field(default=0.9, gt=0, le=1)
    activate_threshold: float = Field(default=0.15, ge=0, le=1)
    activate_limit: int = Field(default=5, ge=1, le=50)
    comment_relevance_threshold: float = Field(default=0.25, ge=0, le=1)
    max_retries: int = Field(default=3, ge=1)
    run_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    max_document_bytes: int = Field(default=256 * 1024, ge=1)
    max_line_bytes: int = Field(default=8192, ge=1)
    max_lines: int = Field(default=5000, ge=1)
    max_artifact_bytes: int = Field(default=1024 * 1024, ge=1)


__all__ = ["KnowledgeSettings"]
