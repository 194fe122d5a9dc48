"""One REST server and one JWKS server for the session: the memory profile behind the full auth setup."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from astrocyte.config import load_config_dict
from astrocyte.server.rest import create_app

from ._support import Keys, jwks_server, running, server_section


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def jwks_url(keys: Keys) -> Iterator[str]:
    with jwks_server(keys.jwks) as url:
        yield url


@pytest.fixture(scope="session")
def rest_url(jwks_url: str) -> Iterator[str]:
    config = load_config_dict({"profile": "memory", "server": server_section(jwks_url)})
    with running(create_app(config)) as url:
        yield url


@pytest.fixture
def client(rest_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rest_url, timeout=30) as http:
        yield http
