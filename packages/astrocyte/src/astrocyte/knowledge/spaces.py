"""Who may read and write which space, derived from the caller's principal and the configuration.

Every principal has a personal space ``user:<principal>``; group spaces ``group:<name>`` belong to
the members the configuration lists; protected spaces ``space:<name>`` are readable by everyone and
writable only by admins. Search reads every readable space; a write goes to one target space,
the personal one unless the caller names another. The checks run on every write path, ``delete``
and ``tune`` of a single layer included (the reference system skipped those, notes section 12).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from astrocyte.errors import AccessDenied, NotFound, ValidationError
from astrocyte.knowledge.settings import KnowledgeSettings

PRINCIPAL_PATTERN = re.compile(r"[A-Za-z0-9._@+-]{1,128}")


@dataclass(frozen=True)
class Space:
    """One space as the caller sees it; ``kind`` is ``personal``, ``group`` or ``protected``."""

    space_id: str
    name: str
    kind: str
    writable: bool


def check_principal(value: object) -> str:
    if not isinstance(value, str) or PRINCIPAL_PATTERN.fullmatch(value) is None:
        raise ValidationError(
            "principal", f"{value!r} is not a valid principal; use 1-128 letters, digits or . _ @ + -"
        )
    return value


class SpaceAccess:
    """The spaces of one principal under one configuration."""

    def __init__(self, principal: str, settings: KnowledgeSettings) -> None:
        self.principal = check_principal(principal)
        admin = principal in settings.admins
        spaces = [Space(f"user:{principal}", "personal", "personal", True)]
        spaces += [
            Space(f"group:{name}", name, "group", True)
            for name, members in sorted(settings.groups.items())
            if principal in members or "*" in members
        ]
        spaces += [Space(f"space:{name}", name, "protected", admin) for name in settings.protected_spaces]
        self.spaces = spaces
        self._by_id = {space.space_id: space for space in spaces}

    @property
    def personal(self) -> Space:
        return self.spaces[0]

    def readable_ids(self) -> list[str]:
        return [space.space_id for space in self.spaces]

    def can_read(self, space_id: str) -> bool:
        return space_id in self._by_id

    def find(self, space: str, field: str = "space") -> Space:
        """A readable space named by id (``group:ops``), by name (``ops``) or as ``personal``."""
        found = self._by_id.get(space) or next((item for item in self.spaces if item.name == space), None)
        if found is None:
            raise NotFound(f"{field}: no space {space!r} is readable by {self.principal!r}")
        return found

    def target(self, space: str | None) -> Space:
        """The space a write goes to: ``space`` if given and writable, else the personal space."""
        chosen = self.personal if space is None else self.find(space)
        self.require_write(chosen.space_id)
        return chosen

    def require_write(self, space_id: str) -> None:
        space = self._by_id.get(space_id)
        if space is None or not space.writable:
            raise AccessDenied(
                f"{self.principal!r} may not write to space {space_id!r} (protected spaces: admins only)"
            )


__all__ = ["Space", "SpaceAccess", "check_principal"]
