"""A whole knowledge adapter run, driven through any transport: train, activate, forward every layer
with its evidence (echoing nonce and proof hash, checking the proof chain), then reward."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from astrocyte.knowledge.evidence import chain_hash, genesis_hash

#: Calls one knowledge operation (``train``, ``forward``, ...) with its arguments; returns the result.
Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _fence(contract: dict[str, Any]) -> str:
    return "```json\n" + json.dumps({"contract": contract}) + "\n```"


def procedure(title: str) -> str:
    """A three-step adapter: a shell command, a user confirmation, a written account."""
    return (
        f"# {title}\n"
        "The TLS certificate of the web frontend is renewed before it expires.\n"
        "## Activation Patterns\n- the TLS certificate expires soon\n- renew the web certificate\n"
        "## Request the certificate\nRun the renewal client for the frontend domain.\n"
        + _fence({"type": "shell", "shell": {"cmd": "certbot renew --cert-name web", "timeout_seconds": 60}})
        + "\n## Confirm with the owner\nAsk the owner to confirm the site shows the new certificate.\n"
        + _fence({"type": "user_input", "user_input": {"prompt": "Does the site show the new certificate?"}})
        + "\n## Record the renewal\nWrite down that the web frontend certificate was renewed and when it expires.\n"
        + _fence({"type": "comment", "comment": {"min_length": 20}})
        + "\n## Reward Signal\nThe site serves a certificate valid for ninety more days.\n"
    )


EVIDENCE = [
    {"exit_code": 0, "stdout": "Congratulations, all renewals succeeded"},
    {"confirmation": True},
    {"text": "The web frontend certificate was renewed; the new certificate expires in ninety days."},
]


async def full_run(call: Call, title: str, tool: Callable[[str], str]) -> dict[str, Any]:
    """Train ``title``, find it, walk every layer and reward it; ``tool`` names an operation as the
    transport's ``next_call`` does. Returns the reward result."""
    trained = await call("train", {"content": procedure(title)})
    [adapter] = trained["adapters"]
    assert (adapter["title"], adapter["layer_count"]) == (title, 3)

    found = await call("activate", {"query": "the TLS certificate of the web frontend expires soon"})
    choice = found["choices"][0]
    assert choice["title"] == title
    assert choice["next_call"]["tool"] == tool("forward")

    step = await call("forward", choice["next_call"]["args"])
    run = step["execution_id"]
    assert (step["status"], step["accepted"], step["layer"]["position"]) == ("active", None, 1)
    previous = step["challenge"]["proof_hash"]
    assert previous == genesis_hash(run)
    for position, evidence in enumerate(EVIDENCE, start=1):
        challenge = step["challenge"]
        solution = {"nonce": challenge["nonce"], "proof_hash": challenge["proof_hash"], "evidence": evidence}
        handed_in = {"uri": step["layer"]["uri"], "execution_id": run, "solution": solution}
        template = step["next_call"]["args"] | {
            "solution": step["next_call"]["args"]["solution"] | {"evidence": evidence}
        }
        assert step["next_call"]["tool"] == tool("forward")
        assert template == handed_in  # next_call already held everything but the evidence
        if position == 1:
            forged = handed_in | {"solution": solution | {"nonce": "0" * 32}}
            refused = await call("forward", forged)
            assert (refused["accepted"], refused["retries_left"]) == (False, 2)
            assert "nonce" in refused["message"]
        step = await call("forward", handed_in)
        assert step["accepted"] is True, step["message"]
        assert step["proof_hash"] == chain_hash(previous, challenge["nonce"], evidence)
        previous = step["proof_hash"]
        if position < len(EVIDENCE):
            assert step["layer"]["position"] == position + 1
    assert (step["status"], step["layer"], step["challenge"]) == ("completed", None, None)
    assert step["next_call"]["tool"] == tool("reward")
    rewarded = await call("reward", {"execution_id": run, "outcome": "success", "feedback": "renewed"})
    assert (rewarded["outcome"], rewarded["successes"], rewarded["failures"]) == ("success", 1, 0)
    return rewarded
