"""The one error hierarchy of Astrocyte.

Every error the framework raises on purpose is an ``AstrocyteError``; servers map each class to one
HTTP status and one MCP error code (``code``), so callers can branch on type instead of on message
text. This module imports nothing from the rest of the package: it is the leaf every layer may use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class AstrocyteError(Exception):
    """Base of every error Astrocyte raises on purpose."""

    code: str = "astrocyte_error"
    http_status: int = 500


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located by its path (``vector_store_config.dsn``, ``items[3].text``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _render(summary: str, problems: Sequence[Problem]) -> str:
    if not problems:
        return summary
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"{summary}\n{lines}"


class ConfigError(AstrocyteError):
    """Configuration is unusable; ``problems`` lists every issue found, each with its key path."""

    code = "config_error"
    http_status = 500

    def __init__(self, summary: str, problems: Sequence[Problem] = ()) -> None:
        self.summary = summary
        self.problems = tuple(problems)
        super().__init__(_render(summary, self.problems))


class SpiError(AstrocyteError):
    """A provider does not satisfy its SPI: missing or wrongly typed members, or an unsupported version."""

    code = "spi_error"
    http_status = 500

    def __init__(self, summary: str, problems: Sequence[Problem] = ()) -> None:
        self.summary = summary
        self.problems = tuple(problems)
        super().__init__(_render(summary, self.problems))


class ValidationError(AstrocyteError, ValueError):
    """Bad input. ``field`` names what is wrong and the message says how to fix it.

    It is also a ``ValueError`` because the published SPI contract tells adapters to raise
    ``ValueError`` for bad input (for example a vector of the wrong dimension); code written against
    that contract keeps catching it.
    """

    code = "validation_error"
    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


class Unauthenticated(AstrocyteError):
    """The caller proved no identity (no credential, or one that does not verify); says which, never why in detail."""

    code = "unauthenticated"
    http_status = 401


class AccessDenied(AstrocyteError):
    """The caller lacks a permission; the message names the permission, never the data."""

    code = "access_denied"
    http_status = 403


class PayloadTooLarge(ValidationError):
    """A request body, batch or import is over the configured limit; ``field`` names it and the message the limit."""

    code = "payload_too_large"
    http_status = 413


class RateLimited(AstrocyteError):
    """Too many calls; ``retry_after`` is the number of seconds to wait."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class QuotaExceeded(AstrocyteError):
    """A daily or total quota is used up."""

    code = "quota_exceeded"
    http_status = 429


class NotFound(AstrocyteError):
    """The named item does not exist (in the caller's bank)."""

    code = "not_found"
    http_status = 404


class Conflict(AstrocyteError):
    """The write clashes with something that exists; ``existing`` is that item."""

    code = "conflict"
    http_status = 409

    def __init__(self, message: str, existing: Any = None) -> None:
        self.existing = existing
        super().__init__(message)


class ProviderUnavailable(AstrocyteError):
    """A backend cannot be reached; ``backend`` names it (never with credentials)."""

    code = "provider_unavailable"
    http_status = 503

    def __init__(self, backend: str, message: str) -> None:
        self.backend = backend
        super().__init__(f"{backend}: {message}")


class CapabilityNotSupported(AstrocyteError):
    """The configured provider declares that it lacks the capability this call needs."""

    code = "capability_not_supported"
    http_status = 501


__all__ = [
    "AccessDenied",
    "AstrocyteError",
    "CapabilityNotSupported",
    "ConfigError",
    "Conflict",
    "NotFound",
    "PayloadTooLarge",
    "Problem",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "SpiError",
    "Unauthenticated",
    "ValidationError",
]
