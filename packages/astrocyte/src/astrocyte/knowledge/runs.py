"""Runs: walking an agent through an adapter one layer at a time, checking each step's evidence.

``forward(adapter URI)`` starts a run: a random execution id, its own genesis hash and a fresh nonce
for the first step. Each ``forward(layer URI, execution_id, solution)`` must echo the open
challenge's ``nonce`` and ``proof_hash`` with the evidence; accepted evidence is chained into the
next proof hash and the run moves on with a new nonce. A step allows ``knowledge.max_retries``
failed attempts; the last one blocks the run. Nonces, hashes and counters belong to the run (the
reference system kept them per layer, so one run's proofs leaked into the next, notes section 12),
and the run is saved after every step, so it resumes after a restart until it expires.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from astrocyte.errors import AccessDenied, Conflict, NotFound, ValidationError
from astrocyte.knowledge import identity
from astrocyte.knowledge.evidence import chain_hash, check_evidence, genesis_hash
from astrocyte.knowledge.records import RunState, StoredAdapter, StoredLayer
from astrocyte.knowledge.results import Challenge, ForwardResult, LayerView, NextCall, RewardResult
from astrocyte.knowledge.settings import KnowledgeSettings
from astrocyte.knowledge.spaces import SpaceAccess
from astrocyte.spi import EmbeddingProvider, KnowledgeStore
from astrocyte.validation import check_text

OUTCOMES = ("success", "failure")

_INSTRUCTIONS = {
    "shell": "Run this command yourself (the server never executes it) and report "
    '{"exit_code": <int>, "stdout": "...", "stderr": "..."}: ',
    "mcp": 'Call this MCP tool and report {"tool_name": ..., "arguments": {...}, "result": ...}: ',
    "user_input": 'Ask the user to confirm and report {"confirmation": true} or their answer: ',
    "comment": 'Write what you did in this step and report {"text": "..."}; at least this many characters: ',
}

Resolve = Callable[..., Awaitable[StoredAdapter]]


class RunEngine:
    """``forward`` and ``reward`` over the store's persisted runs."""

    def __init__(
        self,
        store: KnowledgeStore,
        embedder: EmbeddingProvider,
        settings: KnowledgeSettings,
        resolve: Resolve,
        access: Callable[[str | None], SpaceAccess],
    ) -> None:
        self.store, self.embedder, self.settings = store, embedder, settings
        self._resolve, self._access = resolve, access

    async def forward(
        self, uri: str, *, execution_id: str | None, solution: dict[str, Any] | None, principal: str | None
    ) -> ForwardResult:
        access = self._access(principal)
        if execution_id is None:
            if solution is not None:
                raise ValidationError("solution", "a run starts without a solution; pass execution_id to hand one in")
            return await self._start(uri, access)
        if solution is None:
            raise ValidationError("solution", 'give {"nonce", "proof_hash", "evidence"} for the current step')
        return await self._step(uri, execution_id, solution, access)

    async def _start(self, uri: str, access: SpaceAccess) -> ForwardResult:
        adapter = await self._resolve(uri, access)
        now = datetime.now(UTC)
        await self.store.delete_expired_runs(now)
        run_id = str(uuid.uuid4())
        run = RunState(
            run_id=run_id,
            adapter_id=adapter.adapter_id,
            space_id=adapter.space_id,
            principal=access.principal,
            position=1,
            nonce=secrets.token_hex(16),
            proof_hash=genesis_hash(run_id),
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.run_ttl_seconds),
        )
        run = _settled(run, adapter)
        await self.store.save_run(run)
        return self._view(run, adapter, accepted=None, message=f"started '{adapter.title}'")

    async def _step(self, uri: str, execution_id: str, solution: dict[str, Any], access: SpaceAccess) -> ForwardResult:
        parsed = identity.parse_uri(uri, kinds=("layer",))
        run = await self._run(execution_id, access)
        adapter = await self.store.get_adapter(run.adapter_id)
        if adapter is None:
            raise NotFound(f"execution_id: the adapter of run {execution_id!r} was deleted")
        if run.status != "active":
            raise Conflict(_closed_message(run), existing=run.status)
        if run.position > len(adapter.layers):
            raise Conflict(f"the adapter of run {execution_id!r} lost steps since the run started; start again")
        layer = adapter.layers[run.position - 1]
        if parsed.key != layer.layer_id:
            raise ValidationError(
                "uri", f"run {execution_id} waits on step {run.position}, {identity.layer_uri(layer.layer_id)}"
            )
        if not isinstance(solution, dict):
            raise ValidationError("solution", 'must be an object {"nonce", "proof_hash", "evidence"}')
        evidence = solution.get("evidence")
        reason = None
        if solution.get("nonce") != run.nonce:
            reason = "the nonce does not match the open challenge of this run"
        elif solution.get("proof_hash") != run.proof_hash:
            reason = "the proof_hash does not match the open challenge of this run"
        else:
            assert layer.contract is not None  # a run never waits on a layer without a contract
            verdict = await check_evidence(
                layer.contract, evidence, layer.text, self.embedder.embed, self.settings.comment_relevance_threshold
            )
            reason = None if verdict.accepted else verdict.reason
        if reason is not None:
            return await self._refuse(run, adapter, reason)
        assert isinstance(evidence, dict)
        proof = chain_hash(run.proof_hash, run.nonce, evidence)
        run = dataclasses.replace(
            run,
            position=run.position + 1,
            nonce=secrets.token_hex(16),
            proof_hash=proof,
            retries=0,
            proofs=[*run.proofs, proof],
        )
        run = _settled(run, adapter)
        await self.store.save_run(run)
        return self._view(run, adapter, accepted=True, message=f"step '{layer.title}' accepted", proof=proof)

    async def _refuse(self, run: RunState, adapter: StoredAdapter, reason: str) -> ForwardResult:
        retries = run.retries + 1
        blocked = retries >= self.settings.max_retries
        run = dataclasses.replace(run, retries=retries, status="blocked" if blocked else "active")
        await self.store.save_run(run)
        message = f"evidence refused: {reason}"
        if blocked:
            message += f"; {retries} failed attempts block this run: call reward with outcome 'failure'"
        return self._view(run, adapter, accepted=False, message=message)

    async def _run(self, execution_id: str, access: SpaceAccess) -> RunState:
        if not isinstance(execution_id, str) or not execution_id:
            raise ValidationError("execution_id", "must be the execution id forward returned")
        run = await self.store.get_run(execution_id)
        if run is None:
            raise NotFound(f"execution_id: no run {execution_id!r} (it may have expired and been removed)")
        if run.principal != access.principal:
            raise AccessDenied(f"run {execution_id!r} belongs to another principal")
        if run.expires_at < datetime.now(UTC):
            raise NotFound(f"execution_id: run {execution_id!r} expired at {run.expires_at.isoformat()}; start again")
        return run

    async def reward(
        self, execution_id: str, outcome: str, feedback: str | None, *, principal: str | None
    ) -> RewardResult:
        if outcome not in OUTCOMES:
            raise ValidationError("outcome", f"{outcome!r} is not an outcome; use 'success' or 'failure'")
        if feedback is not None and not isinstance(feedback, str):
            raise ValidationError("feedback", "must be text")
        if feedback is not None and feedback.strip():
            check_text(feedback, "feedback")  # the run's record keeps it on every backend (jsonb refuses NUL)
        run = await self._run(execution_id, self._access(principal))
        if run.status == "rewarded":
            raise Conflict(f"run {execution_id!r} was already rewarded ({run.outcome})", existing=run.outcome)
        if outcome == "success" and run.status != "completed":
            raise ValidationError(
                "outcome", f"run {execution_id!r} has not passed every step; only 'failure' can be recorded"
            )
        adapter = await self.store.get_adapter(run.adapter_id)
        if adapter is None:
            raise NotFound(f"execution_id: the adapter of run {execution_id!r} was deleted")
        await self.store.record_outcome(run.adapter_id, success=outcome == "success")
        await self.store.save_run(dataclasses.replace(run, status="rewarded", outcome=outcome, feedback=feedback))
        counted = await self.store.get_adapter(run.adapter_id)
        assert counted is not None
        return RewardResult(
            execution_id=run.run_id,
            adapter_uri=identity.adapter_uri(adapter.slug),
            outcome=outcome,
            feedback=feedback,
            successes=counted.successes,
            failures=counted.failures,
        )

    def _view(
        self, run: RunState, adapter: StoredAdapter, *, accepted: bool | None, message: str, proof: str | None = None
    ) -> ForwardResult:
        count = len(adapter.layers)
        layer = adapter.layers[run.position - 1] if run.position <= count else None
        reward = NextCall("reward", {"execution_id": run.run_id, "outcome": "success"})
        if run.status == "blocked":
            next_call = NextCall("reward", {"execution_id": run.run_id, "outcome": "failure"})
        elif run.status == "completed":
            next_call = reward
            message += "; every step is done" + (
                f": finish with '{layer.title}', then call reward" if layer else ": call reward"
            )
        else:
            assert layer is not None
            next_call = NextCall(
                "forward",
                {
                    "uri": identity.layer_uri(layer.layer_id),
                    "execution_id": run.run_id,
                    "solution": {"nonce": run.nonce, "proof_hash": run.proof_hash, "evidence": {}},
                },
            )
        return ForwardResult(
            execution_id=run.run_id,
            adapter_uri=identity.adapter_uri(adapter.slug),
            status=run.status,
            message=message,
            layer=_layer_view(layer, count) if layer is not None else None,
            challenge=_challenge(run, layer) if run.status == "active" and layer is not None else None,
            next_call=next_call,
            accepted=accepted,
            proof_hash=proof,
            retries_left=max(self.settings.max_retries - run.retries, 0),
            expires_at=run.expires_at.isoformat(),
        )


