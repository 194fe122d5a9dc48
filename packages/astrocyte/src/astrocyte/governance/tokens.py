"""Bearer JWT verification: HS256 with a shared secret, RS256/ES256 with keys from a JWKS URL.

The algorithm comes from configuration, never from the token alone: a token's ``alg`` header
only selects among the algorithms that have a key configured (HS256 with ``hs256_secret``;
RS256 and ES256 with ``jwks_url``), so a token cannot talk the server into using a public key
as an HMAC secret or into ``none``. ``exp``, ``iss`` and ``aud`` are required and checked.
JWKS are fetched by PyJWT's client (cached for ``jwks_cache_seconds``) on a worker thread so a
slow key server never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jwt

from astrocyte.errors import ProviderUnavailable, Unauthenticated
from astrocyte.governance.settings import JwtSettings

_ASYMMETRIC = ("RS256", "ES256")


class JwtVerifier:
    """Checks a token and returns the principal name it carries."""

    def __init__(self, settings: JwtSettings) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=settings.jwks_cache_seconds)
            if settings.jwks_url is not None
            else None
        )

    async def principal(self, token: str) -> str:
        """The name in the token's principal claim; :class:`Unauthenticated` when it does not verify."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError:
            raise Unauthenticated("the bearer token is not a well-formed JWT") from None
        key = await self._key(token, algorithm)
        settings = self._settings
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(algorithm)],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud", settings.principal_claim]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired; get a new one") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("the bearer token was issued for another audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("the bearer token comes from an issuer this server does not trust") from None
        except jwt.MissingRequiredClaimError as missing:
            raise Unauthenticated(f"the bearer token lacks the {missing.claim!r} claim") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("the bearer token's signature does not verify") from None
        name = claims[settings.principal_claim]
        if not isinstance(name, str) or not name:
            raise Unauthenticated(f"the bearer token's {settings.principal_claim!r} claim is not a name")
        return name

    async def _key(self, token: str, algorithm: object) -> Any:
        if algorithm == "HS256" and self._settings.hs256_secret is not None:
            return self._settings.hs256_secret
        if algorithm in _ASYMMETRIC and self._jwks is not None:
            jwks = self._jwks
            try:
                signing = await asyncio.to_thread(jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWKClientConnectionError as problem:
                raise ProviderUnavailable("jwks", f"cannot fetch signing keys: {problem}") from None
            except (jwt.PyJWKClientError, jwt.InvalidTokenError):
                raise Unauthenticated("the bearer token is signed by a key the JWKS does not hold") from None
            return signing.key
        raise Unauthenticated(f"tokens signed with {algorithm!r} are not accepted here")


__all__ = ["JwtVerifier"]
