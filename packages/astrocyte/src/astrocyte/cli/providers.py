"""``astrocyte providers`` and ``astrocyte config check``: what is installed, and is this file right."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from astrocyte.cli.output import JsonOption, console, emit
from astrocyte.config import load_config
from astrocyte.discovery import ProviderKind, check_conformance, installed, load_provider, resolve
from astrocyte.errors import AstrocyteError, ConfigError, Problem, SpiError

config_app = typer.Typer(help="Work with astrocyte.yaml files.", no_args_is_help=True)


def providers(as_json: JsonOption = False) -> None:
    """List every installed provider by kind, with its SPI conformance."""
    rows: list[dict[str, str]] = []
    for kind in ProviderKind:
        for name, target in installed(kind).items():
            try:
                check_conformance(resolve(kind, name), kind)
                status = "ok"
            except AstrocyteError as error:
                status = str(error)
            rows.append({"kind": str(kind), "name": name, "target": target, "status": status})

    def render(rows: list[dict[str, str]]) -> None:
        table = Table("kind", "name", "target", "conformance")
        for row in rows:
            status = "[green]ok[/green]" if row["status"] == "ok" else f"[red]{row['status']}[/red]"
            table.add_row(row["kind"], row["name"], row["target"], status)
        console.print(table)

    emit(rows, as_json, render)


@config_app.command("check")
def config_check(
    path: Annotated[Path, typer.Argument(help="The astrocyte.yaml to validate.")],
    load: Annotated[bool, typer.Option(help="Also load and check every provider the file names.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Validate a config file and report every problem at once, each with its key path."""
    problems: list[Problem] = []
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
                    problems += list(error.problems) or [Problem(str(kind), error.summary)]
    except ConfigError as error:
        problems = list(error.problems) or [Problem("", error.summary)]
    report: dict[str, Any] = {
        "file": str(path),
        "ok": not problems,
        "providers": configured,
        "problems": [{"path": problem.path, "message": problem.message} for problem in problems],
    }

    def render(report: dict[str, Any]) -> None:
        if report["problems"]:
            console.print(f"[red]{path}: {len(problems)} problem(s)[/red]")
            for problem in report["problems"]:
                console.print(f"  [bold]{problem['path']}[/bold]: {problem['message']}")
        else:
            console.print(f"[green]{path} is valid[/green]")
            for kind, name in configured.items():
                console.print(f"  {kind:<20} {name}")

    emit(report, as_json, render)
    if problems:
        raise typer.Exit(code=1)
