"""Astrocyte: memory for AI agents over pluggable, contract-tested stores."""

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
    "AstrocyteError",
    "CapabilityNotSupported",
    "ConfigError",
    "Conflict",
    "NotFound",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "SpiError",
    "ValidationError",
    "__version__",
]
