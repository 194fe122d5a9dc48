"""The core's end-to-end engine scenarios, loaded from its test folder to run on another backend.

The core's ``tests/engine`` modules are written against three fixtures (``engine``, ``make_engine``
and ``backend``) that its conftest binds to the in-memory and SQLite stores. This loader imports
those modules as a package of their own (so their relative imports work, and the core needs to know
nothing of this adapter) and hands back the scenarios an adapter can rebind: those that take an
``engine`` or ``make_engine`` and do not branch on the ``backend`` name, which are about that
backend's own failure modes. Module-level fixtures come along, since scenarios request them by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from _pytest.fixtures import FixtureFunctionDefinition  # the type of @pytest.fixture functions

import astrocyte

_PACKAGE = "astrocyte_core_engine_scenarios"
_REBINDABLE = {"engine", "make_engine"}


def core_engine_tests() -> Path:
    """The core's engine tests in this checkout (they are not installed with the package)."""
    folder = Path(astrocyte.__file__).resolve().parents[2] / "tests" / "engine"
    if not (folder / "conftest.py").exists():
        raise RuntimeError(f"the core's engine tests are expected at {folder}; run from a checkout of the repository")
    return folder


def _package() -> ModuleType:
    package = sys.modules.get(_PACKAGE)
    if package is None:
        spec = importlib.machinery.ModuleSpec(_PACKAGE, None, is_package=True)
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [str(core_engine_tests())]
        sys.modules[_PACKAGE] = package
    return package


def core_module(name: str) -> ModuleType:
    """One module of the core's engine tests (``conftest``, ``test_recall``, ...)."""
    _package()
    return importlib.import_module(f"{_PACKAGE}.{name}")


def scenarios() -> dict[str, Any]:
    """Every rebindable scenario, named ``test_<module>__<scenario>``, plus the modules' own fixtures."""
    found: dict[str, Any] = {}
    for path in sorted(core_engine_tests().glob("test_*.py")):
        module = core_module(path.stem)
        for name, value in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(value):
                wanted = set(inspect.signature(value).parameters)
                if wanted & _REBINDABLE and "backend" not in wanted:
                    found[f"test_{path.stem[len('test_') :]}__{name[len('test_') :]}"] = value
            elif _is_fixture(value) and getattr(value, "__module__", module.__name__) == module.__name__:
                if name in found:
                    raise RuntimeError(f"two core engine test modules define a fixture named {name!r}")
                found[name] = value
    return found


def _is_fixture(value: object) -> bool:
    return isinstance(value, FixtureFunctionDefinition)
