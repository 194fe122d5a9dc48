"""The summaries the knowledge API returns for stored records (adapter and artifact views)."""

from __future__ import annotations

from typing import Any

from astrocyte.knowledge import identity
from astrocyte.knowledge.records import StoredAdapter, StoredArtifact
from astrocyte.knowledge.results import AdapterSummary, ArtifactInfo


def summary(adapter: StoredAdapter, **extra: Any) -> AdapterSummary:
    return AdapterSummary(
        uri=identity.adapter_uri(adapter.slug),
        adapter_id=adapter.adapter_id,
        slug=adapter.slug,
        title=adapter.title,
        space_id=adapter.space_id,
        layer_count=len(adapter.layers),
        version=adapter.version,
        **extra,
    )


def artifact_info(artifact: StoredArtifact, adapter_slug: str, *, with_content: bool = False) -> ArtifactInfo:
    content = None
    if with_content:
        try:
            content = artifact.content.decode("utf-8")
        except UnicodeDecodeError:
            content = None
    return ArtifactInfo(
        uri=identity.artifact_uri(artifact.artifact_id),
        artifact_id=artifact.artifact_id,
        adapter_uri=identity.adapter_uri(adapter_slug),
        name=artifact.name,
        slug=artifact.slug,
        mime_type=artifact.mime_type,
        sha256=artifact.sha256,
        size=len(artifact.content),
        content=content,
    )


__all__ = ["artifact_info", "summary"]
