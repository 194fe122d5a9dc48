"""The SPI families an adapter can implement, each tied to its Protocol, entry point group and suite.

A family is a :class:`~astrocyte.discovery.ProviderKind` that has a contract suite: the engine
provider has none, so it cannot be scaffolded or checked (there would be nothing to prove).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from astrocyte.discovery import ProviderKind, installed
from astrocyte.errors import ConfigError, Problem, ValidationError
from astrocyte.suggestions import did_you_mean, listing


@dataclass(frozen=True)
class Family:
    """One SPI family as the scaffold and the checker see it."""

    kind: ProviderKind
    #: Name of the contract suite class in :mod:`astrocyte.testing.contracts`.
    suite: str
    #: The generated module holding the implementation: ``store`` for stores, ``provider`` otherwise.
    module: str

    @property
    def name(self) -> str:
        """The Protocol's name, which is also the suffix of generated class names: ``VectorStore``."""
        return self.kind.protocol.__name__

    @property
    def group(self) -> str:
        """The entry point group: ``astrocyte.vector_stores``."""
        return self.kind.group

    @property
    def noun(self) -> str:
        """``store`` or ``provider``: what the README calls the class."""
        return self.module


def _family(kind: ProviderKind, module: str) -> Family:
    return Family(kind=kind, suite=f"{kind.protocol.__name__}Contract", module=module)


FAMILIES: MappingProxyType[str, Family] = MappingProxyType(
    {
        kind.value: _family(kind, "store" if kind.value.endswith("_store") else "provider")
        for kind in ProviderKind
        if kind is not ProviderKind.ENGINE_PROVIDER
    }
)


def family_named(name: str) -> Family:
    """The family called ``name``: its config key (``vector_store``), group (``vector_stores``,
    ``astrocyte.vector_stores``) or Protocol (``VectorStore``), so any spelling a user has seen works."""
    wanted = name.strip().removeprefix("astrocyte.")
    for family in FAMILIES.values():
        if wanted in (family.kind.value, f"{family.kind.value}s", family.name):
            return family
    choices = ", ".join(FAMILIES)
    raise ValidationError("family", f"unknown SPI family {name!r}; choose one of: {choices}")


def families_of(name: str) -> list[Family]:
    """The families in which an installed distribution registers ``name`` (an adapter may fill several)."""
    found = [family for family in FAMILIES.values() if name in installed(family.kind)]
    if not found:
        names = sorted({key for family in FAMILIES.values() for key in installed(family.kind)})
        raise ConfigError(
            f"no adapter named {name!r} is installed",
            [Problem("name", f"unknown adapter {name!r}{did_you_mean(name, names)} (installed: {listing(names)})")],
        )
    return found


__all__ = ["FAMILIES", "Family", "families_of", "family_named"]
