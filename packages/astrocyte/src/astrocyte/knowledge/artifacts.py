"""Files attached to an adapter (scripts, configs): checked before they are stored.

A name is a safe relative path (``scripts/rotate.sh``): no absolute path, no ``..`` or empty
segment, no backslash. The MIME type is given or inferred from the extension and must be in
:data:`ALLOWED_MIME_TYPES`; the content must fit ``knowledge.max_artifact_bytes``; its SHA-256 is
recorded. Names are unique per adapter; attaching a name again needs ``replace=True``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from astrocyte.errors import ValidationError

#: Extension -> MIME type of every file type an adapter may carry.
MIME_BY_EXTENSION = {
    ".py": "text/x-python",
    ".sh": "text/x-shellscript",
    ".bash": "text/x-shellscript",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".ts": "text/x-typescript",
    ".sql": "application/sql",
    ".json": "application/json",
    ".yaml": "text/yaml",
    ".yml": "text/yaml",
    ".toml": "text/x-toml",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".conf": "text/plain",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
}
ALLOWED_MIME_TYPES = frozenset(MIME_BY_EXTENSION.values())
MAX_NAME_LENGTH = 512
_SEGMENT = re.compile(r"[A-Za-z0-9._+-]+")


def check_name(value: object) -> str:
    """A relative path of plain segments: ``deploy.sh``, ``config/app.yaml``."""
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_LENGTH:
        raise ValidationError("name", f"must be a relative path of 1-{MAX_NAME_LENGTH} characters")
    if value.startswith("/") or "\\" in value:
        raise ValidationError("name", f"{value!r} must be a relative path with '/' separators, not absolute")
    for segment in value.split("/"):
        if segment in ("", ".", "..") or _SEGMENT.fullmatch(segment) is None:
            raise ValidationError(
                "name",
                f"{value!r} has an unsafe segment {segment!r}; use letters, digits, '.', '_', '+', '-' (no '..')",
            )
    return value


def mime_type_of(name: str, given: str | None) -> str:
    if given is not None:
        mime = given.split(";")[0].strip().lower()
        if mime not in ALLOWED_MIME_TYPES:
            raise ValidationError(
                "mime_type", f"{given!r} is not allowed; use one of {', '.join(sorted(ALLOWED_MIME_TYPES))}"
            )
        return mime
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in MIME_BY_EXTENSION:
        raise ValidationError(
            "mime_type",
            f"cannot tell the type of {name!r} from its extension; give mime_type or use one of "
            + ", ".join(sorted(MIME_BY_EXTENSION)),
        )
    return MIME_BY_EXTENSION[suffix]


def checked_content(content: str | bytes, limit: int) -> tuple[bytes, str]:
    """The content as bytes and its SHA-256 hex digest, once it fits ``limit``."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if not isinstance(content, bytes):
        raise ValidationError("content", "must be text or bytes")
    if len(content) > limit:
        raise ValidationError(
            "content", f"is {len(content)} bytes; the limit is {limit} (knowledge.max_artifact_bytes)"
        )
    return content, hashlib.sha256(content).hexdigest()


__all__ = ["ALLOWED_MIME_TYPES", "MIME_BY_EXTENSION", "check_name", "checked_content", "mime_type_of"]
