"""The auth matrix over real HTTP: API keys, HS256 and JWKS-verified RS256/ES256 tokens, grants, dev mode."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from astrocyte.config import load_config_dict
from astrocyte.errors import ConfigError
from astrocyte.server.runtime import server_config

from ._support import AUDIENCE, ISSUER, Keys, key_of

RECALL = "/v1/banks/jwt-bank/recall"
QUERY = {"query": "anything"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(response: httpx.Response) -> dict[str, str]:
    body: dict[str, dict[str, str]] = response.json()
    return body["error"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no credential"),
        ({"Authorization": "Bearer ast_not-a-key"}, "not recognised"),
        ({"X-API-Key": "ast_not-a-key"}, "not recognised"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "must be 'Bearer"),
    ],
)
def test_missing_or_wrong_credential_is_401(client: httpx.Client, headers: dict[str, str], reason: str) -> None:
    response = client.post("/v1/banks/alice/recall", json=QUERY, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert reason in error_of(response)["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("algorithm", ["HS256", "RS256", "ES256"])
def test_valid_tokens_of_every_algorithm(client: httpx.Client, keys: Keys, algorithm: str) -> None:
    token = keys.token("jwt-user", algorithm=algorithm)
    stored = client.post(
        "/v1/banks/jwt-bank/memories", json={"content": f"signed with {algorithm}"}, headers=bearer(token)
    )
    assert stored.status_code == 200, stored.text
    assert client.post(RECALL, json=QUERY, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-service"}, "another audience"),
        ({"iss": "https://evil.test"}, "issuer"),
        ({"exp": None}, "'exp'"),
    ],
)
@pytest.mark.parametrize("algorithm", ["HS256", "RS256"])
def test_bad_claims_are_401(
    client: httpx.Client, keys: Keys, claims: dict[str, object], reason: str, algorithm: str
) -> None:
    token = keys.token("jwt-user", algorithm=algorithm, **claims)
    response = client.post(RECALL, json=QUERY, headers=bearer(token))
    assert response.status_code == 401
    assert reason in error_of(response)["message"]


def test_forged_and_foreign_tokens_are_401(client: httpx.Client) -> None:
    now = int(time.time())
    claims = {"sub": "jwt-user", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}
    wrong_secret = jwt.encode(claims, "some-other-secret-that-is-long-enough-xx", algorithm="HS256")
    assert client.post(RECALL, json=QUERY, headers=bearer(wrong_secret)).status_code == 401
    stranger = Keys()  # same kid, another key: the JWKS does not hold it
    foreign = stranger.token("jwt-user", algorithm="RS256")
    assert client.post(RECALL, json=QUERY, headers=bearer(foreign)).status_code == 401
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert client.post(RECALL, json=QUERY, headers=bearer(unsigned)).status_code == 401
    hs384 = jwt.encode(claims, "s" * 64, algorithm="HS384")
    assert "not accepted" in error_of(client.post(RECALL, json=QUERY, headers=bearer(hs384)))["message"]


def test_missing_grant_is_403_naming_the_permission_not_the_data(client: httpx.Client, keys: Keys) -> None:
    client.post("/v1/banks/bob/memories", json={"content": "Bob's secret is the blue door"}, headers=key_of("bob"))
    denied = client.post("/v1/banks/bob/recall", json={"query": "secret"}, headers=key_of("alice"))
    assert denied.status_code == 403
    error = error_of(denied)
    assert error["code"] == "access_denied"
    assert error["permission"] == "read"
    assert "blue door" not in denied.text
    write = client.post("/v1/banks/shared-x/memories", json={"content": "x"}, headers=key_of("alice"))
    assert error_of(write)["permission"] == "write"
    forget = client.post("/v1/banks/bob/forget", json={"all": True}, headers=key_of("alice"))
    assert error_of(forget)["permission"] == "forget"
    nobody = client.post("/v1/banks/nobody/recall", json=QUERY, headers=key_of("nobody"))
    assert nobody.status_code == 403  # authenticated, no grants: default deny
    unknown_subject = keys.token("not-configured")
    assert client.post(RECALL, json=QUERY, headers=bearer(unknown_subject)).status_code == 403
    assert client.get("/v1/banks", headers=key_of("nobody")).json() == {"banks": []}


def test_wildcard_grants(client: httpx.Client) -> None:
    alice = key_of("alice")
    assert client.post("/v1/banks/shared-anything/recall", json=QUERY, headers=alice).status_code == 200
    assert client.post("/v1/banks/sharedx/recall", json=QUERY, headers=alice).status_code == 403
    root = key_of("root")  # "*": ["admin"], and admin includes every permission
    for path, body in [
        ("/v1/banks/any-bank/memories", {"content": "root writes anywhere"}),
        ("/v1/banks/any-bank/recall", QUERY),
        ("/v1/banks/any-bank/forget", {"all": True}),
    ]:
        assert client.post(path, json=body, headers=root).status_code == 200
    bob = key_of("bob")  # "bob": ["*"]
    assert client.post("/v1/banks/bob/forget", json={"all": True}, headers=bob).status_code == 200
    assert client.post("/v1/banks/bobby/recall", json=QUERY, headers=bob).status_code == 403


def test_dev_mode_binds_only_loopback() -> None:
    config = load_config_dict({"profile": "memory"})
    assert server_config(config, dev=True, host="127.0.0.1", port=None).server.auth == "none"
    assert server_config(config, dev=True, host="::1", port=None).server.auth == "none"
    with pytest.raises(ConfigError, match=r"refusing to bind '0\.0\.0\.0'"):
        server_config(config, dev=True, host="0.0.0.0", port=None)
    with pytest.raises(ConfigError, match="no principal"):
        server_config(config, dev=False, host=None, port=None)
