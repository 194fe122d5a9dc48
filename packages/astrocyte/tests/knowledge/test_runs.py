"""forward and reward: challenges, evidence per contract type, proof chains, retries, persistence, expiry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from astrocyte.engine import Astrocyte
from astrocyte.errors import AccessDenied, Conflict, NotFound, ValidationError
from astrocyte.knowledge.evidence import chain_hash, genesis_hash
from astrocyte.knowledge.results import ForwardResult

from .conftest import SETTINGS, document, sqlite_config

GOOD = [
    {"exit_code": 0, "stdout": "1"},
    {"tool_name": "deploy", "arguments": {"env": "prod", "dry_run": False}, "result": {"ok": True}},
    {"confirmation": True},
    {"text": "The application database connections now use the new user credentials."},
]


def solution(step: ForwardResult, evidence: dict[str, Any]) -> dict[str, Any]:
    assert step.challenge is not None
    return {"nonce": step.challenge.nonce, "proof_hash": step.challenge.proof_hash, "evidence": evidence}


async def hand_in(brain: Astrocyte, step: ForwardResult, evidence: dict[str, Any], **kwargs: Any) -> ForwardResult:
    assert step.layer is not None
    return await brain.knowledge.forward(
        step.layer.uri, execution_id=step.execution_id, solution=solution(step, evidence), **kwargs
    )


async def start(brain: Astrocyte) -> ForwardResult:
    trained = (await brain.knowledge.train(document())).adapters[0]
    return await brain.knowledge.forward(trained.uri)


async def test_a_whole_run_chains_proofs_and_ends_with_the_reward_call(brain: Astrocyte) -> None:
    step = await start(brain)
    assert (step.status, step.accepted, step.layer.position, step.layer.layer_count) == ("active", None, 1, 4)
    assert step.challenge is not None
    assert step.challenge.proof_hash == genesis_hash(step.execution_id)
    assert "never executes" in step.challenge.instructions
    assert "psql" in step.challenge.instructions
    assert step.next_call.tool == "forward"
    assert step.next_call.args["uri"] == step.layer.uri
    previous = step.challenge.proof_hash
    for position, evidence in enumerate(GOOD, start=1):
        nonce = step.challenge.nonce
        step = await hand_in(brain, step, evidence)
        assert step.accepted is True
        assert step.proof_hash == chain_hash(previous, nonce, evidence)
        previous = step.proof_hash
        if position < len(GOOD):
            assert step.challenge is not None
            assert step.challenge.proof_hash == previous
            assert step.challenge.nonce != nonce
    assert step.status == "completed"
    assert step.layer is None
    assert step.challenge is None
    assert step.next_call.tool == "reward"
    with pytest.raises(ValidationError, match="NUL") as raised:
        await brain.knowledge.reward(step.execution_id, "success", "smooth\x00")
    assert raised.value.field == "feedback"
    rewarded = await brain.knowledge.reward(step.execution_id, "success", "smooth")
    assert (rewarded.outcome, rewarded.successes, rewarded.failures) == ("success", 1, 0)


@pytest.mark.parametrize(
    ("position", "evidence", "reason"),
    [
        (1, {"exit_code": 2}, "exited with 2"),
        (1, {"stdout": "fine"}, "exit_code"),
        (1, {"exit_code": True}, "exit_code"),
        (2, {"tool_name": "rollback", "result": {}}, "expected a call of tool 'deploy'"),
        (2, {"tool_name": "deploy"}, "result"),
        (2, {"tool_name": "deploy", "result": {}, "success": False}, "success: false"),
        (2, {"tool_name": "deploy", "result": {}, "arguments": {"env": "staging"}}, "arguments"),
        (3, {"confirmation": False}, "confirmation"),
        (3, {"confirmation": "no"}, "confirmation"),
        (4, {"text": "too short"}, "at least 20"),
        (4, {"text": "Sourdough starter fed with rye flour before the weekend bake."}, "not about this step"),
    ],
)
async def test_wrong_evidence_is_refused_with_the_reason(
    brain: Astrocyte, position: int, evidence: dict[str, Any], reason: str
) -> None:
    step = await start(brain)
    for good in GOOD[: position - 1]:
        step = await hand_in(brain, step, good)
    refused = await hand_in(brain, step, evidence)
    assert (refused.accepted, refused.status, refused.retries_left) == (False, "active", 2)
    assert reason in refused.message
    assert refused.layer == step.layer
    assert refused.challenge == step.challenge
    accepted = await hand_in(brain, refused, GOOD[position - 1])
    assert accepted.accepted is True


async def test_a_wrong_nonce_or_proof_hash_is_refused(brain: Astrocyte) -> None:
    step = await start(brain)
    assert step.layer is not None
    forged = {"nonce": "0" * 32, "proof_hash": step.challenge.proof_hash, "evidence": GOOD[0]}
    refused = await brain.knowledge.forward(step.layer.uri, execution_id=step.execution_id, solution=forged)
    assert refused.accepted is False
    assert "nonce" in refused.message
    forged = {"nonce": step.challenge.nonce, "proof_hash": genesis_hash("another run"), "evidence": GOOD[0]}
    refused = await brain.knowledge.forward(step.layer.uri, execution_id=step.execution_id, solution=forged)
    assert refused.accepted is False
    assert "proof_hash" in refused.message


async def test_three_failures_block_the_run(brain: Astrocyte) -> None:
    step = await start(brain)
    for left in (2, 1):
        step = await hand_in(brain, step, {"exit_code": 1})
        assert (step.status, step.retries_left) == ("active", left)
    blocked = await hand_in(brain, step, {"exit_code": 1})
    assert (blocked.status, blocked.challenge, blocked.retries_left) == ("blocked", None, 0)
    assert blocked.next_call.tool == "reward"
    assert blocked.next_call.args["outcome"] == "failure"
    with pytest.raises(Conflict, match="blocked"):
        await hand_in(brain, step, GOOD[0])
    with pytest.raises(ValidationError, match="outcome"):
        await brain.knowledge.reward(blocked.execution_id, "success")
    result = await brain.knowledge.reward(blocked.execution_id, "failure", "psql missing")
    assert (result.successes, result.failures) == (0, 1)
    with pytest.raises(Conflict, match="already rewarded"):
        await brain.knowledge.reward(blocked.execution_id, "failure")


async def test_nonces_and_chains_belong_to_one_run(brain: Astrocyte) -> None:
    """Notes section 12 #6: proof state was kept per layer there, so one run passed another's gates."""
    first = await start(brain)
    second = await brain.knowledge.forward(first.adapter_uri)
    assert first.challenge is not None
    assert second.challenge is not None
    assert first.challenge.nonce != second.challenge.nonce
    assert first.challenge.proof_hash != second.challenge.proof_hash
    advanced = await hand_in(brain, first, GOOD[0])
    assert advanced.accepted
    assert advanced.layer is not None
    with pytest.raises(ValidationError, match="waits on step 1"):
        await brain.knowledge.forward(
            advanced.layer.uri, execution_id=second.execution_id, solution=solution(second, GOOD[1])
        )
    crossed = await brain.knowledge.forward(
        second.layer.uri, execution_id=second.execution_id, solution=solution(advanced, GOOD[0])
    )
    assert crossed.accepted is False


