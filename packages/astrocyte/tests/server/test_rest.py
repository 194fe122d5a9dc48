"""The REST API through a real HTTP client against a running uvicorn: every route, every error class."""

from __future__ import annotations

from typing import Any

import httpx

from astrocyte import __version__
from astrocyte.config import load_config_dict
from astrocyte.server.rest import create_app

from ._adapters import full_run, procedure
from ._support import key_of, running, server_section

ALICE = key_of("alice")
ROOT = key_of("root")


def test_service_routes_need_no_credential(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["healthy"] is True
    spec = client.get("/v1/openapi.json").json()
    assert spec["info"]["version"] == __version__
    assert "/v1/banks/{bank_id}/recall" in spec["paths"]
    client.get("/v1/banks", headers=ALICE)
    metrics = client.get("/metrics").text
    assert 'astrocyte_http_requests_total{method="GET",route="/v1/banks",status="200"}' in metrics


def test_retain_recall_reflect_forget(client: httpx.Client) -> None:
    stored = client.post(
        "/v1/banks/alice/memories",
        json={"content": "Alice hiked the Pacific Crest Trail in 2019", "tags": ["hobby"]},
        headers=ALICE,
    )
    assert stored.status_code == 200, stored.text
    memory_id = stored.json()["memory_id"]
    batch = client.post(
        "/v1/banks/alice/memories/batch",
        json={"items": [{"content": "Alice is allergic to peanuts"}, {"content": "Alice lives in Oakland"}]},
        headers=ALICE,
    )
    assert [result["stored"] for result in batch.json()["results"]] == [True, True]

    recalled = client.post("/v1/banks/alice/recall", json={"query": "Which trail did Alice hike?"}, headers=ALICE)
    hits = recalled.json()["hits"]
    assert hits[0]["text"] == "Alice hiked the Pacific Crest Trail in 2019"
    assert {hit["bank_id"] for hit in hits} == {"alice"}
    tagged = client.post("/v1/banks/alice/recall", json={"query": "Alice", "tags": ["hobby"]}, headers=ALICE)
    assert [hit["memory_id"] for hit in tagged.json()["hits"]] == [memory_id]

    answer = client.post("/v1/banks/alice/reflect", json={"query": "What is Alice allergic to?"}, headers=ALICE)
    assert "peanuts" in answer.json()["answer"]

    forgotten = client.post("/v1/banks/alice/forget", json={"memory_ids": [memory_id]}, headers=ALICE)
    assert forgotten.json() == {"deleted_count": 1}
    after = client.post("/v1/banks/alice/recall", json={"query": "Pacific Crest Trail"}, headers=ALICE)
    assert all(hit["memory_id"] != memory_id for hit in after.json()["hits"])


def test_banks_create_stats_list_delete_and_multi_bank_recall(client: httpx.Client) -> None:
    created = client.post("/v1/banks", json={"bank_id": "shared-notes", "description": "team notes"}, headers=ROOT)
    assert created.status_code == 201
    again = client.post("/v1/banks", json={"bank_id": "shared-notes"}, headers=ROOT)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    client.post("/v1/banks/shared-notes/memories", json={"content": "The office moves in May"}, headers=ROOT)
    client.post("/v1/banks/alice/memories", json={"content": "Alice runs the office move"}, headers=ALICE)

    both = client.post("/v1/recall", json={"query": "office move", "banks": ["alice", "shared-notes"]}, headers=ALICE)
    assert {hit["bank_id"] for hit in both.json()["hits"]} == {"alice", "shared-notes"}
    stats = client.get("/v1/banks/shared-notes", headers=ALICE).json()
    assert stats["memory_count"] == 1
    assert stats["description"] == "team notes"
    listed = {bank["bank_id"] for bank in client.get("/v1/banks", headers=ALICE).json()["banks"]}
    assert "shared-notes" in listed
    assert "bob" not in listed

    assert client.delete("/v1/banks/shared-notes", headers=ALICE).status_code == 403
    assert client.delete("/v1/banks/shared-notes", headers=ROOT).json() == {"deleted_count": 1}
    missing = client.get("/v1/banks/shared-notes", headers=ROOT)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_export_then_import_streams_json_lines(client: httpx.Client) -> None:
    texts = ["Export line one about comets", "Export line two about moons"]
    client.post("/v1/banks/export-src/memories/batch", json={"items": [{"content": t} for t in texts]}, headers=ROOT)
    with client.stream("GET", "/v1/banks/export-src/export", headers=ROOT) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = list(response.iter_lines())
    assert len([line for line in lines if line]) == 3  # a header and two memories
    body = "\n".join(lines).encode()
    headers = ROOT | {"Content-Type": "application/x-ndjson"}
    imported = client.post("/v1/banks/export-copy/import", content=body, headers=headers)
    assert imported.json() == {"imported": 2}
    assert client.post("/v1/banks/export-copy/import", content=body, headers=headers).json() == {"imported": 2}
    assert client.get("/v1/banks/export-copy", headers=ROOT).json()["memory_count"] == 2
    bad = client.post("/v1/banks/export-copy/import", content=b'{"not": "a header"}\n', headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "line 1"


def test_validation_errors_name_the_field(client: httpx.Client) -> None:
    unknown = client.post("/v1/banks/alice/memories", json={"content": "x", "colour": "red"}, headers=ALICE)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "colour"
    empty = client.post("/v1/banks/alice/recall", json={"query": "   "}, headers=ALICE)
    assert empty.status_code == 422
    assert empty.json()["error"] == {
        "code": "validation_error",
        "field": "query",
        "message": "must not be empty or only whitespace",
        "hint": empty.json()["error"]["hint"],
    }
    bad_bank = client.post("/v1/banks/not%20a%20bank/recall", json={"query": "x"}, headers=ALICE)
    assert bad_bank.status_code == 422
    assert bad_bank.json()["error"]["field"] == "bank_id"
    nothing = client.post("/v1/banks/alice/forget", json={}, headers=ALICE)
    assert nothing.json()["error"]["field"] == "memory_ids"


def test_limits_body_batch_recall_and_rate(jwks_url: str) -> None:
    limits = {
        "max_body_bytes": 4096,
        "max_import_bytes": 8192,
        "max_batch_items": 3,
        "max_recall_limit": 5,
        "rate_per_second": 0.5,
        "rate_burst": 6,
    }
    config = load_config_dict({"profile": "memory", "server": server_section(jwks_url, limits=limits)})
    with running(create_app(config)) as url, httpx.Client(base_url=url) as http:
        big = http.post("/v1/banks/alice/memories", json={"content": "x" * 5000}, headers=ALICE)
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "payload_too_large"
        chunked = http.post(
            "/v1/banks/alice/memories",
            content=iter([b'{"content": "', b"x" * 5000, b'"}']),  # no Content-Length: sent chunked
            headers=ALICE | {"Content-Type": "application/json"},
        )
        assert chunked.status_code == 413
        assert chunked.json()["error"]["code"] == "payload_too_large"
        streamed_import = http.post(
            "/v1/banks/alice/import",
            content=iter([b"{}\n" * 2000, b"{}\n" * 2000]),
            headers=ALICE | {"Content-Type": "application/x-ndjson"},
        )
        assert streamed_import.status_code == 413
        assert streamed_import.json()["error"]["field"] == "body"
        batch = http.post("/v1/banks/alice/memories/batch", json={"items": [{"content": "a"}] * 4}, headers=ALICE)
        assert batch.status_code == 413
        assert batch.json()["error"]["field"] == "items"
        over = http.post("/v1/banks/alice/recall", json={"query": "a", "limit": 6}, headers=ALICE)
        assert over.status_code == 422
        assert over.json()["error"]["field"] == "limit"
        statuses = [http.get("/v1/banks", headers=ALICE).status_code for _ in range(6)]
        assert statuses[-1] == 429
        limited = http.get("/v1/banks", headers=ALICE)
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert http.get("/v1/banks", headers=key_of("bob")).status_code == 200  # budgets are per principal


async def test_a_whole_adapter_run_access_and_errors(rest_url: str) -> None:
    async with httpx.AsyncClient(base_url=f"{rest_url}/v1/knowledge", headers=ALICE, timeout=30) as http:

        async def call(operation: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await http.post(f"/{operation}", json=body)
            assert response.status_code == 200, response.text
            result: dict[str, Any] = response.json()
            return result

        rewarded = await full_run(call, "Renew the REST certificate", lambda operation: operation)
        again = await http.post("/reward", json={"execution_id": rewarded["execution_id"], "outcome": "success"})
        assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
        spaces = (await http.get("/spaces")).json()["spaces"]
        assert [space["space_id"] for space in spaces] == ["user:alice", "space:shared"]
        assert [space["writable"] for space in spaces] == [True, False]
        [adapter] = spaces[0]["adapters"]

        tuned = await call("tune", {"uri": adapter["uri"], "content": procedure("Renew the REST certificate")})
        assert tuned["uri"] == adapter["uri"]
        assert len(tuned["layer_uris"]) == 3

        protected = await http.post("/train", json={"content": procedure("Rotate keys"), "space": "shared"})
        assert (protected.status_code, protected.json()["error"]["code"]) == (403, "access_denied")
        invalid = await http.post("/forward", json={"uri": adapter["uri"], "execution_id": "x"})
        assert (invalid.status_code, invalid.json()["error"]["field"]) == (422, "solution")
        extra = await http.post("/activate", json={"query": "certificate", "bank": "alice"})
        assert (extra.status_code, extra.json()["error"]["field"]) == (422, "bank")
        anonymous = await http.get("/spaces", headers={"Authorization": ""})
        assert anonymous.status_code == 401

        hidden = await http.post("/export", json={"uri": adapter["uri"]}, headers=key_of("bob"))
        assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found")
        not_theirs = await http.post("/delete", json={"uri": adapter["uri"]}, headers=key_of("bob"))
        assert not_theirs.status_code == 404
        deleted = await call("delete", {"uri": adapter["uri"]})
        assert deleted["uri"] == adapter["uri"]
        assert (await http.post("/export", json={"uri": adapter["uri"]})).status_code == 404