def _settled(run: RunState, adapter: StoredAdapter) -> RunState:
    """The run marked completed once no contract is left to check (past the end, or a final layer without one)."""
    remaining = adapter.layers[run.position - 1 :]
    if all(layer.contract is None for layer in remaining):
        return dataclasses.replace(run, status="completed")
    return run


def _layer_view(layer: StoredLayer, count: int) -> LayerView:
    return LayerView(
        uri=identity.layer_uri(layer.layer_id),
        title=layer.title,
        text=layer.text,
        position=layer.position,
        layer_count=count,
        contract=layer.contract,
    )


def _challenge(run: RunState, layer: StoredLayer) -> Challenge | None:
    if layer.contract is None:
        return None
    kind = layer.contract["type"]
    block = layer.contract.get(kind, {})
    detail = {
        "shell": str(block.get("cmd", "")),
        "mcp": str(block.get("tool_name", "")),
        "user_input": str(block.get("prompt", "confirm that this step is done")),
        "comment": str(block.get("min_length", 10)),
    }[kind]
    return Challenge(
        nonce=run.nonce, proof_hash=run.proof_hash, contract_type=kind, instructions=_INSTRUCTIONS[kind] + detail
    )


def _closed_message(run: RunState) -> str:
    if run.status == "blocked":
        return f"run {run.run_id} is blocked after {run.retries} failed attempts; call reward with outcome 'failure'"
    if run.status == "completed":
        return f"run {run.run_id} has passed every step; call reward"
    return f"run {run.run_id} is finished ({run.outcome})"


__all__ = ["OUTCOMES", "RunEngine"]
