"""The README's example runs as written: a reader who copies it gets what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_taste_example_finds_the_trail_memory() -> None:
    example = next(block for block in python_blocks() if "asyncio.run(main())" in block)
    result = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, check=True, timeout=60)
    assert "Alice hiked the Pacific Crest Trail" in result.stdout


def test_the_contract_example_is_a_valid_suite_binding(tmp_path: Path) -> None:
    """The adapter snippet, with a real store in place of ``MyVectorStore``, runs the whole suite green."""
    snippet = next(block for block in python_blocks() if "VectorStoreContract" in block)
    module = "from astrocyte.stores.memory import MemoryVectorStore as MyVectorStore\n" + snippet.replace(
        'MyVectorStore(dsn="...")', "MyVectorStore()"
    )
    (tmp_path / "test_snippet.py").write_text(module, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert re.search(r"\d+ passed", result.stdout)


def test_the_configuration_example_is_a_valid_file(tmp_path: Path) -> None:
    import yaml

    from astrocyte.config import load_config

    [block] = [block for block in yaml_blocks() if "vector_store" in block]
    file = tmp_path / "astrocyte.yaml"
    file.write_text(block, encoding="utf-8")
    config = load_config(file)
    assert yaml.safe_load(block)["vector_store"] == config.vector_store == "guide-vectors"
    assert config.llm_provider == "openai"


def test_the_server_example_is_a_valid_file_and_the_mcp_config_names_the_command(tmp_path: Path) -> None:
    import json

    from astrocyte.config import load_config
    from astrocyte.governance.keys import hash_key

    [block] = [block for block in yaml_blocks() if "principals:" in block]
    file = tmp_path / "astrocyte.yaml"
    file.write_text(block.replace("sha256:…", hash_key("ast_example")), encoding="utf-8")
    server = load_config(file).server
    assert server.principals["support-agent"].grants["customer-*"] == ["read", "write"]
    assert server.jwt is not None
    assert server.jwt.audience == "astrocyte"

    [snippet] = [
        block
        for block in re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
        if "mcpServers" in block
    ]
    entry = json.loads(snippet)["mcpServers"]["astrocyte"]
    assert entry["command"] == "astrocyte"
    assert entry["args"][0] == "mcp"
