"""What every contract suite shares: the base class, bank-id fixtures and capability gating.

An adapter runs a suite by subclassing it and defining one fixture, ``store``, that returns (or
yields) the store under test, as SQLAlchemy's dialect suite asks a dialect for one engine. Each
scenario is an ``async def test_...`` whose docstring states the promise it checks, so a failure
reads as the broken promise. Scenarios that need an optional ability are gated with
:func:`requires`: when the store declares that it lacks the ability, the scenario is skipped with
a reason naming the declaration, never silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from astrocyte.discovery import ProviderKind, check_conformance
from astrocyte.spi import capabilities_of, capability_type
from astrocyte.types import HealthStatus

F = TypeVar("F", bound=Callable[..., Any])

_REQUIRES_ATTRIBUTE = "__astrocyte_requires__"

#: Hypothesis settings of every property-based scenario. Few examples and no deadline, because the
#: store may be a remote server; ``function_scoped_fixture`` is safe to suppress because every
#: example writes to fresh banks; ``differing_executors`` because one scenario is inherited by a
#: subclass per store under test. The ``explain`` phase is left out: on a failing store it re-runs
#: the scenario many times over to annotate the report, which turned one second into forty-five.
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)


def requires(*capabilities: str) -> Callable[[F], F]:
    """Run the decorated scenario only if the store declares every named capability true."""

    def mark(scenario: F) -> F:
        setattr(scenario, _REQUIRES_ATTRIBUTE, capabilities)
        return scenario

    return mark


class ContractSuite:
    """Base of the contract suites. Subclasses set ``protocol`` and write the scenarios."""

    protocol: ClassVar[type]

    pytestmark = pytest.mark.asyncio

    @pytest.fixture
    def store(self) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} runs the {self.protocol.__name__} contract suite but defines no `store` "
            "fixture: add `@pytest.fixture def store(self): return YourStore(...)` to the class"
        )

    @pytest.fixture
    def capabilities(self, store: Any) -> Any:
        """The store's declared capabilities (or the SPI defaults), for scenarios that branch on them."""
        return capabilities_of(store, self.protocol) if capability_type(self.protocol) is not None else None

    @pytest.fixture(autouse=True)
    def _gate_on_capabilities(self, request: pytest.FixtureRequest) -> None:
        needed: tuple[str, ...] = getattr(request.function, _REQUIRES_ATTRIBUTE, ())
        if not needed:
            return
        declared = request.getfixturevalue("capabilities")
        missing = [name for name in needed if not getattr(declared, name)]
        if missing:
            store = request.getfixturevalue("store")
            pytest.skip(
                f"{type(store).__name__} declares {', '.join(f'{name}=False' for name in missing)} "
                f"in its {type(declared).__name__}"
            )

    async def test_satisfies_spi(self, store: Any) -> None:
        """Every SPI member is present, async exactly where the SPI awaits it, and SPI_VERSION is supported."""
        check_conformance(store, ProviderKind.for_protocol(self.protocol))

    async def test_declared_capabilities_are_well_formed(self, store: Any) -> None:
        """capabilities(), when the store defines it, returns the SPI's capability type (checked on read)."""
        expected = capability_type(self.protocol)
        if expected is not None:
            assert isinstance(capabilities_of(store, self.protocol), expected)

    @pytest.fixture
    def bank_token(self) -> str:
        """A token unique to this test, so suites can share one long-lived backend between tests."""
        return f"ct{uuid.uuid4().hex[:10]}"

    @pytest.fixture
    def bank(self, bank_token: str) -> str:
        return f"{bank_token}-main"

    @pytest.fixture
    def other_bank(self, bank_token: str) -> str:
        return f"{bank_token}-other"

    @pytest.fixture
    def bank_named(self, bank_token: str) -> Callable[[str], str]:
        """Bank ids with a chosen suffix, for adversarial pairs: ``bank_named("a")`` vs ``bank_named("ab")``."""
        return lambda suffix: f"{bank_token}{suffix}"


class StoreContractSuite(ContractSuite):
    """Base of the store suites: what every store promises besides its own SPI."""

    async def test_health_reports_healthy(self, store: Any) -> None:
        """health() returns a HealthStatus saying healthy, with a timezone-aware check time if it gives one."""
        status = await store.health()
        assert isinstance(status, HealthStatus)
        assert status.healthy is True
        assert status.last_check_at is None or status.last_check_at.tzinfo is not None


#: Bank-id suffix pairs that a careless backend confuses: prefixes, case, and characters that are
#: wildcards in SQL LIKE (``_``), regular expressions (``.``) or key separators (``:``, ``-``).
ADVERSARIAL_BANK_PAIRS: tuple[tuple[str, str], ...] = (
    ("a", "ab"),
    ("Team", "team"),
    ("a_b", "axb"),
    ("a.b", "a-b"),
    ("x:y", "x:y:z"),
)

#: Item ids that must round-trip exactly: unicode, whitespace, quotes, separators, SQL-ish text.
ADVERSARIAL_IDS: tuple[str, ...] = (
    "mémoire-🧠",
    "with space",
    "quote'\"id",
    "slash/and\\back",
    "a:b|c",
    "1; DROP TABLE x; --",
    "%_wild*card?",
)


def unit_vectors(count: int, dimensions: int, seed: int = 7) -> np.ndarray:
    """Deterministic random unit vectors (rows), for scenarios that compare against brute force."""
    generator = np.random.default_rng(seed)
    matrix = generator.normal(size=(count, dimensions))
    unit: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return unit


def near_vector(vector: np.ndarray, similarity: float, seed: int) -> list[float]:
    """A unit vector at exactly ``similarity`` to the unit ``vector`` (a perturbed copy of it)."""
    noise = np.random.default_rng(seed).normal(size=len(vector))
    noise -= (noise @ vector) * vector
    noise /= np.linalg.norm(noise)
    perturbed: list[float] = (similarity * vector + np.sqrt(1 - similarity**2) * noise).tolist()
    return perturbed


def basis_vector(index: int, dimensions: int) -> list[float]:
    """The ``index``-th standard basis vector: orthogonal to every other, identical to itself."""
    vector = [0.0] * dimensions
    vector[index % dimensions] = 1.0
    return vector


def cosine(first: list[float], second: list[float]) -> float:
    """Cosine similarity of two vectors; 0 when either is all zeros."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0
