"""What the bite tests of the vector and document suites share: the verdicts and two generic breaks.

A variant is the source of a class ``Broken``; its verdict is that every scenario meant to catch
it fails while most scenarios still pass (one broken promise, not a store that cannot run).
"""

from __future__ import annotations

from .conftest import SuiteOutcome


def assert_bites(outcome: SuiteOutcome, variant: str, must_fail: set[str]) -> None:
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"
    assert len(outcome.passed) > len(outcome.failed), (
        f"{variant} breaks more than one promise: {sorted(outcome.failed)}"
    )


def assert_passes_whole(outcome: SuiteOutcome) -> None:
    """The honest store fails nothing and skips nothing: it declares every capability the suite gates on."""
    assert not outcome.failed
    assert not outcome.skipped, f"the store declares every capability, yet {sorted(outcome.skipped)} skipped"
    assert outcome.passed


def unhealthy(store_class: str) -> str:
    """``store_class`` whose health check reports it unhealthy."""
    return f"""
from astrocyte.types import HealthStatus

class Broken({store_class}):
    async def health(self):
        return HealthStatus(healthy=False, message="broken on purpose")
"""


def without_method(store_class: str, method: str) -> str:
    """A wrapper around ``store_class`` that lacks ``method``, so it no longer satisfies the Protocol."""
    return f"""
class Broken:
    def __init__(self):
        self._inner = {store_class}()
    def capabilities(self):
        return self._inner.capabilities()
    def __getattr__(self, name):
        if name == "{method}":
            raise AttributeError(name)
        return getattr(self._inner, name)
"""


def filters_rewritten(store_class: str, method: str, leading: str, change: str) -> str:
    """``store_class`` whose search ``method(leading..., limit, filters)`` first rewrites the filters it is
    given with ``change``, an expression over ``filters`` (for example ``replace(filters, tags=None)``)."""
    return f"""
from dataclasses import replace

class Broken({store_class}):
    async def {method}(self, {leading}, limit=10, filters=None):
        if filters is not None:
            filters = {change}
        return await super().{method}({leading}, limit, filters)
"""