def test_the_proof_hash_covers_nested_evidence() -> None:
    """Notes section 12 #7: nested objects were emptied before hashing there."""
    one = chain_hash("p", "n", {"tool_name": "deploy", "result": {"ok": True}})
    other = chain_hash("p", "n", {"tool_name": "deploy", "result": {"ok": False}})
    assert one != other
    assert chain_hash("p", "n", {"b": 1, "a": {"y": 2, "x": 1}}) == chain_hash(
        "p", "n", {"a": {"x": 1, "y": 2}, "b": 1}
    )


async def test_only_the_starter_continues_and_rewards_a_run(brain: Astrocyte) -> None:
    trained = (await brain.knowledge.train(document(), space="ops")).adapters[0]
    step = await brain.knowledge.forward(f"astrocyte://adapter/{trained.adapter_id}")
    with pytest.raises(AccessDenied):
        await hand_in(brain, step, GOOD[0], principal="bob")
    with pytest.raises(AccessDenied):
        await brain.knowledge.reward(step.execution_id, "failure", principal="bob")


async def test_bad_forward_and_reward_calls_are_typed_errors(brain: Astrocyte) -> None:
    step = await start(brain)
    assert step.layer is not None
    with pytest.raises(ValidationError, match="solution"):
        await brain.knowledge.forward(step.adapter_uri, solution={"evidence": {}})
    with pytest.raises(ValidationError, match="solution"):
        await brain.knowledge.forward(step.layer.uri, execution_id=step.execution_id)
    with pytest.raises(NotFound):
        await brain.knowledge.forward(step.layer.uri, execution_id="no-such-run", solution=solution(step, GOOD[0]))
    with pytest.raises(ValidationError, match="evidence"):
        await brain.knowledge.forward(
            step.layer.uri, execution_id=step.execution_id, solution={**solution(step, GOOD[0]), "evidence": "ok"}
        )
    with pytest.raises(ValidationError, match="outcome"):
        await brain.knowledge.reward(step.execution_id, "great")
    with pytest.raises(ValidationError, match="has not passed"):
        await brain.knowledge.reward(step.execution_id, "success")


