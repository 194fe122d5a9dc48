"""Grants, keys, the rate limiter and the JWT verifier's failure modes, below the servers."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.config import load_config_dict
from astrocyte.errors import ConfigError, ProviderUnavailable, RateLimited
from astrocyte.governance import Authenticator, Grant, MissingGrant, Permission, Principal, RateLimiter, hash_key
from astrocyte.governance.keys import new_key
from astrocyte.governance.settings import JwtSettings
from astrocyte.governance.tokens import JwtVerifier

from ._support import AUDIENCE, ISSUER, Keys

bank_ids = st.from_regex(r"[A-Za-z0-9._:-]{1,40}", fullmatch=True)


@given(bank=bank_ids, other=bank_ids)
def test_a_pattern_without_star_matches_only_its_bank(bank: str, other: str) -> None:
    grant = Grant.parse(bank, ["read"])
    assert grant.matches(bank)
    assert grant.matches(other) == (other == bank)


@given(prefix=bank_ids, rest=st.from_regex(r"[A-Za-z0-9._:-]{0,20}", fullmatch=True))
def test_a_trailing_star_matches_every_bank_with_the_prefix(prefix: str, rest: str) -> None:
    assert Grant.parse(prefix + "*", ["read"]).matches(prefix + rest)
    assert Grant.parse("*", ["read"]).matches(prefix + rest)


def test_admin_and_star_include_every_permission_and_nothing_is_implied_otherwise() -> None:
    assert Grant.parse("b", ["admin"]).permissions == frozenset(Permission)
    assert Grant.parse("b", ["*"]).permissions == frozenset(Permission)
    reader = Principal.configured("r", {"b": ["read"]}, None)
    assert reader.allows(Permission.READ, "b")
    assert not reader.allows(Permission.WRITE, "b")
    with pytest.raises(MissingGrant, match="missing permission 'forget' on bank 'b'") as denied:
        reader.require(Permission.FORGET, "b")
    assert denied.value.permission is Permission.FORGET
    assert Principal("nobody").visible(["a", "b"]) == []


def test_keys_are_random_and_only_their_hashes_are_configured() -> None:
    first, second = new_key(), new_key()
    assert first != second
    assert first.startswith("ast_")
    assert hash_key(first).startswith("sha256:")
    with pytest.raises(ConfigError, match="api_keys"):
        load_config_dict({"profile": "memory", "server": {"principals": {"p": {"api_keys": [first]}}}})


def test_the_rate_limiter_refuses_past_the_burst_with_a_retry_time() -> None:
    limiter = RateLimiter(rate_per_second=0.1, burst=2)
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(RateLimited) as limited:
        limiter.take("a")
    assert limited.value.retry_after >= 1
    limiter.take("b")


async def test_an_unreachable_jwks_is_provider_unavailable_not_a_denial(keys: Keys) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    verifier = JwtVerifier(JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=f"http://127.0.0.1:{port}/jwks"))
    with pytest.raises(ProviderUnavailable, match="jwks"):
        await verifier.principal(keys.token("someone", algorithm="RS256"))


async def test_auth_none_is_the_unrestricted_developer() -> None:
    config = load_config_dict({"profile": "memory", "server": {"auth": "none"}})
    principal = await Authenticator(config.server).authenticate()
    assert principal.unrestricted
    assert principal.allows(Permission.ADMIN, "any-bank")


async def test_the_default_bank_comes_from_the_call_then_the_identity_then_the_server() -> None:
    from astrocyte.engine import Astrocyte
    from astrocyte.errors import ValidationError
    from astrocyte.server.mcp_registry import ToolContext
    from astrocyte.server.runtime import server_config

    config = server_config(load_config_dict({"profile": "memory"}), dev=True, host=None, port=None, default_bank="me")
    async with Astrocyte(config) as engine:
        server_default = ToolContext(engine, Principal("p"), config.server)
        assert server_default.bank(None) == "me"
        assert server_default.bank("named") == "named"
        assert ToolContext(engine, Principal("p", default_bank="mine"), config.server).bank(None) == "mine"
        bare = ToolContext(engine, Principal("p"), load_config_dict({"profile": "memory"}).server)
        with pytest.raises(ValidationError, match="pass 'bank'"):
            bare.bank(None)


async def test_the_caller_is_the_knowledge_principal_and_the_developer_the_default_one() -> None:
    from astrocyte.engine import Astrocyte
    from astrocyte.errors import AccessDenied
    from astrocyte.governance import DEVELOPER
    from astrocyte.server import knowledge_operations as operations
    from astrocyte.server.knowledge_schemas import TrainIn

    from ._adapters import procedure

    config = load_config_dict({"profile": "memory", "knowledge": {"default_principal": "cli-user"}})
    async with Astrocyte(config) as engine:
        trained = await operations.train(engine, DEVELOPER, TrainIn(content=procedure("Renew it")))
        assert trained.adapters[0].space_id == "user:cli-user"  # what the CLI on this configuration sees
        named = await operations.spaces(engine, Principal("ana@example.org"))
        assert named.spaces[0].space_id == "user:ana@example.org"
        with pytest.raises(AccessDenied, match="cannot own a knowledge space"):
            await operations.spaces(engine, Principal("auth0|1234"))
