"""Astrocyte: memory for AI agents over pluggable, contract-tested stores."""

from astrocyte.engine import Astrocyte, SyncAstrocyte
from astrocyte.errors import (
    AccessDenied,
    AstrocyteError,
    CapabilityNotSupported,
    ConfigError,
    Conflict,
    NotFound,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    SpiError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "Astrocyte",
    "AstrocyteError",
    "CapabilityNotSupported",
    "ConfigError",
    "Conflict",
    "NotFound",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "SpiError",
    "SyncAstrocyte",
    "ValidationError",
    "__version__",
]
