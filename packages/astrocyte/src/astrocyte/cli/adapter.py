"""``astrocyte adapter new`` and ``astrocyte adapter check``: write an adapter, then prove it.

``new`` asks for each answer it was not given as a flag (so a person is prompted and a script
passes flags); ``check`` runs the core's contract suite against an installed adapter and reports
each scenario, the declared capabilities and the latency of each operation.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from astrocyte.authoring.check import AdapterReport, check_adapter
from astrocyte.authoring.families import FAMILIES, families_of, family_named
from astrocyte.authoring.options import read_options
from astrocyte.authoring.scaffold import BackendMode, adapter_spec, generate
from astrocyte.cli.output import JsonOption, console, emit, reported_errors

adapter_app = typer.Typer(help="Write and check adapters (backends behind an SPI).", no_args_is_help=True)

_FAMILY_HELP = f"The SPI family: {', '.join(FAMILIES)}."


@adapter_app.command("new")
def new(
    family: Annotated[str, typer.Option(prompt=f"SPI family ({', '.join(FAMILIES)})", help=_FAMILY_HELP)],
    slug: Annotated[
        str, typer.Option(prompt="Adapter slug (the package is astrocyte-<slug>)", help="Lower-case name: 'chroma'.")
    ],
    client: Annotated[
        str, typer.Option(prompt="Backend client requirement (empty for none)", help="e.g. 'chromadb>=1.5'.")
    ] = "",
    mode: Annotated[
        BackendMode,
        typer.Option(prompt="How tests get the backend", help="embedded: start it in a temp dir; server: reach a URL."),
    ] = BackendMode.EMBEDDED,
    folder: Annotated[Path | None, typer.Option(help="Where to write it [default: adapters/astrocyte-<slug>].")] = None,
    backend: Annotated[str | None, typer.Option(help="The backend's display name [default: from the slug].")] = None,
    key: Annotated[str | None, typer.Option(help="Entry point name [default: the slug].")] = None,
    class_name: Annotated[str | None, typer.Option("--class", help="Class name [default: <Slug><Protocol>].")] = None,
    description: Annotated[str | None, typer.Option(help="One-line package description.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Generate an adapter package: pyproject, README, the stubbed implementation and its contract tests."""
    with reported_errors(as_json):
        spec = adapter_spec(
            family_named(family),
            slug,
            folder=folder,
            backend=backend,
            client=client,
            key=key,
            class_name=class_name,
            mode=mode,
            description=description,
        )
        files = generate(spec)
    report: dict[str, Any] = {
        "folder": str(spec.folder),
        "distribution": spec.distribution,
        "entry_point": {"group": spec.family.group, "name": spec.key, "class": spec.class_name},
        "files": [str(path) for path in files],
    }

    def render(report: dict[str, Any]) -> None:
        console.print(f"[green]wrote {report['distribution']} in {report['folder']}[/green]")
        for path in report["files"]:
            console.print(f"  {path}")
        point = report["entry_point"]
        console.print(f"entry point {point['group']}: {point['name']} -> {point['class']}")
        console.print("next: fill in the methods, install it, run its tests, then `astrocyte adapter check`")

    emit(report, as_json, render)


@adapter_app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="The adapter's entry point name, e.g. 'chroma'.")],
    family: Annotated[
        str | None, typer.Option(help="Check only this SPI family [default: every family the name is in].")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="YAML with the constructor options: a plain mapping, or an astrocyte.yaml (<kind>_config)."),
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="One constructor option as key=value; repeatable.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the core's contract suite against an installed adapter and report every scenario."""
    with reported_errors(as_json):
        chosen = family_named(family) if family is not None else None
        settings = read_options(config, option or [])
        families = [chosen] if chosen is not None else families_of(name)
        reports = [check_adapter(name, found, settings.for_kind(found.kind)) for found in families]
    data = [_report_data(report) for report in reports]
    emit(data, as_json, _render_reports)
    if not all(report.ok for report in reports):
        raise typer.Exit(code=1)


def _report_data(report: AdapterReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    data.update(ok=report.ok, counts=report.counts)
    return data


def _render_reports(reports: list[dict[str, Any]]) -> None:
    for report in reports:
        version = f"{report['distribution']} {report['distribution_version']}" if report["distribution"] else "-"
        supported = ", ".join(str(number) for number in report["supported_spi_versions"])
        console.print(f"[bold]{report['kind']} {report['name']}[/bold] -> {report['target']} ({version})")
        console.print(f"  SPI version {report['spi_version']} (this core supports: {supported})")
        for problem in report["problems"]:
            console.print(f"  [red]conformance: {problem}[/red]", soft_wrap=True)
        if not report["problems"]:
            console.print("  conformance: every SPI method present, async where the SPI awaits it")
        if report["capabilities"] is not None:
            declared = ", ".join(f"{key}={value}" for key, value in report["capabilities"].items())
            console.print(f"  capabilities: {declared}")
        scenarios = Table("scenario", "outcome", "seconds")
        colour = {"passed": "green", "failed": "red", "skipped": "yellow"}
        for scenario in report["scenarios"]:
            outcome = f"[{colour[scenario['outcome']]}]{scenario['outcome']}[/]"
            scenarios.add_row(scenario["name"], outcome, f"{scenario['seconds']:.3f}")
        if report["scenarios"]:
            console.print(scenarios)
        for scenario in report["scenarios"]:
            if scenario["reason"]:  # whole, unwrapped: a reason is read, copied and searched for
                label = f"[{colour[scenario['outcome']]}]{scenario['outcome']}[/]"
                console.print(f"  {label} {scenario['name']}: {scenario['reason']}", soft_wrap=True, markup=True)
        operations = Table("operation", "calls", "p50 ms", "p95 ms", "max ms")
        for operation in report["operations"]:
            operations.add_row(
                operation["name"],
                str(operation["calls"]),
                f"{operation['p50_ms']:.2f}",
                f"{operation['p95_ms']:.2f}",
                f"{operation['max_ms']:.2f}",
            )
        if report["operations"]:
            console.print(operations)
        counts = report["counts"]
        verdict = "[green]all passed[/green]" if report["ok"] else "[red]NOT conformant[/red]"
        console.print(f"  {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped: {verdict}")
