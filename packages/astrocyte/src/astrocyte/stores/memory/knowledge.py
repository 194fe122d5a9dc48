"""The in-memory :class:`~astrocyte.spi.KnowledgeStore`: dictionaries, deep copies in and out."""

from __future__ import annotations

import copy
import dataclasses
import time
from datetime import datetime
from typing import ClassVar

from astrocyte.errors import Conflict
from astrocyte.knowledge.records import AdapterWrite, RunState, StoredAdapter, StoredArtifact
from astrocyte.stores.memory._health import healthy_since
from astrocyte.types import HealthStatus


class MemoryKnowledgeStore:
    """Adapters, artifacts and runs in process memory; lost when the process ends."""

    SPI_VERSION: ClassVar[int] = 1

    def __init__(self) -> None:
        self._adapters: dict[str, StoredAdapter] = {}
        self._artifacts: dict[str, StoredArtifact] = {}
        self._runs: dict[str, RunState] = {}
        self._revision = 0

    async def save_adapters(self, writes: list[AdapterWrite]) -> None:
        saved = (dict(self._adapters), dict(self._artifacts), self._revision)
        try:
            for write in writes:
                self._save(write.adapter, write.replacing)
        except BaseException:
            self._adapters, self._artifacts, self._revision = saved
            raise

    def _save(self, adapter: StoredAdapter, replacing: str | None) -> None:
        clash = next(
            (
                other
                for other in self._adapters.values()
                if other.space_id == adapter.space_id
                and other.slug == adapter.slug
                and other.adapter_id not in (adapter.adapter_id, replacing)
            ),
            None,
        )
        if clash is not None:
            raise Conflict(
                f"slug {adapter.slug!r} is taken in space {adapter.space_id!r}", existing=copy.deepcopy(clash)
            )
        previous = self._adapters.get(adapter.adapter_id)
        replaced = self._adapters.get(replacing) if replacing not in (None, adapter.adapter_id) else None
        counts = previous if previous is not None else replaced
        record = copy.deepcopy(adapter)
        if counts is not None:
            record = dataclasses.replace(record, successes=counts.successes, failures=counts.failures)
        else:
            record = dataclasses.replace(record, successes=0, failures=0)
        if replaced is not None and replaced.space_id == adapter.space_id:
            del self._adapters[replaced.adapter_id]
            for key, artifact in list(self._artifacts.items()):
                if artifact.adapter_id == replaced.adapter_id:
                    self._artifacts[key] = dataclasses.replace(artifact, adapter_id=adapter.adapter_id)
        self._adapters[adapter.adapter_id] = record
        self._revision += 1

    async def get_adapter(self, adapter_id: str) -> StoredAdapter | None:
        found = self._adapters.get(adapter_id)
        return copy.deepcopy(found)

    async def find_adapters(self, space_ids: list[str], *, slug: str | None = None) -> list[StoredAdapter]:
        wanted = set(space_ids)
        found = [
            adapter
            for adapter in self._adapters.values()
            if adapter.space_id in wanted and (slug is None or adapter.slug == slug)
        ]
        found.sort(key=lambda adapter: (adapter.space_id, adapter.adapter_id))
        return copy.deepcopy(found)

    async def adapter_of_layer(self, layer_id: str) -> StoredAdapter | None:
        for adapter in self._adapters.values():
            if any(layer.layer_id == layer_id for layer in adapter.layers):
                return copy.deepcopy(adapter)
        return None

    async def delete_adapter(self, adapter_id: str) -> bool:
        if self._adapters.pop(adapter_id, None) is None:
            return False
        self._revision += 1
        for key in [key for key, artifact in self._artifacts.items() if artifact.adapter_id == adapter_id]:
            del self._artifacts[key]
        return True

    async def record_outcome(self, adapter_id: str, *, success: bool) -> None:
        adapter = self._adapters.get(adapter_id)
        if adapter is not None:
            self._revision += 1
            self._adapters[adapter_id] = dataclasses.replace(
                adapter, successes=adapter.successes + success, failures=adapter.failures + (not success)
            )

    async def save_artifact(self, artifact: StoredArtifact) -> None:
        for other in self._artifacts.values():
            if (
                other.adapter_id == artifact.adapter_id
                and other.name == artifact.name
                and other.artifact_id != artifact.artifact_id
            ):
                raise Conflict(
                    f"artifact {artifact.name!r} already exists on this adapter", existing=copy.deepcopy(other)
                )
        self._artifacts[artifact.artifact_id] = copy.deepcopy(artifact)
        self._revision += 1

    async def list_artifacts(self, adapter_id: str) -> list[StoredArtifact]:
        found = [artifact for artifact in self._artifacts.values() if artifact.adapter_id == adapter_id]
        return copy.deepcopy(sorted(found, key=lambda artifact: artifact.name))

    async def find_artifacts(
        self, space_ids: list[str], *, artifact_id: str | None = None, slug: str | None = None
    ) -> list[StoredArtifact]:
        wanted = set(space_ids)
        found = [
            artifact
            for artifact in self._artifacts.values()
            if artifact.space_id in wanted
            and (artifact_id is None or artifact.artifact_id == artifact_id)
            and (slug is None or artifact.slug == slug)
        ]
        return copy.deepcopy(sorted(found, key=lambda artifact: (artifact.space_id, artifact.artifact_id)))

    async def save_run(self, run: RunState) -> None:
        self._runs[run.run_id] = copy.deepcopy(run)

    async def get_run(self, run_id: str) -> RunState | None:
        return copy.deepcopy(self._runs.get(run_id))

    async def delete_expired_runs(self, now: datetime) -> int:
        expired = [key for key, run in self._runs.items() if run.expires_at < now]
        for key in expired:
            del self._runs[key]
        return len(expired)

    async def revision(self) -> int:
        return self._revision

    async def health(self) -> HealthStatus:
        started = time.perf_counter()
        return healthy_since(started, f"in-memory knowledge store: {len(self._adapters)} adapters")


__all__ = ["MemoryKnowledgeStore"]