async def test_rewards_feed_the_ranking_boost(brain: Astrocyte) -> None:
    """Outcomes are counters beside the vectors: recording them leaves every search leg intact (notes
    section 12 #4: each quality update dropped the keyword vector there)."""
    await brain.knowledge.train([document(), document("Renew database credentials").replace("quarter", "year")])
    before = await brain.knowledge.activate("the database password expired")
    scores = {choice.title: choice.score for choice in before.choices}
    for _ in range(3):
        step = await brain.knowledge.forward("astrocyte://adapter/renew-database-credentials")
        for evidence in GOOD:
            step = await hand_in(brain, step, evidence)
        await brain.knowledge.reward(step.execution_id, "success")
    stored = await brain.knowledge.store.find_adapters(["user:ana"])
    assert all(len(adapter.vectors.patterns) == len(adapter.activation_patterns) for adapter in stored)
    after = await brain.knowledge.activate("the database password expired")
    boosted = {choice.title: choice for choice in after.choices}
    assert boosted["Renew database credentials"].score > scores["Renew database credentials"]
    assert any("3 of 3 runs succeeded" in reason for reason in boosted["Renew database credentials"].why)
    assert boosted["Rotate database credentials"].score == scores["Rotate database credentials"]


async def test_runs_resume_after_a_restart_and_expire(tmp_path: Path) -> None:
    config = sqlite_config(tmp_path / "k.db", run_ttl_seconds=1)
    async with Astrocyte.from_config_dict(config) as brain:
        step = await start(brain)
        step = await hand_in(brain, step, GOOD[0])
        quick = await brain.knowledge.forward(step.adapter_uri)
    async with Astrocyte.from_config_dict({**config, "knowledge": SETTINGS}) as reopened:
        resumed = await hand_in(reopened, step, GOOD[1])
        assert resumed.accepted is True
        assert resumed.layer is not None
        assert resumed.layer.position == 3
    await asyncio.sleep(1.1)
    async with Astrocyte.from_config_dict(config) as late:
        assert quick.layer is not None
        with pytest.raises(NotFound, match="expired"):
            await hand_in(late, quick, GOOD[0])
        await late.knowledge.forward(step.adapter_uri)  # starting a run sweeps expired ones away
        with pytest.raises(NotFound, match="no run"):
            await hand_in(late, quick, GOOD[0])


async def test_a_final_layer_without_contract_is_shown_with_the_reward_call(brain: Astrocyte) -> None:
    trained = await brain.knowledge.train(
        "# Tidy up\n## Clean\nRemove temp files.\n"
        '```json\n{"contract": {"type": "user_input"}}\n```\n## Tell the team\nPost a note in the channel.\n'
    )
    step = await brain.knowledge.forward(trained.adapters[0].uri)
    done = await hand_in(brain, step, {"confirmation": "yes, cleaned"})
    assert done.status == "completed"
    assert done.layer is not None
    assert done.layer.title == "Tell the team"
    assert done.challenge is None
    assert done.next_call.tool == "reward"
    assert (await brain.knowledge.reward(done.execution_id, "success")).successes == 1
