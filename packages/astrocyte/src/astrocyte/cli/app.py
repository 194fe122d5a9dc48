"""The ``astrocyte`` application: the root command and where each subcommand is registered."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocyte import __version__
from astrocyte.cli import adapter, banks, bench, demo, doctor, knowledge, memory, providers, server
from astrocyte.cli.output import console

app = typer.Typer(
    help="Astrocyte: memory for AI agents.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
app.command()(demo.demo)
app.command()(memory.retain)
app.command("import")(memory.import_memories)
app.command()(memory.recall)
app.command()(memory.reflect)
app.command()(memory.forget)
app.command()(memory.export)
app.add_typer(banks.banks_app, name="banks")
app.command()(doctor.doctor)
app.add_typer(bench.bench_app, name="bench")
app.command()(providers.providers)
app.add_typer(providers.config_app, name="config")
app.add_typer(knowledge.knowledge_app, name="knowledge")
app.command()(server.serve)
app.command()(server.mcp)
app.add_typer(server.server_app, name="server")
app.add_typer(adapter.adapter_app, name="adapter")


def _version(value: bool) -> None:
    if value:
        console.print(f"astrocyte {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Astrocyte: memory for AI agents."""


def main() -> None:
    app()
