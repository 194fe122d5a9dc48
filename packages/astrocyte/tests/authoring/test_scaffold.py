"""``astrocyte adapter new``: what it generates for every SPI family, and what it refuses."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import pathlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from astrocyte.authoring import scaffold
from astrocyte.authoring.families import FAMILIES, Family, family_named
from astrocyte.authoring.scaffold import BackendMode, adapter_spec, core_requirement, generate
from astrocyte.authoring.stubs import method_stubs, protocol_methods, render_definition
from astrocyte.cli import app
from astrocyte.discovery import check_conformance
from astrocyte.errors import ValidationError

ROOT = Path(__file__).resolve().parents[4]


def slug_of(family: Family) -> str:
    return "gen-" + family.kind.value.replace("_", "-")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One package per family, the graph store in server mode and the rest embedded."""
    folder = tmp_path_factory.mktemp("generated")
    packages = {}
    for key, family in FAMILIES.items():
        mode = BackendMode.SERVER if key == "graph_store" else BackendMode.EMBEDDED
        spec = adapter_spec(family, slug_of(family), folder=folder / key, client="somelib>=1.0", mode=mode)
        generate(spec)
        packages[key] = folder / key
    return packages


def generated_class(package: Path, family: Family, monkeypatch: pytest.MonkeyPatch) -> type:
    monkeypatch.syspath_prepend(str(package / "src"))
    module = importlib.import_module(f"astrocyte_{slug_of(family).replace('-', '_')}.{family.module}")
    return next(
        value for value in vars(module).values() if inspect.isclass(value) and value.__name__.endswith(family.name)
    )


def call(method: Any) -> None:
    """Call a generated method with placeholder arguments, awaiting it when it is async."""
    required = [
        parameter for parameter in inspect.signature(method).parameters.values() if parameter.default is parameter.empty
    ]
    positional = [None for parameter in required if parameter.kind is not parameter.KEYWORD_ONLY]
    keywords = {parameter.name: None for parameter in required if parameter.kind is parameter.KEYWORD_ONLY}
    outcome = method(*positional, **keywords)
    if inspect.iscoroutine(outcome):
        asyncio.run(outcome)


@pytest.mark.parametrize("key", list(FAMILIES))
def test_every_method_is_the_protocols_own_and_says_it_is_not_implemented(
    key: str, generated: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    family = FAMILIES[key]
    package = generated[key]
    assert sorted(str(path.relative_to(package)) for path in package.rglob("*") if path.is_file()) == sorted(
        [
            "README.md",
            "pyproject.toml",
            f"src/astrocyte_{slug_of(family).replace('-', '_')}/__init__.py",
            f"src/astrocyte_{slug_of(family).replace('-', '_')}/{family.module}.py",
            "tests/conftest.py",
            "tests/test_contract.py",
        ]
    )
    cls = generated_class(package, family, monkeypatch)
    check_conformance(cls, family.kind)
    assert cls.SPI_VERSION == family.kind.protocol.SPI_VERSION
    instance = cls(url="http://127.0.0.1:1") if key == "graph_store" else cls(path=str(package / "data"))
    for name, declared in protocol_methods(family.kind.protocol).items():
        written = getattr(cls, name)
        assert str(inspect.signature(written)) == str(inspect.signature(declared)), name
        assert inspect.iscoroutinefunction(written) == inspect.iscoroutinefunction(declared), name
        assert f"The {name} contract" in (written.__doc__ or "")
        bound = getattr(instance, name)
        with pytest.raises(
            NotImplementedError, match=rf"^{name} is not implemented yet: write it in .*{family.module}\.py"
        ):
            call(bound)


def test_docstrings_quote_the_spi_and_the_contract_scenarios() -> None:
    stubs = {stub.name: stub for stub in method_stubs(family_named("vector_store"))}
    store = stubs["store_vectors"]
    assert any("upserts and returns the ids in input order" in promise for promise in store.promises)
    assert "store_vectors returns the ids of its items in the order they were given." in store.scenarios
    listing = stubs["list_vectors"]
    assert any("visits every item exactly once" in scenario for scenario in listing.scenarios)


def test_generated_code_passes_the_repositorys_ruff_and_strict_mypy(generated: dict[str, Path]) -> None:
    folders = [str(path) for path in generated.values()]
    config = str(ROOT / "pyproject.toml")
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--config", config, *folders],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    sources = [str(path / "src") for path in generated.values()]
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *sources],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert typed.returncode == 0, typed.stdout


