"""The ``server:`` section of ``astrocyte.yaml``: who may call, with which grants, within which limits.

Kept apart from :mod:`astrocyte.config` so that the core configuration only names this model; the
servers (REST and MCP) read it, the engine never does. Secrets are never written here in clear:
API keys appear only as hashes (``astrocyte server hash-key`` makes one), and the HS256 secret
is meant to come from the environment (``hs256_secret: ${JWT_SECRET}``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from astrocyte.governance.keys import check_key_hash
from astrocyte.governance.principals import check_bank_pattern, check_permission
from astrocyte.validation import check_bank_id

BankPattern = Annotated[str, AfterValidator(check_bank_pattern)]
PermissionName = Annotated[str, AfterValidator(check_permission)]
KeyHash = Annotated[str, AfterValidator(check_key_hash)]
BankId = Annotated[str, AfterValidator(check_bank_id)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PrincipalSettings(_Section):
    """One caller: the hashes of its API keys, its grants per bank pattern, its default bank for MCP."""

    api_keys: list[KeyHash] = Field(default_factory=list)
    grants: dict[BankPattern, list[PermissionName]] = Field(default_factory=dict)
    default_bank: BankId | None = None


class JwtSettings(_Section):
    """Bearer JWTs: HS256 with a shared secret and/or RS256/ES256 with keys from a JWKS URL.

    ``issuer`` and ``audience`` are required: a token minted for another service or by another
    issuer is refused even when its signature verifies. The principal is the ``principal_claim``
    of the token (``sub`` by default) and gets the grants configured for that name.
    """

    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    hs256_secret: str | None = Field(default=None, min_length=32)
    jwks_url: str | None = None
    principal_claim: str = "sub"
    leeway_seconds: int = Field(default=30, ge=0)
    jwks_cache_seconds: int = Field(default=300, ge=1)

    @model_validator(mode="after")
    def _some_key(self) -> JwtSettings:
        if self.hs256_secret is None and self.jwks_url is None:
            raise ValueError("set hs256_secret (HS256) or jwks_url (RS256/ES256), or remove the jwt section")
        return self


class LimitSettings(_Section):
    """Request limits; every one is checked before the engine sees the request."""

    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    max_batch_items: int = Field(default=1000, ge=1)
    max_recall_limit: int = Field(default=100, ge=1)
    rate_per_second: float = Field(default=50.0, gt=0)
    rate_burst: int = Field(default=100, ge=1)


class McpSettings(_Section):
    """MCP only: the bank a connection uses when a tool call names none, and whether the destructive
    tools (``memory_forget``, ``adapter_delete``) are offered."""

    default_bank: BankId | None = None
    enable_forget: bool = False
    enable_adapter_delete: bool = False


class ServerSettings(_Section):
    """``server:``. ``auth: required`` (the default) denies everything not granted; ``auth: none`` is
    for development and only binds a loopback address."""

    auth: Literal["required", "none"] = "required"
    host: str = "127.0.0.1"
    port: int = Field(default=8420, ge=0, le=65535)
    principals: dict[Annotated[str, Field(min_length=1)], PrincipalSettings] = Field(default_factory=dict)
    jwt: JwtSettings | None = None
    limits: LimitSettings = Field(default_factory=LimitSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)


__all__ = ["JwtSettings", "LimitSettings", "McpSettings", "PrincipalSettings", "ServerSettings"]
