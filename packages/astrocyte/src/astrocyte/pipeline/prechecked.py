"""DTOs built from values that have already passed the DTOs' own checks, without checking again.

Every DTO of :mod:`astrocyte.types` checks its fields when constructed: that is what refuses a
caller's bad input before any store sees it. The retain pipeline then builds several more DTOs per
memory from values that passed those checks once: a memory's document mirrors its checked vector
item, and its entity mentions and co-occurrence links are pairs of ids that are hashes. Checking
them again roughly doubled the cost of building a document. Stores still check every batch they
are given (cheaply, batch-wide), since the SPI is public.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

Dto = TypeVar("Dto")


def prechecked(cls: type[Dto], **fields: Any) -> Dto:
    """``cls(**fields)`` without ``__post_init__``: only for values known to pass its checks."""
    defaults, names = _defaults(cls)
    instance = cls.__new__(cls)
    values = vars(instance)
    values.update(defaults, **fields)
    if values.keys() != names:  # a field with a default factory was left out, or a name is wrong
        raise TypeError(f"{cls.__name__} was given {sorted(fields)}; its fields are {sorted(names)}")
    return instance


def _defaults(cls: type[Any]) -> tuple[dict[str, Any], frozenset[str]]:
    """The fields' plain defaults and the fields' names, read once per class."""
    found = _DEFAULTS.get(cls)
    if found is None:
        fields = dataclasses.fields(cls)
        defaults = {field.name: field.default for field in fields if field.default is not dataclasses.MISSING}
        found = _DEFAULTS[cls] = (defaults, frozenset(field.name for field in fields))
    return found


_DEFAULTS: dict[type[Any], tuple[dict[str, Any], frozenset[str]]] = {}
