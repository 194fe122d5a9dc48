"""``astrocyte-postgres``: migrate a schema, switch its bank policies, run the benchmark.

The DSN comes from ``--dsn``, from ``$ASTROCYTE_PG_DSN``, or from the stores an ``astrocyte.yaml``
puts on postgres (``--config``, whose ``${VAR}`` references are substituted as the engine does).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from astrocyte.errors import AstrocyteError
from astrocyte_postgres import admin
from astrocyte_postgres.database import describe_dsn

app = typer.Typer(help="Astrocyte on PostgreSQL: schema administration and benchmarks.", no_args_is_help=True)

DsnOption = Annotated[
    str | None, typer.Option(envvar="ASTROCYTE_PG_DSN", help="postgresql:// URI (or $ASTROCYTE_PG_DSN).")
]
SchemaOption = Annotated[str, typer.Option(help="The schema holding the tables (one per tenant).")]
ConfigOption = Annotated[Path | None, typer.Option(help="Take DSN and schema from the postgres stores of this file.")]


def _targets(dsn: str | None, schema: str, config: Path | None) -> list[tuple[str, str]]:
    if config is not None:
        return admin.schemas_in_config(str(config))
    if not dsn:
        raise typer.BadParameter("give --dsn, set ASTROCYTE_PG_DSN, or give --config astrocyte.yaml", param_hint="--dsn")
    return [(dsn, schema)]


@app.command()
def migrate(
    dsn: DsnOption = None,
    schema: SchemaOption = "astrocyte",
    config: ConfigOption = None,
    to: Annotated[int | None, typer.Option(help="Stop after this migration version.")] = None,
) -> None:
    """Create the schema and apply every migration it lacks (safe to run from several processes at once)."""
    try:
        for target_dsn, target_schema in _targets(dsn, schema, config):
            applied = asyncio.run(admin.apply_migrations(target_dsn, target_schema, to))
            where = f"{describe_dsn(target_dsn)} schema {target_schema}"
            typer.echo(f"{where}: applied {applied}" if applied else f"{where}: up to date")
    except AstrocyteError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def rls(
    state: Annotated[str, typer.Argument(help="enable or disable")],
    dsn: DsnOption = None,
    schema: SchemaOption = "astrocyte",
    config: ConfigOption = None,
) -> None:
    """Enable or disable the row-level bank policies (see the README: the application role must not own the tables)."""
    if state not in ("enable", "disable"):
        raise typer.BadParameter("must be 'enable' or 'disable'", param_hint="STATE")
    try:
        for target_dsn, target_schema in _targets(dsn, schema, config):
            asyncio.run(admin.set_row_level_security(target_dsn, target_schema, state == "enable"))
            typer.echo(f"{describe_dsn(target_dsn)} schema {target_schema}: row-level security {state}d")
    except AstrocyteError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
