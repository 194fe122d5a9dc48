"""One description of a failure for both servers: the typed error's code, its message, and a hint.

REST sends it as ``{"error": ...}`` with the error class's ``http_status`` (``Retry-After`` for
:class:`~astrocyte.errors.RateLimited`); MCP returns it as a tool error's structured content.
The hint tells a caller, often a model, what to do next; an unexpected failure is reported as
``internal_error`` without its text, which stays in the server's log.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from astrocyte.errors import AstrocyteError, RateLimited, ValidationError
from astrocyte.governance.principals import MissingGrant
from astrocyte.server.schemas import ErrorDetail

_HINTS = {
    "validation_error": "Fix the input named in 'field' as the message says, then call again.",
    "payload_too_large": "Send less at once: split the batch or the body, then call again.",
    "unauthenticated": "Send a valid API key or bearer token; retrying the same credential will not help.",
    "access_denied": (
        "Do not retry: use a bank or space this identity may use (memory_banks, adapter_spaces), "
        "or ask the operator for a grant."
    ),
    "rate_limited": "Wait 'retry_after' seconds, then call again.",
    "quota_exceeded": "The quota is used up; try again when it resets or ask the operator to raise it.",
    "not_found": "Check the id or URI (list banks, or adapter spaces, to see what exists), then call again.",
    "conflict": "It clashes with what exists (the message says what): use that one, or change the request.",
    "provider_unavailable": "A backend is down; retry later.",
    "capability_not_supported": "This server's backend cannot do that; do not retry.",
}
_DEFAULT_HINT = "An unexpected server error; retry later, and report it if it persists."


def describe(error: BaseException) -> tuple[int, ErrorDetail]:
    """The HTTP status and the wire description of ``error``."""
    if not isinstance(error, AstrocyteError):
        return 500, ErrorDetail(code="internal_error", message="internal server error", hint=_DEFAULT_HINT)
    detail = ErrorDetail(code=error.code, message=str(error), hint=_HINTS.get(error.code, _DEFAULT_HINT))
    if isinstance(error, ValidationError):
        detail.field = error.field
        detail.message = error.reason
    if isinstance(error, MissingGrant):
        detail.permission = error.permission.value
    if isinstance(error, RateLimited):
        detail.retry_after = retry_after(error)
    return error.http_status, detail


def invalid_input(errors: Sequence[Mapping[str, Any]], skip: Iterable[str] = ()) -> ValidationError:
    """The first of pydantic's errors as ours, naming the field by its dotted path (``items.2.content``)."""
    first = errors[0]
    ignored = set(skip)
    field = ".".join(str(part) for part in first.get("loc", ()) if part not in ignored) or "body"
    if first.get("type") == "extra_forbidden":
        return ValidationError(field, "is not a field of this request; remove it (see the input schema)")
    return ValidationError(field, str(first.get("msg", "is invalid")))


def retry_after(error: RateLimited) -> int:
    """Whole seconds, at least one, as ``Retry-After`` wants them."""
    return max(1, math.ceil(error.retry_after))


__all__ = ["describe", "invalid_input", "retry_after"]
