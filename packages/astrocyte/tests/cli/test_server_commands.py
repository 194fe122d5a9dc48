"""``astrocyte server hash-key`` and ``astrocyte server openapi`` through the real command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from astrocyte import __version__
from astrocyte.cli import app
from astrocyte.governance.keys import hash_key

runner = CliRunner()


def test_hash_key_makes_a_key_and_prints_its_hash() -> None:
    made = runner.invoke(app, ["server", "hash-key"])
    assert made.exit_code == 0, made.output
    key = re.search(r"key:\s+(ast_\S+)", made.output)
    assert key is not None
    assert f"hash: {hash_key(key.group(1))}" in made.output
    given = runner.invoke(app, ["server", "hash-key", "ast_given"])
    assert given.output.strip() == f"hash: {hash_key('ast_given')}"


def test_openapi_writes_the_versioned_document(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = runner.invoke(app, ["server", "openapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["info"]["version"] == __version__
    assert all(path.startswith("/v1/") or path in ("/health", "/ready", "/metrics") for path in document["paths"])


def test_serve_refuses_dev_mode_on_a_public_address() -> None:
    result = runner.invoke(app, ["serve", "--dev", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "refusing to bind '0.0.0.0'" in result.output
