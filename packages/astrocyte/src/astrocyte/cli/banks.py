"""``astrocyte banks``: list, create, describe and delete banks."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from astrocyte.cli.engine import ConfigOption, run_with_engine
from astrocyte.cli.output import JsonOption, console, emit, reported_errors

banks_app = typer.Typer(help="List, create, describe and delete banks.", invoke_without_command=True)


@banks_app.callback()
def list_banks(ctx: typer.Context, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Every bank with its memory count (the default action)."""
    if ctx.invoked_subcommand is not None:
        return

    async def gather(engine: Any) -> list[Any]:
        return [await engine.bank_stats(bank.bank_id) for bank in await engine.list_banks()]

    with reported_errors(as_json):
        stats = run_with_engine(config, gather)

    def render(stats: list[Any]) -> None:
        if not stats:
            console.print("[dim]no banks yet: `astrocyte retain BANK TEXT` creates one[/dim]")
            return
        table = Table("bank", "memories", "created", "description")
        for row in stats:
            created = row.created_at.strftime("%Y-%m-%d %H:%M") if row.created_at else ""
            table.add_row(row.bank_id, str(row.memory_count), created, row.description or "")
        console.print(table)

    emit(stats, as_json, render)


@banks_app.command("create")
def create_bank(
    bank: Annotated[str, typer.Argument(help="The new bank's id.")],
    description: Annotated[str | None, typer.Option(help="What the bank is for.")] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create BANK (an error if it exists)."""
    with reported_errors(as_json):
        record = run_with_engine(config, lambda engine: engine.create_bank(bank, description=description))
    emit(record, as_json, lambda record: console.print(f"[green]created[/green] '{record.bank_id}'"))


@banks_app.command("stats")
def bank_stats(
    bank: Annotated[str, typer.Argument(help="The bank.")], config: ConfigOption = None, as_json: JsonOption = False
) -> None:
    """How many memories BANK holds, with its record."""
    with reported_errors(as_json):
        stats = run_with_engine(config, lambda engine: engine.bank_stats(bank))
    emit(stats, as_json, lambda stats: console.print(f"'{stats.bank_id}': {stats.memory_count} memories"))


@banks_app.command("delete")
def delete_bank(
    bank: Annotated[str, typer.Argument(help="The bank to delete with all its memories.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete BANK and every memory in it, in every store."""
    if not yes:
        typer.confirm(f"Delete bank '{bank}' and all its memories?", abort=True)
    with reported_errors(as_json):
        result = run_with_engine(config, lambda engine: engine.delete_bank(bank))
    emit(result, as_json, lambda result: console.print(f"deleted '{bank}' ({result.deleted_count} memories)"))
