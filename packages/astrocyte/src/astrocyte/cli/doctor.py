"""``astrocyte doctor``: what is configured, what is installed, and whether each store answers."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from astrocyte.cli.engine import ConfigOption, open_engine
from astrocyte.cli.output import JsonOption, console, emit, reported_errors
from astrocyte.discovery import ProviderKind, installed


def doctor(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Configured providers, their health, and every installed provider."""
    import asyncio

    async def examine() -> dict[str, Any]:
        async with open_engine(config) as engine:
            names = {str(kind): engine.config.provider(kind)[0] for kind in ProviderKind}
            health = await engine.health()
            return {
                "healthy": health.healthy,
                "configured": {kind: name for kind, name in names.items() if name is not None},
                "health": health.components,
                "installed": {str(kind): sorted(installed(kind)) for kind in ProviderKind},
            }

    with reported_errors(as_json):
        report = asyncio.run(examine())

    def render(report: dict[str, Any]) -> None:
        table = Table("kind", "provider", "health", "latency", "message")
        for kind, name in report["configured"].items():
            status = report["health"].get(kind)
            if status is None:
                table.add_row(kind, name, "", "", "")
                continue
            verdict = "[green]healthy[/green]" if status.healthy else "[red]unhealthy[/red]"
            latency = f"{status.latency_ms:.1f} ms" if status.latency_ms is not None else ""
            table.add_row(kind, name, verdict, latency, status.message or "")
        console.print(table)
        for kind, names in report["installed"].items():
            console.print(f"[dim]installed {kind}: {', '.join(names) or '-'}[/dim]")

    emit(report, as_json, render)
