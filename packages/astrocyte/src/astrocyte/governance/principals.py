"""Principals and their grants: who a caller is and what it may do in which bank.

A grant pairs a bank pattern with permissions. Patterns are bank ids in which ``*`` stands for any
run of characters (``*`` alone: every bank; ``team-*``: every bank starting ``team-``). Permissions
are ``read`` (recall, reflect, export, stats), ``write`` (retain, import), ``forget`` and
``admin`` (create and delete banks), and ``admin`` includes the other three; ``*`` is all of them.
Nothing is allowed unless a grant says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from astrocyte.errors import AccessDenied

_PATTERN = re.compile(r"[A-Za-z0-9._:*-]{1,128}")


class Permission(StrEnum):
    READ = "read"
    WRITE = "write"
    FORGET = "forget"
    ADMIN = "admin"


_ALL = frozenset(Permission)


def check_permission(value: str) -> str:
    """A permission name as written in configuration: one of :class:`Permission`, or ``*``."""
    if value != "*" and value not in _ALL:
        raise ValueError(f"unknown permission {value!r}; use read, write, forget, admin or *")
    return value


def check_bank_pattern(value: str) -> str:
    """A bank id in which ``*`` may stand for any run of characters."""
    if _PATTERN.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not a bank pattern; use bank id characters and '*' (1-128 characters)")
    return value


class MissingGrant(AccessDenied):
    """The caller lacks ``permission`` on ``bank_id``; the message names both and nothing else."""

    def __init__(self, permission: Permission, bank_id: str) -> None:
        self.permission = permission
        self.bank_id = bank_id
        super().__init__(f"missing permission {permission.value!r} on bank {bank_id!r}")


@dataclass(frozen=True)
class Grant:
    """Permissions on every bank whose id matches ``pattern``."""

    pattern: str
    permissions: frozenset[Permission]

    @classmethod
    def parse(cls, pattern: str, permissions: Iterable[str]) -> Grant:
        names = set(permissions)
        expanded = _ALL if "*" in names or Permission.ADMIN in names else frozenset(Permission(n) for n in names)
        return cls(check_bank_pattern(pattern), frozenset(expanded))

    def matches(self, bank_id: str) -> bool:
        return _compiled(self.pattern).fullmatch(bank_id) is not None


def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``unrestricted`` is the development identity of ``auth: none``."""

    name: str
    grants: tuple[Grant, ...] = ()
    default_bank: str | None = None
    unrestricted: bool = False

    @classmethod
    def configured(cls, name: str, grants: Mapping[str, Iterable[str]], default_bank: str | None) -> Principal:
        parsed = tuple(Grant.parse(pattern, permissions) for pattern, permissions in grants.items())
        return cls(name=name, grants=parsed, default_bank=default_bank)

    def allows(self, permission: Permission, bank_id: str) -> bool:
        if self.unrestricted:
            return True
        return any(permission in grant.permissions and grant.matches(bank_id) for grant in self.grants)

    def require(self, permission: Permission, bank_id: str) -> None:
        """Raise :class:`MissingGrant` unless a grant allows ``permission`` on ``bank_id``."""
        if not self.allows(permission, bank_id):
            raise MissingGrant(permission, bank_id)

    def visible(self, bank_ids: Iterable[str]) -> list[str]:
        """The banks among ``bank_ids`` this principal holds any permission on (for listings)."""
        return [bank for bank in bank_ids if any(self.allows(permission, bank) for permission in Permission)]


DEVELOPER = Principal(name="developer", unrestricted=True)

__all__ = [
    "DEVELOPER",
    "Grant",
    "MissingGrant",
    "Permission",
    "Principal",
    "check_bank_pattern",
    "check_permission",
]
