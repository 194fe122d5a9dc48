"""The ``astrocyte`` command line: human output by default, ``--json`` for scripts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from astrocyte import __version__
from astrocyte.errors import AstrocyteError, ConfigError, SpiError

app = typer.Typer(
    help="Astrocyte: memory for AI agents.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
config_app = typer.Typer(help="Work with astrocyte.yaml files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
console = Console()


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


@app.command()
def demo() -> None:
    """Store a short story in two banks on the in-memory stores and query it (no server, no key)."""
    from astrocyte.demo import run_demo

    providers, queries = asyncio.run(run_demo())
    console.print("[bold]Astrocyte foundation demo[/bold] — providers loaded from the built-in 'memory' profile:")
    for kind, name in providers.items():
        console.print(f"  {kind:<20} {name}")
    for result in queries:
        table = Table(title=f"{result.label}: “{result.query}” in bank '{result.bank_id}'", title_justify="left")
        table.add_column("leg")
        table.add_column("score", justify="right")
        table.add_column("memory")
        for hit in result.semantic:
            table.add_row("semantic", f"{hit.score:.3f}", hit.text)
        if result.keyword is None:
            table.add_row("keyword", "", "[dim]skipped: documents carry no time to filter on[/dim]")
        else:
            for doc in result.keyword:
                table.add_row("keyword", f"{doc.score:.3f}", doc.text)
        console.print(table)


@app.command()
def providers(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List every installed provider by kind, with its SPI conformance."""
    from astrocyte.discovery import ProviderKind, check_conformance, installed, resolve

    rows: list[dict[str, str]] = []
    for kind in ProviderKind:
        for name, target in sorted(installed(kind).items()):
            try:
                check_conformance(resolve(kind, name), kind)
                status = "ok"
            except AstrocyteError as error:
                status = str(error)
            rows.append({"kind": str(kind), "name": name, "target": target, "status": status})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("kind", "name", "target", "conformance")
    for row in rows:
        ok = row["status"] == "ok"
        table.add_row(
            row["kind"], row["name"], row["target"], "[green]ok[/green]" if ok else f"[red]{row['status']}[/red]"
        )
    console.print(table)


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="The astrocyte.yaml to validate.")],
    load: Annotated[bool, typer.Option(help="Also load and check every provider the file names.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Validate a config file and report every problem at once, each with its key path."""
    from astrocyte.config import load_config
    from astrocyte.discovery import ProviderKind, load_provider

    problems: list[dict[str, str]] = []
    configured: dict[str, str] = {}
    try:
        config = load_config(path)
        for kind in ProviderKind:
            name, options = config.provider(kind)
            if name is None:
                continue
            configured[str(kind)] = name
            if load:
                try:
                    load_provider(kind, name, options)
                except (ConfigError, SpiError) as error:
                    problems += [{"path": p.path or str(kind), "message": p.message} for p in error.problems] or [
                        {"path": str(kind), "message": error.summary}
                    ]
    except ConfigError as error:
        problems = [{"path": p.path, "message": p.message} for p in error.problems] or [
            {"path": "", "message": error.summary}
        ]
    if as_json:
        typer.echo(json.dumps({"file": str(path), "ok": not problems, "providers": configured, "problems": problems}))
    elif problems:
        console.print(f"[red]{path}: {len(problems)} problem(s)[/red]")
        for problem in problems:
            console.print(f"  [bold]{problem['path']}[/bold]: {problem['message']}")
    else:
        console.print(f"[green]{path} is valid[/green]" + "".join(f"\n  {k:<20} {v}" for k, v in configured.items()))
    if problems:
        raise typer.Exit(code=1)


def main() -> None:
    app()
