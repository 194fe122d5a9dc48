"""``astrocyte adapter new`` and ``astrocyte adapter check``: write an adapter, then prove it.

``new`` asks for each answer it was not given as a flag (so a person is prompted and a script
passes flags); ``check`` runs the core's contract suite against an installed adapter and reports
each scenario, the declared capabilities and the latency of each operation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from astrocyte.authoring.families import FAMILIES, family_named
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
    ],
    mode: Annotated[
        BackendMode,
        typer.Option(prompt="How tests get the backend", help="embedded: start it in a temp dir; server: reach a URL."),
    ],
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
