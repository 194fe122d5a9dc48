"""``astrocyte serve`` (REST), ``astrocyte mcp`` (MCP over stdio or HTTP) and ``astrocyte server hash-key``.

The servers need the ``server`` extra; the imports are deferred so the rest of the command line
works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from astrocyte.cli.engine import LOCAL_CONFIG, ConfigOption
from astrocyte.cli.output import console, reported_errors
from astrocyte.config import AstrocyteConfig, load_config

server_app = typer.Typer(help="Server helpers: API keys.")

DevOption = Annotated[
    bool, typer.Option("--dev", help="No authentication, every permission; binds loopback addresses only.")
]
HostOption = Annotated[str | None, typer.Option(help="Address to bind (default: server.host, 127.0.0.1).")]
PortOption = Annotated[int | None, typer.Option(help="Port to bind (default: server.port, 8420).")]


def _config(path: Path | None) -> AstrocyteConfig:
    if path is not None:
        return load_config(path)
    if LOCAL_CONFIG.is_file():
        return load_config(LOCAL_CONFIG)
    from astrocyte.pipeline.wiring import default_config

    return default_config()


def serve(
    config: ConfigOption = None, dev: DevOption = False, host: HostOption = None, port: PortOption = None
) -> None:
    """Serve the REST API (OpenAPI at /v1/openapi.json, docs at /v1/docs)."""
    with reported_errors():
        import uvicorn

        from astrocyte.server.rest import create_app
        from astrocyte.server.runtime import server_config

        chosen = server_config(_config(config), dev=dev, host=host, port=port)
        app = create_app(chosen)
    uvicorn.run(app, host=chosen.server.host, port=chosen.server.port, log_level="info")


def mcp(
    transport: Annotated[
        str, typer.Option(help="stdio (for a local agent) or http (streamable HTTP at /mcp).")
    ] = "stdio",
    config: ConfigOption = None,
    dev: DevOption = False,
    host: HostOption = None,
    port: PortOption = None,
    bank: Annotated[
        str | None, typer.Option(help="Default bank of tool calls that name none (default: server.mcp.default_bank).")
    ] = None,
) -> None:
    """Serve memory to agents over MCP. Over stdio the identity is the key in ASTROCYTE_API_KEY."""
    with reported_errors():
        from astrocyte.server.mcp import run_http, run_stdio
        from astrocyte.server.runtime import server_config

        if transport not in ("stdio", "http"):
            from astrocyte.errors import ValidationError

            raise ValidationError("transport", f"must be stdio or http, got {transport!r}")
        chosen = server_config(_config(config), dev=dev, host=host, port=port, default_bank=bank)
        kind: Literal["stdio", "http"] = "stdio" if transport == "stdio" else "http"
        if kind == "stdio":
            run_stdio(chosen)
        else:
            run_http(chosen)


@server_app.command("hash-key")
def hash_key_command(
    key: Annotated[str | None, typer.Argument(help="An existing key to hash; omit to make a new one.")] = None,
) -> None:
    """Make a new API key (or hash a given one) and print the hash to put in server.principals.<name>.api_keys."""
    from astrocyte.governance.keys import hash_key, new_key

    made = key is None
    chosen = new_key() if key is None else key
    if made:
        console.print(f"key:  {chosen}   [dim](give it to the client; it is not stored anywhere)[/dim]")
    console.print(f"hash: {hash_key(chosen)}")


@server_app.command("openapi")
def openapi_command(
    output: Annotated[Path | None, typer.Option(help="Write the document here instead of printing it.")] = None,
) -> None:
    """The REST API's OpenAPI document (what /v1/openapi.json serves), for publishing or client generation."""
    import json

    from astrocyte.config import load_config_dict
    from astrocyte.server.rest import create_app

    document = json.dumps(create_app(load_config_dict({})).openapi(), indent=2)
    if output is None:
        typer.echo(document)
    else:
        output.write_text(document + "\n", encoding="utf-8")
