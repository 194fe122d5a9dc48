"""The GitHub workflows: actionlint-clean, one publish workflow per distribution, and what each must do.

They cannot run here, so they are linted (actionlint, from the dev group) and their structure is
checked against the workspace: a distribution without a publish workflow, or an adapter outside the
integration matrix, fails here first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def distributions() -> dict[str, Path]:
    """Every published distribution of the workspace: the core and each adapter, by name."""
    projects = [ROOT / "packages" / "astrocyte", *sorted((ROOT / "adapters").glob("astrocyte-*"))]
    return {tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"]: path for path in projects}


def test_actionlint_finds_nothing() -> None:
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert binary is not None, "actionlint is in the dev dependency group: run `make sync-dev`"
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    result = subprocess.run([binary, "-color=false", *files], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(distributions()))
def test_each_distribution_has_a_trusted_publishing_workflow_the_release_dispatches(name: str) -> None:
    publish = workflow(f"publish-{name}.yml")
    project = distributions()[name]
    build = publish["jobs"]["build"]
    assert build["uses"] == "./.github/workflows/build-distribution.yml"
    assert build["with"] == {"distribution": name, "project": str(project.relative_to(ROOT))}
    job = publish["jobs"]["publish"]
    assert job["needs"] == "build"
    assert job["if"] == "needs.build.outputs.publish == 'true'"
    assert job["permissions"]["id-token"] == "write"
    assert job["permissions"]["attestations"] == "write"
    steps = [step.get("uses", "") for step in job["steps"]]
    assert any(step.startswith("actions/attest-build-provenance@") for step in steps)
    assert steps[-1].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in job["steps"][-1]  # the action's defaults: no index URL written here
    triggers = publish[True]  # YAML reads the key `on` as True
    assert "workflow_dispatch" in triggers
    fan_out = workflow("release.yml")["jobs"]["fan-out"]
    assert name in fan_out["strategy"]["matrix"]["distribution"]


def test_the_release_fans_out_on_version_tags_to_every_publish_workflow() -> None:
    release = workflow("release.yml")
    assert release[True]["push"]["tags"] == ["v*"]
    listed = set(release["jobs"]["fan-out"]["strategy"]["matrix"]["distribution"])
    assert listed == {path.stem.removeprefix("publish-") for path in WORKFLOWS.glob("publish-*.yml")}
    assert release["jobs"]["fan-out"]["permissions"] == {"actions": "write"}


def test_an_already_published_version_is_skipped() -> None:
    steps = workflow("build-distribution.yml")["jobs"]["build"]["steps"]
    check = next(step for step in steps if step.get("id") == "published")
    assert "pip index versions" in check["run"]
    assert 'echo "publish=false"' in check["run"]
    building = [step for step in steps if step.get("if") == "steps.published.outputs.publish == 'true'"]
    assert len(building) == 2  # the build and the upload both wait on the check


def test_every_adapter_runs_in_the_integration_matrix_against_its_backend() -> None:
    jobs = workflow("adapters.yml")["jobs"]
    assert jobs["postgres"]["services"]["postgres"]["image"].startswith("pgvector/pgvector:")
    assert "ASTROCYTE_PG_DSN" in jobs["postgres"]["env"]
    assert jobs["qdrant"]["services"]["qdrant"]["image"].startswith("qdrant/qdrant:")
    assert "ASTROCYTE_QDRANT_URL" in jobs["qdrant"]["env"]
    covered = {"postgres", "qdrant", *jobs["embedded"]["strategy"]["matrix"]["adapter"]}
    adapters = {name.removeprefix("astrocyte-") for name in distributions() if name != "astrocyte"}
    assert adapters <= covered


def test_core_ci_runs_the_readmes_test_command_on_every_push() -> None:
    ci = workflow("ci.yml")
    assert "push" in ci[True]
    assert [step["run"] for step in ci["jobs"]["test"]["steps"] if "run" in step] == ["make test"]


def test_no_workflow_names_a_package_index_host() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text(encoding="utf-8").lower()
        assert "pypi.org" not in text, path.name
        assert "pythonhosted" not in text, path.name
