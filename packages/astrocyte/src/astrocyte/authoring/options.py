"""The constructor options ``adapter check`` creates an adapter with: a YAML file and ``key=value`` pairs.

The file is either a plain mapping of options or an ``astrocyte.yaml`` (whose ``<kind>_config``
section is taken for each family checked), with ``${VAR}`` and ``${VAR:-default}`` substituted as
in any Astrocyte config. ``--option key=value`` pairs come on top. Values stay text where they were
text: discovery converts each to the type the constructor declares, as it does for a config file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from astrocyte.config import expand_variables
from astrocyte.discovery import ProviderKind
from astrocyte.errors import ConfigError, Problem, ValidationError


@dataclass(frozen=True)
class AdapterOptions:
    """Options from a file (plain, or per kind) with command-line pairs on top."""

    plain: dict[str, Any] = field(default_factory=dict)
    per_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)

    def for_kind(self, kind: ProviderKind) -> dict[str, Any]:
        return {**self.per_kind.get(kind.config_key, self.plain), **self.pairs}


def read_options(file: Path | None, pairs: Sequence[str]) -> AdapterOptions:
    """Read ``file`` (if any) and the ``key=value`` pairs; every malformed piece is a typed error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError("--option", f"{pair!r} is not key=value (for example path=./data)")
        parsed[key.strip()] = value
    if file is None:
        return AdapterOptions(pairs=parsed)
    try:
        text = expand_variables(file.read_text(encoding="utf-8"), os.environ)
        data = yaml.safe_load(text) or {}
    except OSError as error:
        raise ConfigError(f"cannot read {file}", [Problem("--config", str(error))]) from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{file} is not valid YAML", [Problem("--config", str(error))]) from error
    if not isinstance(data, dict):
        raise ConfigError(f"{file} must hold a mapping", [Problem("--config", f"found {type(data).__name__}")])
    sections = {kind.config_key for kind in ProviderKind}
    if sections & set(data):
        per_kind = {key: dict(value or {}) for key, value in data.items() if key in sections}
        return AdapterOptions(per_kind=per_kind, pairs=parsed)
    return AdapterOptions(plain=data, pairs=parsed)


__all__ = ["AdapterOptions", "read_options"]
