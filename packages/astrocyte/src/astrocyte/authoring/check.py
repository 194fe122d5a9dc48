"""``astrocyte adapter check``: an installed adapter against the core's contract suite, as a report.

The adapter is found by its entry point key, checked for conformance and SPI version, created from
the options the user gives (exactly as ``astrocyte.yaml`` would create it), and the SPI family's
contract suite is run against it by ``pytest.main`` in this process: a generated test module binds
the suite's ``store`` fixture to a fixture of a plugin that creates the adapter afresh for every
scenario and times each of its SPI methods. The plugin collects each scenario's outcome (with the
reason of a skip or failure), so the report says which promises hold and how long each operation
took, as text for people or JSON for CI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import io
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from astrocyte.authoring.families import Family
from astrocyte.authoring.stubs import protocol_methods
from astrocyte.bench.timing import Latency
from astrocyte.discovery import SUPPORTED_SPI_VERSIONS, check_conformance, installed, load_provider, resolve
from astrocyte.errors import ConfigError, Problem, SpiError
from astrocyte.spi import capabilities_of

#: Methods a store may add beyond its Protocol, announced by its capabilities; timed when present.
_OPTIONAL_METHODS = (
    "store_documents",
    "delete_bank",
    "count_vectors",
    "search_similar_batch",
    "search_similar_threshold",
)
_FIXTURE = "astrocyte_checked_provider"


@dataclass(frozen=True)
class Scenario:
    """One contract scenario's outcome: ``passed``, ``failed`` or ``skipped``, with the reason of the last two."""

    name: str
    outcome: str
    reason: str | None
    seconds: float


@dataclass(frozen=True)
class Operation:
    """Latency of one SPI method over every call the suite made."""

    name: str
    calls: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass
class AdapterReport:
    """Everything ``adapter check`` found out about one adapter of one SPI family."""

    name: str
    kind: str
    target: str
    distribution: str | None
    distribution_version: str | None
    spi_version: int
    supported_spi_versions: list[int]
    problems: list[str] = field(default_factory=list)
    capabilities: dict[str, Any] | None = None
    scenarios: list[Scenario] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        tally = {"passed": 0, "failed": 0, "skipped": 0}
        for scenario in self.scenarios:
            tally[scenario.outcome] += 1
        return tally

    @property
    def ok(self) -> bool:
        """Conformant, and no scenario failed (skips are declared limits, not failures)."""
        return not self.problems and bool(self.scenarios) and self.counts["failed"] == 0


def check_adapter(name: str, family: Family, options: Mapping[str, Any]) -> AdapterReport:
    """Check the adapter registered as ``name`` in ``family``, created with ``options``."""
    kind = family.kind
    cls = resolve(kind, name)
    entry = installed(kind).get(name, name)
    distribution = _distribution_of(kind.group, name)
    report = AdapterReport(
        name=name,
        kind=kind.value,
        target=entry,
        distribution=distribution[0] if distribution else None,
        distribution_version=distribution[1] if distribution else None,
        spi_version=_declared_version(cls),
        supported_spi_versions=sorted(SUPPORTED_SPI_VERSIONS[kind]),
    )
    try:
        check_conformance(cls, kind)
    except SpiError as error:
        report.problems = [str(problem) for problem in error.problems] or [error.summary]
        return report
    instance = load_provider(kind, name, dict(options))  # a configuration error is the user's to fix: raise it
    if kind.has_capabilities:
        report.capabilities = dataclasses.asdict(capabilities_of(instance, kind.protocol))
    timings: dict[str, list[float]] = defaultdict(list)

    def create() -> Any:
        return _timed(load_provider(kind, name, dict(options)), family, timings)

    report.scenarios = run_suite(family, create, options)
    report.operations = [
        Operation(method, latency.calls, latency.p50_ms, latency.p95_ms, max(durations) * 1000)
        for method, durations in sorted(timings.items())
        for latency in [Latency.of(durations)]
    ]
    return report


