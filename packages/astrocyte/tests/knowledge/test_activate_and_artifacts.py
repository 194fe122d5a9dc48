"""activate (hybrid search, scores, spaces, freshness) and artifacts (checks, listing, lookups)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from astrocyte.engine import Astrocyte, SyncAstrocyte
from astrocyte.errors import CapabilityNotSupported, Conflict, NotFound, ValidationError
from astrocyte.knowledge.search import TITLE_BOOST

from .conftest import OTHER, SETTINGS, document, sqlite_config


async def test_a_choice_says_what_matched_and_what_to_call(brain: Astrocyte) -> None:
    trained = await brain.knowledge.train([document(), OTHER])
    found = await brain.knowledge.activate("the database password expired")
    top = found.choices[0]
    assert (top.uri, top.title, top.space_id) == (trained.adapters[0].uri, "Rotate database credentials", "user:ana")
    assert 0 < top.score <= 1
    assert any(reason.startswith("activation pattern 'the database password expired'") for reason in top.why)
    assert any(reason.startswith("keywords:") for reason in top.why)
    assert top.next_call.tool == "forward"
    assert top.next_call.args == {"uri": f"astrocyte://adapter/{trained.adapters[0].adapter_id}"}
    assert len({choice.uri for choice in found.choices}) == len(found.choices)


async def test_scores_are_on_a_zero_to_one_scale_with_a_threshold(brain: Astrocyte) -> None:
    """Notes section 12 #14: raw RRF units and an unset k there; here 1.0 = first in every leg."""
    await brain.knowledge.train([document(), OTHER])
    exact = await brain.knowledge.activate("Rotate database credentials", threshold=0.0)
    assert exact.choices[0].score == 1.0
    assert "the query is the title" in exact.choices[0].why
    everything = await brain.knowledge.activate("flour water starter", threshold=0.0)
    assert all(0 < choice.score <= 1 for choice in everything.choices)
    strict = await brain.knowledge.activate("flour water starter", threshold=0.99)
    assert strict.choices == []
    assert strict.threshold == 0.99
    assert TITLE_BOOST > 0
    with pytest.raises(ValidationError, match="threshold"):
        await brain.knowledge.activate("x", threshold=1.5)
    with pytest.raises(ValidationError, match="limit"):
        await brain.knowledge.activate("x", limit=0)
    with pytest.raises(ValidationError, match="query"):
        await brain.knowledge.activate("  ")


async def test_search_reads_readable_spaces_only_and_one_space_on_request(brain: Astrocyte) -> None:
    await brain.knowledge.train(document(), space="ops")
    await brain.knowledge.train(OTHER)
    assert [choice.space_id for choice in (await brain.knowledge.activate("database password")).choices][:1] == [
        "group:ops"
    ]
    only_personal = await brain.knowledge.activate("database password", space="personal")
    assert all(choice.space_id == "user:ana" for choice in only_personal.choices)
    outsider = await brain.knowledge.activate("database password", principal="carol")
    assert outsider.choices == []
    with pytest.raises(NotFound):
        await brain.knowledge.activate("database password", space="ops", principal="carol")


async def test_a_write_by_another_engine_is_seen_at_once(tmp_path: Path) -> None:
    """Notes section 12 #16: caches there were invalidated per writer, so others saw stale results."""
    config = sqlite_config(tmp_path / "k.db")
    async with Astrocyte.from_config_dict(config) as reader, Astrocyte.from_config_dict(config) as writer:
        assert (await reader.knowledge.activate("sourdough starter", space="ops")).choices == []
        await writer.knowledge.train(OTHER, space="ops", principal="bob")
        seen = await reader.knowledge.activate("sourdough starter", space="ops")
        assert [choice.title for choice in seen.choices] == ["Bake a sourdough loaf"]
        await writer.knowledge.delete(seen.choices[0].next_call.args["uri"], principal="bob")
        assert (await reader.knowledge.activate("sourdough starter", space="ops")).choices == []


