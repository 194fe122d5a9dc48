"""API keys: made with enough entropy that a fast hash is safe, stored only as that hash.

A key is ``ast_`` followed by 32 random bytes in URL-safe base64. Because it is random (not a
password a person chose), SHA-256 of it cannot be reversed by guessing, so configuration holds
``sha256:<hex>`` and a request's key is found by hashing it once: no slow KDF on every request.
"""

from __future__ import annotations

import hashlib
import re
import secrets

PREFIX = "ast_"
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def new_key() -> str:
    """A fresh API key; show it once to the operator, store only :func:`hash_key` of it."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """What configuration stores for ``key``."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_key_hash(value: str) -> str:
    """A stored key must be a hash, so a clear key pasted into configuration is refused."""
    if _HASH.fullmatch(value) is None:
        raise ValueError("must be 'sha256:<64 hex digits>'; run `astrocyte server hash-key` and paste its hash")
    return value


__all__ = ["PREFIX", "check_key_hash", "hash_key", "new_key"]
