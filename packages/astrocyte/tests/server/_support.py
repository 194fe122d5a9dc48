"""Real servers for the server tests: uvicorn on a free loopback port in a thread, a JWKS server, tokens."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.types import ASGIApp

from astrocyte.governance.keys import hash_key

ISSUER = "https://issuer.test"
AUDIENCE = "astrocyte-test"
HS_SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port until the block ends; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class Keys:
    """An RSA and an EC signing key with their public JWKS, and an HS256 secret."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        rsa_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(self.ec.public_key()))
        self.jwks = {"keys": [rsa_jwk | {"kid": "rsa-1", "use": "sig"}, ec_jwk | {"kid": "ec-1", "use": "sig"}]}

    def token(self, subject: str, *, algorithm: str = "HS256", **overrides: Any) -> str:
        now = int(time.time())
        merged = {"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300} | overrides
        claims = {name: value for name, value in merged.items() if value is not None}  # None: leave it out
        if algorithm == "HS256":
            return jwt.encode(claims, HS_SECRET, algorithm="HS256")
        key, kid = (self.rsa, "rsa-1") if algorithm == "RS256" else (self.ec, "ec-1")
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


@contextmanager
def jwks_server(document: dict[str, Any]) -> Iterator[str]:
    """A local HTTP server answering every GET with ``document``; yields its URL."""
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


#: Test principals: name -> (API key, grants).
PRINCIPALS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "alice": ("ast_alice-test-key", {"alice": ["read", "write", "forget"], "shared-*": ["read"]}),
    "bob": ("ast_bob-test-key", {"bob": ["*"]}),
    "root": ("ast_root-test-key", {"*": ["admin"]}),
    "nobody": ("ast_nobody-test-key", {}),
    "jwt-user": ("ast_unused-jwt-user-key", {"jwt-*": ["read", "write"]}),
}


def server_section(jwks_url: str | None, **extra: Any) -> dict[str, Any]:
    """A ``server:`` section with :data:`PRINCIPALS` and both JWT key sources."""
    principals = {
        name: {"api_keys": [hash_key(key)], "grants": grants, "default_bank": name}
        for name, (key, grants) in PRINCIPALS.items()
    }
    jwt_settings: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "hs256_secret": HS_SECRET}
    if jwks_url is not None:
        jwt_settings["jwks_url"] = jwks_url
    return {"principals": principals, "jwt": jwt_settings} | extra


def key_of(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {PRINCIPALS[name][0]}"}