def test_pyproject_pins_the_spi_range_and_registers_the_entry_point(generated: dict[str, Path]) -> None:
    import tomllib

    project = tomllib.loads((generated["vector_store"] / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["build-system"]["build-backend"] == "hatchling.build"
    assert project["project"]["dependencies"] == [f"astrocyte{core_requirement()}", "somelib>=1.0"]
    assert project["project"]["optional-dependencies"]["test"] == [f"astrocyte[testing]{core_requirement()}"]
    points = project["project"]["entry-points"]["astrocyte.vector_stores"]
    assert points == {"gen-vector-store": "astrocyte_gen_vector_store.store:GenVectorStoreVectorStore"}


@pytest.mark.parametrize(
    ("version", "expected"), [("0.1.0", ">=0.1,<0.2"), ("0.9.3", ">=0.9,<0.10"), ("1.4.2", ">=1.4,<2")]
)
def test_core_range_is_the_minor_series_before_1_and_the_major_after(
    monkeypatch: pytest.MonkeyPatch, version: str, expected: str
) -> None:
    monkeypatch.setattr(scaffold, "__version__", version)
    assert core_requirement() == expected


def run_generated_tests(package: Path, env_value: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "ASTROCYTE_GEN_GRAPH_STORE_URL"}
    env["PYTHONPATH"] = str(package / "src")
    if env_value is not None:
        env["ASTROCYTE_GEN_GRAPH_STORE_URL"] = env_value
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(package / "tests"), "-q", "-rs", "-p", "no:cacheprovider", "-x"],
        capture_output=True,
        text=True,
        cwd=package,
        env=env,
        timeout=300,
    )


def test_a_server_fixture_skips_saying_why_only_without_a_server(generated: dict[str, Path]) -> None:
    package = generated["graph_store"]
    without = run_generated_tests(package, None)
    assert without.returncode == 0, without.stdout
    assert "ASTROCYTE_GEN_GRAPH_STORE_URL is not set: start a GenGraphStore server" in without.stdout
    assert "passed" not in without.stdout
    given = run_generated_tests(package, "http://127.0.0.1:1")
    assert given.returncode == 1
    assert "is not implemented yet" in given.stdout


def test_definitions_keep_keyword_only_markers_and_wrap_long_signatures() -> None:
    async def long_one(
        self: object, query: str, bank_id: str, *, a_rather_long_keyword: int = 10, another_long_one: str | None = None
    ) -> list[str]:
        return []

    text = render_definition("long_one", long_one)
    assert text.splitlines()[0] == "    async def long_one("
    assert "        *,\n" in text
    assert text.endswith("    ) -> list[str]:")
    assert render_definition("short", lambda self, x: x) == "    def short(self, x):"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"slug": "Bad_Slug"}, "slug"),
        ({"slug": "ok", "client": "tantivy; rm -rf /"}, "client"),
        ({"slug": "ok", "class_name": "lowercase"}, "class_name"),
        ({"slug": "ok", "key": "has space"}, "key"),
        ({"slug": "ok", "description": 'with "quotes"'}, "description"),
    ],
)
def test_bad_answers_are_refused_naming_the_option(tmp_path: Path, arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        adapter_spec(family_named("vector_store"), folder=tmp_path / "x", **arguments)
    assert caught.value.field == field
    assert not (tmp_path / "x").exists()


def test_family_names_in_every_spelling_and_a_helpful_refusal() -> None:
    for spelling in ("vector_store", "vector_stores", "astrocyte.vector_stores", "VectorStore"):
        assert family_named(spelling) is FAMILIES["vector_store"]
    with pytest.raises(ValidationError, match="choose one of: vector_store, document_store"):
        family_named("engine_provider")


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    answers = ["--family", "vector_store", "--slug", "x", "--client", "", "--mode", "embedded"]
    result = CliRunner().invoke(app, ["adapter", "new", *answers, "--folder", str(target)])
    assert result.exit_code == 1
    assert "already exists and is not empty" in " ".join(result.output.split())
    assert [path.name for path in target.iterdir()] == ["mine.txt"]


def test_a_failed_generation_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    original = pathlib.Path.write_text

    def failing_third_write(self: Path, *args: Any, **kwargs: Any) -> int:
        written.append(self)
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", failing_third_write)
    with pytest.raises(OSError, match="No space left"):
        generate(adapter_spec(family_named("wiki_store"), "wiki", folder=tmp_path / "astrocyte-wiki"))
    assert list(tmp_path.iterdir()) == []
