"""Contract suite for :class:`astrocyte.spi.KnowledgeStore`: adapters, artifacts and runs, scoped by space.

Every scenario uses spaces and ids unique to it, so a store shared between tests (a database
server) passes as well as a fresh one. Vector components are multiples of 1/4, which float32 and
every vector column hold exactly.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astrocyte.errors import Conflict
from astrocyte.knowledge.records import (
    AdapterVectors,
    AdapterWrite,
    RunState,
    StoredAdapter,
    StoredArtifact,
    StoredLayer,
)
from astrocyte.spi import KnowledgeStore
from astrocyte.testing.contracts._support import StoreContractSuite

_WHEN = datetime(2024, 6, 1, 8, 30, 0, tzinfo=UTC)


def _id() -> str:
    return str(uuid.uuid4())


def make_adapter(space_id: str, slug: str, *, title: str = "Rotate credentials", patterns: int = 2) -> StoredAdapter:
    """A complete adapter with two layers and ``patterns`` activation patterns, each field set."""
    return StoredAdapter(
        adapter_id=_id(),
        space_id=space_id,
        slug=slug,
        slug_given=False,
        title=title,
        layers=[
            StoredLayer(
                _id(), 1, "Create the user", "Run `createuser` — ✓", {"type": "shell", "shell": {"cmd": "true"}}
            ),
            StoredLayer(_id(), 2, "Tell the team", "Post in the channel.", None),
        ],
        vectors=AdapterVectors(
            title=[0.5, 0.25, 0.0, -0.75],
            text=[0.0, 1.0, 0.0, 0.0],
            patterns=[[0.25 * index, 0.5, 0.0, 1.0] for index in range(patterns)],
        ),
        activation_patterns=[f"pattern **{index}**" for index in range(patterns)],
        reward_signal="The app connects.",
        summary="Why and when.",
        version="1.2.0",
        metadata={"owner": "ops", "tags": ["db", "security"], "level": 3},
        created_at=_WHEN,
        updated_at=_WHEN,
    )


async def save(store: Any, adapter: StoredAdapter, replacing: str | None = None) -> None:
    """Save one adapter (``replacing`` another) through ``save_adapters``."""
    await store.save_adapters([AdapterWrite(adapter, replacing)])


def make_artifact(adapter: StoredAdapter, name: str = "scripts/rotate.sh") -> StoredArtifact:
    return StoredArtifact(
        artifact_id=_id(),
        adapter_id=adapter.adapter_id,
        space_id=adapter.space_id,
        name=name,
        slug=name.replace("/", "-").replace(".", "-"),
        mime_type="text/x-shellscript",
        sha256="0" * 64,
        content=b"#!/bin/sh\necho \xe2\x9c\x93\n",
        created_at=_WHEN,
    )


def make_run(adapter: StoredAdapter, expires_at: datetime) -> RunState:
    return RunState(
        run_id=_id(),
        adapter_id=adapter.adapter_id,
        space_id=adapter.space_id,
        principal="ana",
        position=2,
        nonce="ab" * 16,
        proof_hash="cd" * 32,
        created_at=_WHEN,
        expires_at=expires_at,
        retries=1,
        proofs=["ef" * 32],
    )


class KnowledgeStoreContract(StoreContractSuite):
    protocol = KnowledgeStore

    @pytest.fixture
    def space(self, bank_token: str) -> str:
        return f"user:{bank_token}"

    @pytest.fixture
    def other_space(self, bank_token: str) -> str:
        return f"group:{bank_token}"

    async def test_adapter_round_trips_every_field(self, store: Any, space: str) -> None:
        """A saved adapter reads back equal by id, by space and by each layer id, outcome counts at 0."""
        adapter = make_adapter(space, "rotate")
        await save(store, adapter)
        assert await store.get_adapter(adapter.adapter_id) == adapter
        assert await store.find_adapters([space]) == [adapter]
        assert await store.find_adapters([space], slug="rotate") == [adapter]
        for layer in adapter.layers:
            assert await store.adapter_of_layer(layer.layer_id) == adapter

    async def test_unknown_ids_read_as_nothing(self, store: Any, space: str) -> None:
        """Unknown adapter, layer, run ids and empty space lists give None / [] / False, never errors."""
        assert await store.get_adapter(_id()) is None
        assert await store.adapter_of_layer(_id()) is None
        assert await store.get_run(_id()) is None
        assert await store.delete_adapter(_id()) is False
        assert await store.find_adapters([]) == []
        assert await store.find_artifacts([]) == []
        assert await store.list_artifacts(_id()) == []

    async def test_spaces_never_see_each_other(self, store: Any, space: str, other_space: str) -> None:
        """find_adapters and find_artifacts return only the spaces asked for; the same slug may live in both."""
        mine, theirs = make_adapter(space, "same"), make_adapter(other_space, "same")
        await save(store, mine)
        await save(store, theirs)
        await store.save_artifact(make_artifact(theirs))
        assert await store.find_adapters([space]) == [mine]
        assert await store.find_adapters([space], slug="same") == [mine]
        assert await store.find_artifacts([space]) == []
        both = await store.find_adapters([space, other_space])
        assert sorted(adapter.adapter_id for adapter in both) == sorted([mine.adapter_id, theirs.adapter_id])
        assert [adapter.space_id for adapter in both] == sorted(adapter.space_id for adapter in both)

    async def test_a_taken_slug_conflicts_and_stores_nothing(self, store: Any, space: str) -> None:
        """A second adapter with a slug taken in the same space raises Conflict carrying the holder."""
        holder = make_adapter(space, "taken")
        await save(store, holder)
        intruder = make_adapter(space, "taken", title="Other")
        with pytest.raises(Conflict) as raised:
            await save(store, intruder)
        assert raised.value.existing == holder
        assert await store.get_adapter(intruder.adapter_id) is None
        assert await store.find_adapters([space]) == [holder]

    async def test_a_batch_is_saved_whole_or_not_at_all(self, store: Any, space: str) -> None:
        """save_adapters with a clashing slug anywhere in the batch stores none of the batch."""
        holder = make_adapter(space, "held")
        await save(store, holder)
        fine, clashing = make_adapter(space, "fine"), make_adapter(space, "held", title="Clash")
        with pytest.raises(Conflict):
            await store.save_adapters([AdapterWrite(fine), AdapterWrite(clashing)])
        assert await store.get_adapter(fine.adapter_id) is None
        assert await store.find_adapters([space]) == [holder]
        await store.save_adapters([])
        assert await store.find_adapters([space]) == [holder]

    async def test_update_keeps_outcome_counts(self, store: Any, space: str) -> None:
        """record_outcome counts; saving the adapter again keeps the store's counts, whatever the record says."""
        adapter = make_adapter(space, "counted")
        await save(store, adapter)
        await store.record_outcome(adapter.adapter_id, success=True)
        await store.record_outcome(adapter.adapter_id, success=True)
        await store.record_outcome(adapter.adapter_id, success=False)
        await save(store, dataclasses.replace(adapter, title="Renamed", successes=0, failures=9))
        found = await store.get_adapter(adapter.adapter_id)
        assert (found.title, found.successes, found.failures) == ("Renamed", 2, 1)

    async def test_replacing_moves_artifacts_and_counts_and_removes_the_old(self, store: Any, space: str) -> None:
        """Saving with replacing=old removes old and its layers, keeps its artifacts (now the new one's)
        and its counts, in one unit; the new adapter may reuse the old slug and layer ids."""
        old = make_adapter(space, "rotate")
        await save(store, old)
        artifact = make_artifact(old)
        await store.save_artifact(artifact)
        await store.record_outcome(old.adapter_id, success=True)
        new = dataclasses.replace(make_adapter(space, "rotate", title="Rotate credentials now"), layers=old.layers)
        await save(store, new, old.adapter_id)
        assert await store.get_adapter(old.adapter_id) is None
        saved = await store.get_adapter(new.adapter_id)
        assert saved == dataclasses.replace(new, successes=1)
        assert await store.adapter_of_layer(old.layers[0].layer_id) == saved
        assert await store.list_artifacts(new.adapter_id) == [dataclasses.replace(artifact, adapter_id=new.adapter_id)]
        assert await store.list_artifacts(old.adapter_id) == []

    async def test_replacing_never_reaches_another_space(self, store: Any, space: str, other_space: str) -> None:
        """replacing names an adapter of another space: that adapter stays untouched."""
        elsewhere = make_adapter(other_space, "rotate")
        await save(store, elsewhere)
        await store.save_artifact(make_artifact(elsewhere))
        new = make_adapter(space, "rotate")
        await save(store, new, elsewhere.adapter_id)
        assert await store.get_adapter(elsewhere.adapter_id) == elsewhere
        assert len(await store.list_artifacts(elsewhere.adapter_id)) == 1

    async def test_delete_removes_layers_and_artifacts(self, store: Any, space: str) -> None:
        """delete_adapter removes the adapter, its layer lookups and its artifacts, and says so once."""
        adapter = make_adapter(space, "doomed")
        await save(store, adapter)
        await store.save_artifact(make_artifact(adapter))
        assert await store.delete_adapter(adapter.adapter_id) is True
        assert await store.delete_adapter(adapter.adapter_id) is False
        assert await store.adapter_of_layer(adapter.layers[0].layer_id) is None
        assert await store.list_artifacts(adapter.adapter_id) == []
        assert await store.find_artifacts([space]) == []

    async def test_artifacts_round_trip_and_names_are_unique(self, store: Any, space: str) -> None:
        """Artifacts read back byte for byte, ordered by name; another artifact with a taken name conflicts,
        while saving the same id again replaces it."""
        adapter = make_adapter(space, "files")
        await save(store, adapter)
        second, first = make_artifact(adapter, "z.sh"), make_artifact(adapter, "a/b.py")
        await store.save_artifact(second)
        await store.save_artifact(first)
        assert await store.list_artifacts(adapter.adapter_id) == [first, second]
        with pytest.raises(Conflict):
            await store.save_artifact(make_artifact(adapter, "z.sh"))
        changed = dataclasses.replace(second, content=b"new", sha256="1" * 64)
        await store.save_artifact(changed)
        assert await store.list_artifacts(adapter.adapter_id) == [first, changed]
        assert await store.find_artifacts([space], artifact_id=first.artifact_id) == [first]
        assert await store.find_artifacts([space], slug=first.slug) == [first]

    async def test_runs_round_trip_and_expire(self, store: Any, space: str) -> None:
        """Runs read back equal; delete_expired_runs removes exactly those expired before ``now``."""
        adapter = make_adapter(space, "runs")
        now = datetime.now(UTC)
        expired, alive = make_run(adapter, now - timedelta(seconds=1)), make_run(adapter, now + timedelta(hours=1))
        await store.save_run(expired)
        await store.save_run(alive)
        assert await store.get_run(alive.run_id) == alive
        moved = dataclasses.replace(alive, position=3, status="completed", proofs=[*alive.proofs, "12" * 32])
        await store.save_run(moved)
        assert await store.get_run(alive.run_id) == moved
        assert await store.delete_expired_runs(now) >= 1
        assert await store.get_run(expired.run_id) is None
        assert await store.get_run(alive.run_id) == moved

    async def test_revision_moves_with_every_search_relevant_write(self, store: Any, space: str) -> None:
        """revision() grows after saving, rating, attaching to and deleting an adapter."""
        adapter = make_adapter(space, "revised")
        seen = [await store.revision()]
        await save(store, adapter)
        seen.append(await store.revision())
        await store.record_outcome(adapter.adapter_id, success=True)
        seen.append(await store.revision())
        await store.save_artifact(make_artifact(adapter))
        seen.append(await store.revision())
        await store.delete_adapter(adapter.adapter_id)
        seen.append(await store.revision())
        assert seen == sorted(set(seen))
