"""``astrocyte-postgres``: migrate a schema, switch its bank policies, run the benchmark.

The DSN comes from ``--dsn``, from ``$ASTROCYTE_PG_DSN``, or from the stores an ``astrocyte.yaml``
puts on postgres (``--config``, whose ``${VAR}`` references are substituted as the engine does).
"""

from __future__ import annotations

import asyncio
import json
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
        raise typer.BadParameter(
            "give --dsn, set ASTROCYTE_PG_DSN, or give --config astrocyte.yaml", param_hint="--dsn"
        )
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


@app.command()
def bench(
    dsn: Annotated[
        str | None, typer.Option(envvar="ASTROCYTE_PG_DSN", help="A server to use; else an embedded one is started.")
    ] = None,
    size: Annotated[int, typer.Option(min=1000, help="Memories retained and vectors searched.")] = 100_000,
    queries: Annotated[int, typer.Option(min=10, help="Searches timed.")] = 200,
    clusters: Annotated[int, typer.Option(min=1, help="Centres of the clustered search vectors.")] = 1000,
    ef_search: Annotated[int, typer.Option(min=1, help="HNSW candidate list size of the searches.")] = 64,
    report: Annotated[Path | None, typer.Option(help="Also write the figures to this JSON file.")] = None,
) -> None:
    """retain_many throughput, HNSW build time, search p50 and recall@10, each beside the bare SQL of the same run."""
    from contextlib import nullcontext

    from astrocyte_postgres import bench as benchmark
    from astrocyte_postgres.embedded import running_server

    with nullcontext(dsn) if dsn else running_server() as server_dsn:
        figures = benchmark.run_sync(server_dsn, size, queries, clusters, ef_search)
    document = figures.to_json()
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(document, indent=2), encoding="utf-8")
    retain, search = figures.retain, figures.search
    typer.echo(
        f"retain_many, {retain.memories:,} memories (hashing {benchmark.DIMENSIONS}-d, batches of 1000): "
        f"{retain.astrocyte_per_second:,.0f}/s; raw embed + COPY {retain.raw_per_second:,.0f}/s "
        f"({retain.overhead:.2f}x); HNSW build afterwards {retain.index_build_seconds:.1f} s"
    )
    typer.echo(
        f"search, {search.vectors:,} clustered vectors ({search.clusters} centres): store_vectors "
        f"{search.store_per_second:,.0f}/s; HNSW build {search.index_build_seconds:.1f} s; top-10 p50 "
        f"{search.astrocyte.p50_ms:.2f} ms (p95 {search.astrocyte.p95_ms:.2f}) vs bare SQL "
        f"{search.bare.p50_ms:.2f} ms (p95 {search.bare.p95_ms:.2f}) = {search.overhead:.2f}x; "
        f"recall@10 {search.recall_at_10:.3f} at ef_search {search.ef_search}"
    )
    near = figures.near_duplicates
    typer.echo(
        f"near-duplicate check, {near.probes} near duplicates (0.95-0.99) among {near.vectors:,} vectors: "
        f"threshold query at ef_search {near.threshold_ef_search} {near.threshold_ms:.1f} ms, missed "
        f"{near.missed} of {near.present}; at ef_search {search.ef_search} {near.search_ef_ms:.1f} ms, missed "
        f"{near.search_ef_missed}; batched top-1 search {near.top1_ms:.1f} ms"
    )
    start, end = figures.load_average
    typer.echo(f"load average (1 min): {start:.2f} at the start, {end:.2f} at the end")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