async def test_attach_checks_and_records_the_file(brain: Astrocyte) -> None:
    trained = (await brain.knowledge.train(document())).adapters[0]
    script = "#!/bin/sh\npsql -c 'alter role app password :new'\n"
    info = await brain.knowledge.attach(trained.uri, "scripts/rotate.sh", script)
    assert (info.name, info.mime_type, info.size) == ("scripts/rotate.sh", "text/x-shellscript", len(script))
    assert info.sha256 == hashlib.sha256(script.encode()).hexdigest()
    assert info.uri == f"astrocyte://artifact/{info.artifact_id}"
    assert info.adapter_uri == trained.uri
    config = await brain.knowledge.attach(trained.uri, "app.conf", b"user=app", mime_type="text/plain")
    listed = await brain.knowledge.artifacts(trained.uri)
    assert [item.name for item in listed] == ["app.conf", "scripts/rotate.sh"]
    [one] = await brain.knowledge.artifacts(info.uri, include_content=True)
    assert one.content == script
    [by_slug] = await brain.knowledge.artifacts("astrocyte://artifact/scripts-rotate-sh")
    assert by_slug.artifact_id == info.artifact_id
    found = await brain.knowledge.activate("the database password expired")
    assert {item.name for item in found.choices[0].artifacts} == {"app.conf", "scripts/rotate.sh"}
    assert config.mime_type == "text/plain"


async def test_attach_refuses_unsafe_names_types_sizes_and_duplicates(brain: Astrocyte) -> None:
    trained = (await brain.knowledge.train(document())).adapters[0]
    for name in ("/etc/passwd", "../up.sh", "a/../b.sh", "a//b.sh", "dir\\x.sh", "", "a/./b.sh"):
        with pytest.raises(ValidationError, match="name"):
            await brain.knowledge.attach(trained.uri, name, "x")
    with pytest.raises(ValidationError, match="mime_type"):
        await brain.knowledge.attach(trained.uri, "tool.exe", b"MZ")
    with pytest.raises(ValidationError, match="mime_type"):
        await brain.knowledge.attach(trained.uri, "x.sh", "x", mime_type="application/x-msdownload")
    with pytest.raises(ValidationError, match="limit"):
        await brain.knowledge.attach(trained.uri, "big.txt", "x" * (1024 * 1024 + 1))
    first = await brain.knowledge.attach(trained.uri, "run.py", "print(1)")
    with pytest.raises(Conflict, match="replace=True"):
        await brain.knowledge.attach(trained.uri, "run.py", "print(2)")
    replaced = await brain.knowledge.attach(trained.uri, "run.py", "print(2)", replace=True)
    assert replaced.artifact_id == first.artifact_id
    assert replaced.sha256 != first.sha256
    assert await brain.knowledge.store.find_artifacts(["user:ana"]) != []


async def test_an_artifact_slug_in_two_spaces_is_ambiguous(brain: Astrocyte) -> None:
    mine = (await brain.knowledge.train(document())).adapters[0]
    shared = (await brain.knowledge.train(document(), space="ops")).adapters[0]
    await brain.knowledge.attach(mine.uri, "run.sh", "echo 1")
    await brain.knowledge.attach(f"astrocyte://adapter/{shared.adapter_id}", "run.sh", "echo 2")
    with pytest.raises(Conflict, match="names 2 artifacts"):
        await brain.knowledge.artifacts("astrocyte://artifact/run-sh")
    with pytest.raises(NotFound):
        await brain.knowledge.artifacts("astrocyte://artifact/missing")


def test_the_blocking_facade_has_the_same_knowledge_api() -> None:
    with SyncAstrocyte.from_config_dict({"profile": "memory", "knowledge": SETTINGS}) as brain:
        trained = brain.knowledge.train(document())
        found = brain.knowledge.activate("the database password expired")
        assert found.choices[0].uri == trained.adapters[0].uri
        step = brain.knowledge.forward(found.choices[0].next_call.args["uri"])
        assert step.status == "active"
        assert "# Rotate database credentials" in brain.knowledge.export(trained.adapters[0].uri)
        assert brain.knowledge.spaces()[0].space_id == "user:ana"
        brain.knowledge.attach(trained.adapters[0].uri, "a.sh", "echo")
        assert len(brain.knowledge.artifacts(trained.adapters[0].uri)) == 1
        brain.knowledge.tune(trained.adapters[0].uri, document())
        assert brain.knowledge.reward(step.execution_id, "failure").failures == 1
        assert brain.knowledge.delete(trained.adapters[0].uri).artifacts_deleted == 1


async def test_without_a_knowledge_store_the_api_says_what_to_configure() -> None:
    async with Astrocyte.from_config_dict({"embedding_provider": "hashing", "vector_store": "memory"}) as brain:
        with pytest.raises(CapabilityNotSupported, match="knowledge_store"):
            await brain.knowledge.activate("anything")
