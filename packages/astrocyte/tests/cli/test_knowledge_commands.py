"""``astrocyte knowledge``: every subcommand through the real command line, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from astrocyte.cli import app

runner = CliRunner()

DOCUMENT = """---
slug: rotate-db
---
# Rotate database credentials
## Activation Patterns
- the database password expired
## Create the new user
Create a login role.
```json
{"contract": {"type": "shell", "shell": {"cmd": "psql -c 'select 1'"}}}
```
## Confirm
Ask the owner.
```json
{"contract": {"type": "user_input"}}
```
## Reward Signal
The app connects.
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    database = tmp_path / "knowledge.db"
    file = tmp_path / "astrocyte.yaml"
    file.write_text(
        f"vector_store: sqlite\nvector_store_config:\n  path: {database}\n"
        f"knowledge_store: sqlite\nknowledge_store_config:\n  path: {database}\n"
        "embedding_provider: hashing\nknowledge:\n  default_principal: ana\n  groups:\n    ops: [ana]\n",
        encoding="utf-8",
    )
    return file


def run(config: Path, *arguments: str) -> Any:
    result = runner.invoke(app, ["knowledge", *arguments, "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_train_activate_run_reward_export_tune_attach_delete(config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "adapters"
    folder.mkdir()
    (folder / "rotate.md").write_text(DOCUMENT, encoding="utf-8")
    trained = run(config, "train", str(folder))
    assert trained["adapters"][0]["uri"] == "astrocyte://adapter/rotate-db"

    found = run(config, "activate", "my db password expired")
    choice = found["choices"][0]
    assert choice["uri"] == "astrocyte://adapter/rotate-db"
    assert choice["why"]

    step = run(config, "forward", choice["next_call"]["args"]["uri"])
    for evidence in ({"exit_code": 0}, {"confirmation": True}):
        solution = {**step["next_call"]["args"]["solution"], "evidence": evidence}
        step = run(
            config,
            "forward",
            step["layer"]["uri"],
            "--execution-id",
            step["execution_id"],
            "--solution",
            json.dumps(solution),
        )
        assert step["accepted"] is True
    assert step["status"] == "completed"
    assert step["next_call"]["tool"] == "reward"
    rewarded = run(config, "reward", step["execution_id"], "success", "--feedback", "fine")
    assert rewarded["successes"] == 1

    exported = runner.invoke(app, ["knowledge", "export", "astrocyte://adapter/rotate-db", "--config", str(config)])
    assert exported.exit_code == 0
    assert exported.output.startswith("---\nslug: rotate-db\n")
    edited = tmp_path / "edited.md"
    edited.write_text(exported.output.replace("Create a login role.", "Create a login role with a vault secret."))
    tuned = run(config, "tune", "astrocyte://adapter/rotate-db", str(edited))
    assert len(tuned["layer_uris"]) == 2

    script = tmp_path / "rotate.sh"
    script.write_text("#!/bin/sh\necho rotate\n", encoding="utf-8")
    attached = run(config, "attach", "astrocyte://adapter/rotate-db", str(script))
    assert attached["name"] == "rotate.sh"
    listed = run(config, "artifacts", "astrocyte://adapter/rotate-db", "--content")
    assert listed[0]["content"] == "#!/bin/sh\necho rotate\n"
    spaces = run(config, "spaces")
    assert [space["space_id"] for space in spaces] == ["user:ana", "group:ops", "space:shared"]
    assert spaces[0]["adapters"][0]["slug"] == "rotate-db"

    deleted = run(config, "delete", "astrocyte://adapter/rotate-db", "--yes")
    assert deleted["artifacts_deleted"] == 1
    assert run(config, "activate", "my db password expired")["choices"] == []


def test_errors_exit_1_with_the_code(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("intro\n# T\n", encoding="utf-8")
    result = runner.invoke(app, ["knowledge", "train", str(bad), "--config", str(config), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.output)["error"]
    assert error["code"] == "validation_error"
    assert "line 1" in error["message"]
    missing = runner.invoke(app, ["knowledge", "export", "astrocyte://adapter/nope", "--config", str(config)])
    assert missing.exit_code == 1
    solution = runner.invoke(
        app, ["knowledge", "forward", "astrocyte://adapter/x", "--solution", "{nope", "--config", str(config)]
    )
    assert solution.exit_code == 1


def test_people_get_text(config: Path, tmp_path: Path) -> None:
    file = tmp_path / "rotate.md"
    file.write_text(DOCUMENT, encoding="utf-8")
    trained = runner.invoke(app, ["knowledge", "train", str(file), "--config", str(config)])
    assert trained.exit_code == 0
    assert "trained 1 adapter" in trained.output
    found = runner.invoke(
        app, ["knowledge", "activate", "database password", "--config", str(config)], env={"COLUMNS": "200"}
    )
    assert found.exit_code == 0
    assert "rotate-db" in found.output
    spaces = runner.invoke(app, ["knowledge", "spaces", "--config", str(config)])
    assert spaces.exit_code == 0
    assert "user:ana" in spaces.output
