"""Harness that proves the contract suites bite: it runs a suite against a deliberately broken store.

``run_contract(suite, store_source, store_expression)`` writes a throwaway test module that
subclasses ``suite`` with a ``store`` fixture built from ``store_source``, runs it in-process with
pytest's own ``pytester``, and returns the names of the scenarios that failed, passed and skipped.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import anyio._backends._asyncio  # noqa: F401
import httpcore._backends.anyio  # noqa: F401
import pytest

import astrocyte.embedders.hashing
import astrocyte.llm.openai
import astrocyte.stores.memory
import astrocyte.testing.openai_server  # noqa: F401
from astrocyte.testing import contracts

# pytester forgets every module first imported during an inner run. numpy refuses to be imported
# twice in one process, and httpx imports httpcore (and anyio's backend) only at its first request:
# made inside an inner run, that import would be forgotten, and the next one would raise exceptions
# of classes httpx no longer recognises. Importing the suites, the providers and those lazily
# imported modules here, before any inner run, keeps one copy of each loaded across runs.
for _suite in contracts.__all__:
    getattr(contracts, _suite)


@dataclass(frozen=True)
class SuiteOutcome:
    failed: frozenset[str]
    passed: frozenset[str]
    skipped: frozenset[str]


RunContract = Callable[[str, str, str], SuiteOutcome]


def _scenario(nodeid: str) -> str:
    """``test_bite.py::TestBroken::test_x[param]`` -> ``test_x``."""
    return nodeid.split("::")[-1].split("[")[0]


@pytest.fixture
def run_contract(pytester: pytest.Pytester) -> RunContract:
    def run(suite: str, store_source: str, store_expression: str) -> SuiteOutcome:
        module = (
            "import pytest\n"
            f"from astrocyte.testing.contracts import {suite}\n"
            f"{textwrap.dedent(store_source)}\n\n"
            f"class TestBroken({suite}):\n"
            "    @pytest.fixture\n"
            "    def store(self):\n"
            f"        return {store_expression}\n"
        )
        pytester.makepyfile(test_bite=module)
        pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
        recorder = pytester.inline_run("-p", "no:cacheprovider", "-p", "no:randomly")
        passed, skipped, failed = recorder.listoutcomes()
        return SuiteOutcome(
            failed=frozenset(_scenario(report.nodeid) for report in failed),
            passed=frozenset(_scenario(report.nodeid) for report in passed),
            skipped=frozenset(_scenario(report.nodeid) for report in skipped),
        )

    return run
