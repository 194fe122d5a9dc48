"""Ids, slugs and URIs of adapters, layers and artifacts.

- An adapter id is the UUIDv5 of its normalised title **within its space** (the reference system
  used the title alone, so same-title adapters of two spaces merged into one search choice).
- A layer id is the UUIDv5 of its normalised step title within its adapter; an artifact id that of
  its name. Both are therefore stable across a forced update that keeps the item.
- Author slugs match ``^[a-z0-9]+(-[a-z0-9]+)*$`` (at most 200 characters) and are never changed;
  derived slugs come from the title and take ``-2`` ... ``-100`` on collision.
- URIs: ``astrocyte://adapter/{slug|uuid}``, ``astrocyte://layer/{uuid}``, ``astrocyte://artifact/{slug|uuid}``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from astrocyte.errors import ValidationError

#: The namespace of adapter ids (a fixed random UUID of this project).
ADAPTER_NAMESPACE = uuid.UUID("3a8c52e4-61d7-4b0f-9e55-7d2c0f4e9b61")

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG_LENGTH = 200
MAX_SLUG_SUFFIX = 100
URI_SCHEME = "astrocyte://"
_URI = re.compile(r"astrocyte://(adapter|layer|artifact)/([^/?#\s]+)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def normalise_title(title: str) -> str:
    """Unicode-normalised, case-folded, whitespace collapsed: what makes two titles the same title."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def adapter_id(space_id: str, title: str) -> str:
    return str(uuid.uuid5(ADAPTER_NAMESPACE, f"{space_id}\n{normalise_title(title)}"))


def fork_id(space_id: str, title: str, source_id: str) -> str:
    """A fork's id: distinct from its source's even in the same space, and stable for one source."""
    return str(uuid.uuid5(ADAPTER_NAMESPACE, f"{space_id}\n{normalise_title(title)}\nfork of {source_id}"))


def layer_id(owner_id: str, title: str) -> str:
    return str(uuid.uuid5(uuid.UUID(owner_id), f"layer\n{normalise_title(title)}"))


def artifact_id(owner_id: str, name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(owner_id), f"artifact\n{name}"))


def check_author_slug(value: object, field: str = "slug") -> str:
    if not isinstance(value, str) or len(value) > MAX_SLUG_LENGTH or SLUG_PATTERN.fullmatch(value) is None:
        raise ValidationError(
            field,
            f"{value!r} is not a valid slug; use lower-case letters and digits in groups joined by single "
            f"'-' (^[a-z0-9]+(-[a-z0-9]+)*$), at most {MAX_SLUG_LENGTH} characters",
        )
    return value


def derive_slug(title: str) -> str:
    """``Café Déjà Vu`` -> ``cafe-deja-vu``; a title with no ASCII letters or digits gives ``adapter``."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "adapter"


def suffixed(base: str, attempt: int) -> str:
    """``base`` for attempt 1, else ``base-N`` clamped so the whole stays within the length limit."""
    if attempt == 1:
        return base
    suffix = f"-{attempt}"
    return base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


@dataclass(frozen=True)
class Uri:
    """A parsed ``astrocyte://`` URI: ``kind`` is adapter, layer or artifact; ``key`` a slug or a UUID."""

    kind: str
    key: str

    @property
    def is_uuid(self) -> bool:
        return _UUID.fullmatch(self.key) is not None


def parse_uri(value: object, field: str = "uri", kinds: tuple[str, ...] = ("adapter", "layer", "artifact")) -> Uri:
    match = _URI.fullmatch(value) if isinstance(value, str) else None
    if match is None or match[1] not in kinds:
        wanted = " or ".join(f"astrocyte://{kind}/..." for kind in kinds)
        raise ValidationError(field, f"{value!r} is not a valid URI here; expected {wanted}")
    parsed = Uri(match[1], match[2])
    if parsed.kind == "layer" and not parsed.is_uuid:
        raise ValidationError(field, f"{value!r}: a layer URI holds the layer's UUID")
    if not parsed.is_uuid:
        check_author_slug(parsed.key, field)
    return Uri(parsed.kind, parsed.key.lower()) if parsed.is_uuid else parsed


def adapter_uri(slug: str) -> str:
    return f"{URI_SCHEME}adapter/{slug}"


def layer_uri(layer: str) -> str:
    return f"{URI_SCHEME}layer/{layer}"


def artifact_uri(key: str) -> str:
    return f"{URI_SCHEME}artifact/{key}"


__all__ = [
    "ADAPTER_NAMESPACE",
    "Uri",
    "adapter_id",
    "adapter_uri",
    "artifact_id",
    "artifact_uri",
    "check_author_slug",
    "derive_slug",
    "fork_id",
    "layer_id",
    "layer_uri",
    "normalise_title",
    "parse_uri",
    "suffixed",
]
