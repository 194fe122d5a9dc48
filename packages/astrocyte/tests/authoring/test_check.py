"""``astrocyte adapter check``: the report on real installed adapters, good and flawed.

The command runs pytest itself, so it is run here as a separate process, as a user or CI runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from astrocyte.authoring.check import check_adapter
from astrocyte.authoring.families import FAMILIES
from astrocyte.authoring.options import read_options
from astrocyte.discovery import ProviderKind
from astrocyte.errors import ConfigError, ValidationError


def astrocyte(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from astrocyte.cli import main; main()", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
    )


def report_of(*arguments: str) -> tuple[int, list[dict[str, Any]]]:
    result = astrocyte("adapter", "check", *arguments, "--json")
    return result.returncode, json.loads(result.stdout)


def test_a_conformant_adapter_passes_with_its_capabilities_and_latencies() -> None:
    status, [report] = report_of("tantivy")  # no options: the index lives in memory
    assert status == 0
    assert (report["ok"], report["kind"], report["target"]) == (
        True,
        "document_store",
        "astrocyte_tantivy.store:TantivyDocumentStore",
    )
    assert (report["distribution"], report["spi_version"], report["supported_spi_versions"]) == (
        "astrocyte-tantivy",
        1,
        [1],
    )
    assert report["counts"]["failed"] == 0
    assert report["counts"]["passed"] == len(report["scenarios"]) > 40
    names = {scenario["name"] for scenario in report["scenarios"]}
    assert {"test_satisfies_spi", "test_filter_tags_all", "test_query_syntax_never_raises[amber AND cobalt]"} <= names
    assert report["capabilities"]["filter_tag_match_all"] is True
    operations = {operation["name"]: operation for operation in report["operations"]}
    assert {"store_document", "search_fulltext", "get_document", "delete_documents", "delete_bank", "health"} <= set(
        operations
    )
    search = operations["search_fulltext"]
    assert search["calls"] > 0
    assert 0 <= search["p50_ms"] <= search["p95_ms"] <= search["max_ms"]


def test_a_real_gap_is_reported_as_the_failed_promise_with_its_reason() -> None:
    """The guide adapter (written from the published guide alone) validates no bank ids: the check says so."""
    status, [report] = report_of("guide-vectors", "-o", "dimensions=8", "-o", "namespace=adapter-check")
    assert status == 1
    assert report["ok"] is False
    failed = {
        scenario["name"]: scenario["reason"] for scenario in report["scenarios"] if scenario["outcome"] == "failed"
    }
    assert list(failed) == ["test_invalid_bank_id_raises"]
    assert "DID NOT RAISE" in failed["test_invalid_bank_id_raises"]
    skipped = [scenario for scenario in report["scenarios"] if scenario["outcome"] == "skipped"]
    assert skipped
    assert all("declares" in scenario["reason"] for scenario in skipped)
    assert report["spi_version"] == 1  # undeclared, so version 1 by the published rule


def test_a_non_conformant_class_is_reported_without_running_the_suite() -> None:
    status, [report] = report_of("astrocyte.stores.memory:MemoryVectorStore", "--family", "document_store")
    assert status == 1
    assert report["scenarios"] == []
    assert any(problem.startswith("store_document: missing") for problem in report["problems"])


def test_an_unknown_name_suggests_the_installed_one() -> None:
    result = astrocyte("adapter", "check", "tantivyy")
    assert result.returncode == 1
    assert "did you mean 'tantivy'" in " ".join(result.stderr.split())


def test_a_bad_option_is_reported_at_its_key() -> None:
    result = astrocyte("adapter", "check", "tantivy", "--option", "paht=./x")
    assert result.returncode == 1
    assert "document_store_config.paht: unknown key; did you mean 'path'?" in " ".join(result.stderr.split())


def test_check_adapter_reports_conformance_problems_in_process() -> None:
    report = check_adapter("astrocyte.stores.memory:MemoryDocumentStore", FAMILIES["graph_store"], {})
    assert not report.ok
    assert report.problems
    assert report.scenarios == []


# ------------------------------------------------------------------------------------ options


def test_options_from_a_plain_file_with_pairs_on_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECK_INDEX", "/data/index")
    file = tmp_path / "options.yaml"
    file.write_text("path: ${CHECK_INDEX}\ncollection: ${CHECK_COLLECTION:-memories}\n", encoding="utf-8")
    options = read_options(file, ["collection=override", "extra=a=b"])
    expected = {"path": "/data/index", "collection": "override", "extra": "a=b"}
    assert options.for_kind(ProviderKind.VECTOR_STORE) == expected


def test_options_from_an_astrocyte_yaml_take_each_kinds_section(tmp_path: Path) -> None:
    file = tmp_path / "astrocyte.yaml"
    file.write_text(
        "vector_store: chroma\nvector_store_config: {path: ./v}\ndocument_store_config:\n  path: ./d\n",
        encoding="utf-8",
    )
    options = read_options(file, [])
    assert options.for_kind(ProviderKind.VECTOR_STORE) == {"path": "./v"}
    assert options.for_kind(ProviderKind.DOCUMENT_STORE) == {"path": "./d"}
    assert options.for_kind(ProviderKind.GRAPH_STORE) == {}


@pytest.mark.parametrize(
    ("content", "pairs", "error"),
    [
        (None, ["novalue"], ValidationError),
        (None, ["=x"], ValidationError),
        ("- a list\n", [], ConfigError),
        ("key: [unclosed\n", [], ConfigError),
        ("path: ${UNSET_CHECK_VARIABLE}\n", [], ConfigError),
    ],
)
def test_malformed_options_are_typed_errors(
    tmp_path: Path, content: str | None, pairs: list[str], error: type[Exception]
) -> None:
    file = None
    if content is not None:
        file = tmp_path / "options.yaml"
        file.write_text(content, encoding="utf-8")
    with pytest.raises(error):
        read_options(file, pairs)