def run_suite(family: Family, create: Callable[[], Any], options: Mapping[str, Any]) -> list[Scenario]:
    """Run the family's contract suite with ``create()`` as the store of every scenario."""
    try:
        import pytest
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError as error:  # pragma: no cover - the testing extra is missing
        raise ConfigError(
            "the contract suite needs pytest, pytest-asyncio and hypothesis",
            [Problem("astrocyte[testing]", f"{error.name} is not installed: pip install 'astrocyte[testing]'")],
        ) from error

    collector = _collector(create)
    with tempfile.TemporaryDirectory(prefix="astrocyte-check-") as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text(
            "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
        )
        (root / "test_adapter_contract.py").write_text(_bound_suite(family, options), encoding="utf-8")
        arguments = [str(root), "-c", str(root / "pytest.ini"), "--rootdir", str(root), "-q", "-p", "no:cacheprovider"]
        set_hypothesis_home_dir(str(root / ".hypothesis"))  # examples stay out of the user's folder
        try:
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                status = pytest.main([*arguments, "--import-mode=importlib"], plugins=[collector])
        finally:
            set_hypothesis_home_dir(None)
    scenarios: list[Scenario] = collector.scenarios
    if not scenarios and status != 0:
        raise ConfigError("the contract suite did not run", [Problem("pytest", printed.getvalue()[-2000:])])
    return scenarios


def _bound_suite(family: Family, options: Mapping[str, Any]) -> str:
    """A test module subclassing the family's suite, its ``store`` fixture taken from the collector."""
    dimensions = options.get("dimensions")
    fixed = f"    dimensions = {int(dimensions)}\n\n" if family.suite == "VectorStoreContract" and dimensions else ""
    return (
        "import pytest\n\n"
        f"from astrocyte.testing.contracts import {family.suite}\n\n\n"
        f"class TestAdapter({family.suite}):\n"
        f"{fixed}"
        "    @pytest.fixture\n"
        f"    def store(self, {_FIXTURE}):\n"
        f"        return {_FIXTURE}\n"
    )


def _collector(create: Callable[[], Any]) -> Any:
    """A pytest plugin giving each scenario a fresh provider and recording what became of it.

    Built on call so that importing this module (as the CLI does) does not import pytest.
    """
    import pytest

    class Collector:
        def __init__(self) -> None:
            self.scenarios: list[Scenario] = []

        @pytest.fixture(name=_FIXTURE)
        def provider(self) -> Any:
            return create()

        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            if report.when != "call" and report.passed:
                return  # setup and teardown that went well say nothing about the scenario
            name = report.nodeid.split("::")[-1]
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                self.scenarios.append(Scenario(name, "skipped", reason.removeprefix("Skipped: "), report.duration))
            elif report.failed:
                self.scenarios.append(Scenario(name, "failed", _failure(report), report.duration))
            else:
                self.scenarios.append(Scenario(name, "passed", None, report.duration))

    return Collector()


def _failure(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr)
    return message.strip().splitlines()[0] if message.strip() else "failed"


def _timed(provider: Any, family: Family, timings: dict[str, list[float]]) -> Any:
    """``provider`` with each SPI method (and optional extra it has) timed into ``timings``.

    The wrappers are set on the instance, so the class stays untouched and the conformance scenario
    still sees async methods where the SPI awaits them. A provider that refuses new attributes
    (``__slots__``) is run untimed.
    """
    names = [*protocol_methods(family.kind.protocol), *_OPTIONAL_METHODS]
    for name in names:
        method = getattr(provider, name, None)
        if method is None or not callable(method):
            continue
        try:
            setattr(provider, name, _timer(name, method, timings))
        except AttributeError:
            return provider
    return provider


def _timer(name: str, method: Callable[..., Any], timings: dict[str, list[float]]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                timings[name].append(time.perf_counter() - started)

        return timed_async

    @functools.wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            timings[name].append(time.perf_counter() - started)

    return timed


def _declared_version(cls: type) -> int:
    version = getattr(cls, "SPI_VERSION", 1)
    return version if isinstance(version, int) else -1


def _distribution_of(group: str, name: str) -> tuple[str, str] | None:
    for entry in metadata.entry_points(group=group):
        if entry.name == name and entry.dist is not None:
            return entry.dist.name, entry.dist.version
    return None


__all__ = ["AdapterReport", "Operation", "Scenario", "check_adapter", "run_suite"]
