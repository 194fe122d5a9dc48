"""docs/adapters.md, walked end to end: every command block runs as written, in order, in a sandbox.

The sandbox is a fresh virtual environment that sees the workspace's packages (through a ``.pth``
line) but installs the generated adapter itself, for real, with the build backend: ``adapter new``
writes the package, ``uv pip install`` installs it (offline and without resolving dependencies,
which the workspace already holds: the only change to the guide's commands), the contract tests
fail as "not implemented", the implementation is filled in (a copy of astrocyte-tantivy's), and
``adapter check`` then reports every scenario passed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from astrocyte.authoring.families import FAMILIES
from astrocyte.authoring.scaffold import core_requirement
from astrocyte.cli import app

ROOT = Path(__file__).resolve().parents[4]
GUIDE = ROOT / "docs" / "adapters.md"
TANTIVY = ROOT / "adapters" / "astrocyte-tantivy" / "src" / "astrocyte_tantivy" / "store.py"
_STEP = re.compile(r"<!-- guide: (?P<step>[\w-]+) -->\n```(?P<language>\w+)\n(?P<body>.*?)```", re.DOTALL)


def guide_steps() -> dict[str, str]:
    return {match["step"]: match["body"] for match in _STEP.finditer(GUIDE.read_text(encoding="utf-8"))}


def uv_binary() -> str | None:
    """The uv that runs this session (``uv run`` sets UV), else one on PATH or in the checkout."""
    candidates = [os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools" / "bin" / "uv")]
    return next((found for found in candidates if found and Path(found).is_file()), None)


@dataclass
class Sandbox:
    folder: Path
    env: dict[str, str]
    uv: str

    def run(self, script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a guide block with bash, the only change being how ``uv pip install`` may install."""
        script = script.replace("uv pip install ", f"{self.uv} pip install --offline --no-deps --no-build-isolation ")
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    uv = uv_binary()
    if uv is None:
        pytest.skip("uv is needed to install the generated adapter: run the tests through `uv run` or `make test`")
    folder = tmp_path_factory.mktemp("guide")
    venv = folder / ".venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, timeout=120)
    site = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    workspace_site = sysconfig.get_paths()["purelib"]
    (site / "astrocyte_workspace.pth").write_text(f"import site; site.addsitedir({workspace_site!r})\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    env.update(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", UV_OFFLINE="1")
    box = Sandbox(folder, env, uv)
    installed = box.run(f"uv pip install -e {ROOT / 'packages' / 'astrocyte'}")  # the `astrocyte` command itself
    assert installed.returncode == 0, installed.stderr
    return box


def test_the_guide_walks_from_nothing_to_a_conformant_adapter(sandbox: Sandbox) -> None:
    steps = guide_steps()

    made = sandbox.run(steps["scaffold"])
    assert made.returncode == 0, made.stderr
    package = sandbox.folder / "astrocyte-notes"
    store = package / "src" / "astrocyte_notes" / "store.py"
    assert store.is_file()

    installed = sandbox.run(steps["install"])
    assert installed.returncode == 0, installed.stderr

    unfilled = sandbox.run(steps["test-unfilled"])
    assert unfilled.returncode == 1, unfilled.stdout[-3000:]
    assert "search_fulltext is not implemented yet: write it in" in unfilled.stdout
    assert re.search(r"\d+ failed, \d+ passed", unfilled.stdout)  # conformance already holds

    report = sandbox.run(steps["check-unfilled"])
    assert report.returncode == 1, report.stderr
    assert "NOT conformant" in report.stdout
    assert "is not implemented yet" in report.stdout

    store.write_text(TANTIVY.read_text(encoding="utf-8").replace("TantivyDocumentStore", "NotesDocumentStore"))

    filled = sandbox.run(steps["test-filled"])
    assert filled.returncode == 0, filled.stdout[-3000:]
    assert re.search(r"\d+ passed", filled.stdout)
    assert "failed" not in filled.stdout

    (sandbox.folder / "notes.yaml").write_text(steps["config"], encoding="utf-8")
    checked = sandbox.run(steps["check-filled"])
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr
    assert re.search(r"\d+ passed, 0 failed, 0 skipped: all passed", checked.stdout)
    assert "store_document" in checked.stdout  # the latency table names the operations

    # The checklist's commands: the README's config snippet loads, and the adapter lists as conformant.
    snippet = re.search(r"```yaml\n(.*?)```", (package / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    assert snippet is not None
    (sandbox.folder / "astrocyte.yaml").write_text(snippet[1], encoding="utf-8")
    config = sandbox.run("astrocyte config check astrocyte.yaml")
    assert config.returncode == 0, config.stdout + config.stderr
    listed = sandbox.run("astrocyte providers --json")
    assert '"name": "notes"' in listed.stdout


def test_the_interactive_transcript_is_what_the_command_asks(tmp_path: Path) -> None:
    lines = guide_steps()["interactive"].strip().splitlines()
    assert lines[0] == "$ astrocyte adapter new"
    prompts = [line.rsplit(": ", 1) for line in lines[1:]]
    answers = "".join(f"{answer}\n" for _, answer in prompts)
    result = CliRunner().invoke(app, ["adapter", "new", "--folder", str(tmp_path / "notes")], input=answers)
    assert result.exit_code == 0, result.output
    for prompt, _ in prompts:
        assert f"{prompt}: " in result.output
    pyproject = (tmp_path / "notes" / "pyproject.toml").read_text(encoding="utf-8")
    assert '"tantivy>=0.27,<0.28"' in pyproject


def test_the_families_table_is_the_scaffolds() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| `([\w.]+)` \| `(\w+)` \| `(\w+\.py)` \|$", text, re.MULTILINE)
    assert rows == [
        (key, family.name, family.group, family.suite, f"{family.module}.py") for key, family in FAMILIES.items()
    ]


def test_the_guide_states_the_core_range_and_entry_point_the_scaffold_writes(tmp_path: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert f"`astrocyte{core_requirement()}`" in text
    answers = ["--family", "document_store", "--slug", "notes", "--client", "", "--mode", "embedded"]
    result = CliRunner().invoke(app, ["adapter", "new", *answers, "--folder", str(tmp_path / "n")])
    assert result.exit_code == 0, result.output
    [section] = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert section in (tmp_path / "n" / "pyproject.toml").read_text(encoding="utf-8")
