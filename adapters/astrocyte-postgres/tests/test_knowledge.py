"""Knowledge through the engine with every store on PostgreSQL: train, activate, run, reward, share.

Two engines on one schema stand in for two processes: what one writes, the other's search sees
(the shared revision tells it its index is stale), including outcome counts and deletions.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from astrocyte.discovery import ProviderKind
from astrocyte.engine import Astrocyte
from astrocyte.errors import Conflict, ValidationError
from astrocyte.knowledge.records import AdapterWrite
from astrocyte.knowledge.results import ForwardResult
from astrocyte.testing.contracts.knowledge_store import make_adapter
from astrocyte_postgres.knowledge import PostgresKnowledgeStore

from ._engine_scenarios import Server, config_for, drop_schemas
from .conftest import fresh_schema

SETTINGS = {"default_principal": "ana", "groups": {"ops": ["ana", "bob"]}}


def _contract(contract: dict[str, Any]) -> str:
    return "```json\n" + json.dumps({"contract": contract}) + "\n```"


ROTATE = (
    "# Rotate database credentials\n"
    "Credentials of the application database are rotated every quarter.\n"
    "## Activation Patterns\n- the database password expired\n- renew the DB credentials\n"
    "## Create the new user\nCreate a login role for the application database.\n"
    + _contract({"type": "shell", "shell": {"cmd": "psql -c 'select 1'"}})
    + "\n## Confirm with the owner\nAsk the owner whether the application reconnected.\n"
    + _contract({"type": "user_input", "user_input": {"prompt": "Did the app reconnect?"}})
    + "\n## Reward Signal\nThe app connects with the new user.\n"
)
BREAD = (
    "# Bake a sourdough loaf\n## Activation Patterns\n- bread with a starter\n"
    "## Feed the starter\nFeed flour and water twelve hours ahead.\n"
    + _contract({"type": "user_input", "user_input": {"prompt": "Is the starter bubbly?"}})
    + "\n"
)


@pytest.fixture(scope="module", autouse=True)
def _server(pg_dsn: str) -> None:
    Server.dsn = pg_dsn


@pytest.fixture
async def config(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Every store kind on postgres in the test's own schema, dropped afterwards."""
    yield config_for(tmp_path, knowledge=SETTINGS)
    await drop_schemas()


async def _run_through(engine: Astrocyte, uri: str, evidences: list[dict[str, Any]]) -> ForwardResult:
    """Start a run of the adapter at ``uri`` and hand in ``evidences``, one a step, each accepted."""
    step = await engine.knowledge.forward(uri)
    for evidence in evidences:
        assert step.layer is not None
        assert step.challenge is not None
        solution = {"nonce": step.challenge.nonce, "proof_hash": step.challenge.proof_hash, "evidence": evidence}
        step = await engine.knowledge.forward(step.layer.uri, execution_id=step.execution_id, solution=solution)
        assert step.accepted is True, step.message
    return step


async def test_adapters_are_trained_activated_run_and_rewarded_on_postgres(config: dict[str, Any]) -> None:
    async with Astrocyte.from_config_dict(config) as engine:
        assert isinstance(engine.providers[ProviderKind.KNOWLEDGE_STORE], PostgresKnowledgeStore)
        trained = await engine.knowledge.train([ROTATE, BREAD])
        assert [adapter.slug for adapter in trained.adapters] == [
            "rotate-database-credentials",
            "bake-a-sourdough-loaf",
        ]
        rotate = trained.adapters[0]
        await engine.knowledge.attach(rotate.uri, "scripts/rotate.sh", "#!/bin/sh\npsql -c 'alter role app'\n")
        found = await engine.knowledge.activate("the database password expired")
        top = found.choices[0]
        assert (top.uri, top.title, top.space_id) == (rotate.uri, "Rotate database credentials", "user:ana")
        assert [artifact.name for artifact in top.artifacts] == ["scripts/rotate.sh"]
        done = await _run_through(engine, rotate.uri, [{"exit_code": 0, "stdout": "1"}, {"confirmation": True}])
        assert (done.status, done.next_call.tool) == ("completed", "reward")
        with pytest.raises(ValidationError, match="feedback"):  # refused before anything is counted
            await engine.knowledge.reward(done.execution_id, "success", "smooth\x00")
        rewarded = await engine.knowledge.reward(done.execution_id, "success", "smooth")
        assert (rewarded.successes, rewarded.failures) == (1, 0)
        edited = ROTATE.replace("login role", "login role with a strong password")
        replaced = (await engine.knowledge.train(edited, force_update=True)).adapters[0]
        assert replaced.replaced_uri == rotate.uri
        kept = await engine.knowledge.store.get_adapter(replaced.adapter_id)
        assert kept is not None
        assert (kept.successes, kept.failures) == (1, 0)
        assert "strong password" in kept.layers[0].text
        [artifact] = await engine.knowledge.artifacts(replaced.uri, include_content=True)
        assert artifact.content == "#!/bin/sh\npsql -c 'alter role app'\n"


async def test_a_second_engine_on_the_schema_sees_every_write(config: dict[str, Any]) -> None:
    async with Astrocyte.from_config_dict(config) as reader, Astrocyte.from_config_dict(config) as writer:
        assert (await reader.knowledge.activate("sourdough starter", space="ops")).choices == []
        trained = (await writer.knowledge.train(BREAD, space="ops", principal="bob")).adapters[0]
        seen = await reader.knowledge.activate("sourdough starter", space="ops")
        assert [choice.uri for choice in seen.choices] == [trained.uri]
        done = await _run_through(reader, trained.uri, [{"confirmation": True}])
        await reader.knowledge.reward(done.execution_id, "success")
        counted = await writer.knowledge.store.get_adapter(trained.adapter_id)
        assert counted is not None
        assert counted.successes == 1
        await writer.knowledge.delete(trained.uri, principal="bob")
        assert (await reader.knowledge.activate("sourdough starter", space="ops")).choices == []


async def test_writers_claiming_one_slug_at_once_get_one_save_and_conflicts(pg_dsn: str) -> None:
    """Saves on connections of their own take turns at the revision row, so the later sees the slug taken."""
    store = PostgresKnowledgeStore(pg_dsn, fresh_schema("knowledge"))
    try:
        space = f"team:{uuid.uuid4().hex}"
        before = await store.revision()
        claims = [make_adapter(space, "rotate", title=f"Rotate {index}") for index in range(4)]
        outcomes = await asyncio.gather(
            *(store.save_adapters([AdapterWrite(adapter)]) for adapter in claims), return_exceptions=True
        )
        assert sum(outcome is None for outcome in outcomes) == 1
        assert all(isinstance(outcome, Conflict) for outcome in outcomes if outcome is not None)
        [saved] = await store.find_adapters([space])
        assert saved.adapter_id in {adapter.adapter_id for adapter in claims}
        assert await store.revision() == before + 1  # a refused save leaves no bump behind
    finally:
        await store.close()
