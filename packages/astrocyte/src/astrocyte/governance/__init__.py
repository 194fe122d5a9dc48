"""Governance: who may call (principals, API keys, JWTs), what they may do (grants), how much (limits)."""

from astrocyte.governance.identity import Authenticator
from astrocyte.governance.keys import hash_key, new_key
from astrocyte.governance.limits import RateLimiter, check_batch, check_recall_limit
from astrocyte.governance.principals import DEVELOPER, Grant, MissingGrant, Permission, Principal
from astrocyte.governance.settings import ServerSettings

__all__ = [
    "DEVELOPER",
    "Authenticator",
    "Grant",
    "MissingGrant",
    "Permission",
    "Principal",
    "RateLimiter",
    "ServerSettings",
    "check_batch",
    "check_recall_limit",
    "hash_key",
    "new_key",
]
