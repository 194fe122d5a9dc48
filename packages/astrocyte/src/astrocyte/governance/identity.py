"""From a request's credential to a :class:`Principal`: API keys, bearer JWTs, or the dev identity.

Both servers call :meth:`Authenticator.authenticate` with what the request carries: the REST API
and MCP over HTTP pass their ``Authorization`` / ``X-API-Key`` headers, MCP over stdio passes the
key from its environment. A JWT names a principal; its grants come from configuration, so a valid
token for a principal with no grants is allowed nothing (default deny).
"""

from __future__ import annotations

from astrocyte.errors import Unauthenticated
from astrocyte.governance.keys import hash_key
from astrocyte.governance.principals import DEVELOPER, Principal
from astrocyte.governance.settings import ServerSettings
from astrocyte.governance.tokens import JwtVerifier

_HOW = "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>', or a bearer JWT"


class Authenticator:
    """Resolves credentials against the ``server:`` settings it was built from."""

    def __init__(self, settings: ServerSettings) -> None:
        self._settings = settings
        self._keys = {digest: name for name, principal in settings.principals.items() for digest in principal.api_keys}
        self._jwt = JwtVerifier(settings.jwt) if settings.jwt is not None else None

    @property
    def required(self) -> bool:
        return self._settings.auth == "required"

    async def authenticate(self, authorization: str | None = None, api_key: str | None = None) -> Principal:
        """The principal behind the request's credential; :class:`Unauthenticated` when there is none."""
        if not self.required:
            return DEVELOPER
        credential = api_key or _bearer(authorization)
        if not credential:
            raise Unauthenticated(f"no credential: {_HOW}")
        if credential.count(".") == 2 and self._jwt is not None:
            return self._principal(await self._jwt.principal(credential))
        name = self._keys.get(hash_key(credential))
        if name is None:
            raise Unauthenticated("the API key is not recognised; check it, or ask the operator for one")
        return self._principal(name)

    def _principal(self, name: str) -> Principal:
        configured = self._settings.principals.get(name)
        if configured is None:
            return Principal(name=name)  # a verified token for a principal with no grants: allowed nothing
        return Principal.configured(name, configured.grants, configured.default_bank)


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated(f"the Authorization header must be 'Bearer <credential>'; {_HOW}")
    return value.strip()


__all__ = ["Authenticator"]
