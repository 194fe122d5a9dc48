"""``astrocyte knowledge``: train, find, run and maintain knowledge adapters from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from astrocyte.cli.engine import ConfigOption, run_with_engine
from astrocyte.cli.output import JsonOption, console, emit, reported_errors, to_jsonable
from astrocyte.errors import ValidationError

knowledge_app = typer.Typer(help="Knowledge adapters: markdown procedures found by search and run step by step.")

PrincipalOption = Annotated[
    str | None, typer.Option("--principal", "-p", help="Who is calling (default: knowledge.default_principal).")
]
SpaceOption = Annotated[str | None, typer.Option("--space", "-s", help="Space id or name (default: personal).")]


def _markdown_files(paths: list[Path]) -> list[str]:
    documents = []
    for path in paths:
        files = sorted(path.rglob("*.md")) if path.is_dir() else [path]
        if not files:
            raise ValidationError("paths", f"{path} holds no .md file")
        for file in files:
            if not file.is_file():
                raise ValidationError("paths", f"{file} is not a readable file")
            documents.append(file.read_text(encoding="utf-8"))
    return documents


def _json_object(text: str | None, field: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as problem:
        raise ValidationError(field, f"is not valid JSON: {problem.msg}") from None
    if not isinstance(value, dict):
        raise ValidationError(field, "must be a JSON object")
    return value


def _print_result(result: Any) -> None:
    console.print_json(json.dumps(to_jsonable(result), ensure_ascii=False))


@knowledge_app.command("train")
def train(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files or folders of .md files.")],
    space: SpaceOption = None,
    force_update: Annotated[bool, typer.Option("--force-update", help="Replace a similar adapter.")] = False,
    fork_from: Annotated[str | None, typer.Option(help="Copy this adapter URI under a new id and slug.")] = None,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train every adapter of FILE or DIR (one adapter per H1)."""
    with reported_errors(as_json):
        documents = _markdown_files(paths)
        result = run_with_engine(
            config,
            lambda engine: engine.knowledge.train(
                documents, principal=principal, space=space, force_update=force_update, fork_from=fork_from
            ),
        )

    def render(result: Any) -> None:
        console.print(result.message)
        for adapter in result.adapters:
            replaced = f" (replaced {adapter.replaced_uri})" if adapter.replaced_uri else ""
            console.print(f"  {adapter.uri}  '{adapter.title}', {adapter.layer_count} layers{replaced}")

    emit(result, as_json, render)


@knowledge_app.command("activate")
def activate(
    query: Annotated[str, typer.Argument(help="What you need to do, in your own words.")],
    limit: Annotated[int | None, typer.Option(min=1, max=50, help="Most choices to return.")] = None,
    space: SpaceOption = None,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """The adapters that fit QUERY, best first, with why they matched and the call to make next."""
    with reported_errors(as_json):
        result = run_with_engine(
            config, lambda engine: engine.knowledge.activate(query, principal=principal, space=space, limit=limit)
        )

    def render(result: Any) -> None:
        if not result.choices:
            console.print(f"[dim]no adapter scores {result.threshold} or more[/dim]")
            return
        table = Table("score", "adapter", "title", "why")
        for choice in result.choices:
            table.add_row(f"{choice.score:.2f}", choice.uri, choice.title, "; ".join(choice.why))
        console.print(table)

    emit(result, as_json, render)


@knowledge_app.command("forward")
def forward(
    uri: Annotated[str, typer.Argument(help="Adapter URI to start a run, or the layer URI of the current step.")],
    execution_id: Annotated[str | None, typer.Option(help="The run's execution id (to hand in a step).")] = None,
    solution: Annotated[
        str | None, typer.Option(help='JSON {"nonce": ..., "proof_hash": ..., "evidence": {...}} for the step.')
    ] = None,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a run, or hand in the evidence of its current step."""
    with reported_errors(as_json):
        checked = _json_object(solution, "solution")
        result = run_with_engine(
            config,
            lambda engine: engine.knowledge.forward(
                uri, execution_id=execution_id, solution=checked, principal=principal
            ),
        )
    emit(result, as_json, _print_result)


@knowledge_app.command("reward")
def reward(
    execution_id: Annotated[str, typer.Argument(help="The run's execution id.")],
    outcome: Annotated[str, typer.Argument(help="success or failure.")],
    feedback: Annotated[str | None, typer.Option(help="What went well or wrong.")] = None,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record how a run ended; outcomes feed the ranking of activate."""
    with reported_errors(as_json):
        result = run_with_engine(
            config, lambda engine: engine.knowledge.reward(execution_id, outcome, feedback, principal=principal)
        )
    emit(
        result,
        as_json,
        lambda result: console.print(
            f"recorded {result.outcome} for {result.adapter_uri}: {result.successes} successes, "
            f"{result.failures} failures"
        ),
    )


@knowledge_app.command("tune")
def tune(
    uri: Annotated[str, typer.Argument(help="Adapter URI (whole document) or layer URI (that step).")],
    file: Annotated[Path, typer.Argument(help="The edited markdown.", exists=True, dir_okay=False)],
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Edit an adapter or one layer in place; every vector is recomputed."""
    with reported_errors(as_json):
        content = file.read_text(encoding="utf-8")
        result = run_with_engine(config, lambda engine: engine.knowledge.tune(uri, content, principal=principal))
    emit(result, as_json, lambda result: console.print(f"tuned {result.uri} ({len(result.layer_uris)} layers)"))


@knowledge_app.command("export")
def export(
    uri: Annotated[str, typer.Argument(help="Adapter URI.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
) -> None:
    """Print (or write) the adapter as markdown; training it again reproduces it."""
    with reported_errors():
        markdown = run_with_engine(config, lambda engine: engine.knowledge.export(uri, principal=principal))
    if output is None:
        typer.echo(markdown, nl=False)
    else:
        output.write_text(markdown, encoding="utf-8")
        console.print(f"wrote {output}")


@knowledge_app.command("delete")
def delete(
    uri: Annotated[str, typer.Argument(help="Adapter URI.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete an adapter with its layers and artifacts."""
    if not yes:
        typer.confirm(f"Delete {uri} and its artifacts?", abort=True)
    with reported_errors(as_json):
        result = run_with_engine(config, lambda engine: engine.knowledge.delete(uri, principal=principal))
    emit(
        result,
        as_json,
        lambda result: console.print(f"deleted {result.uri} ({result.artifacts_deleted} artifacts)"),
    )


@knowledge_app.command("attach")
def attach(
    uri: Annotated[str, typer.Argument(help="Adapter URI.")],
    file: Annotated[Path, typer.Argument(help="The file to attach.", exists=True, dir_okay=False)],
    name: Annotated[str | None, typer.Option(help="Relative path to store it under (default: the file name).")] = None,
    mime_type: Annotated[str | None, typer.Option(help="MIME type (default: from the extension).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an artifact of the same name.")] = False,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attach a script or config file to an adapter."""
    with reported_errors(as_json):
        content = file.read_bytes()
        result = run_with_engine(
            config,
            lambda engine: engine.knowledge.attach(
                uri, name or file.name, content, mime_type=mime_type, replace=replace, principal=principal
            ),
        )
    emit(result, as_json, lambda result: console.print(f"attached {result.uri} ({result.name}, {result.sha256[:12]})"))


@knowledge_app.command("artifacts")
def artifacts(
    uri: Annotated[str, typer.Argument(help="Adapter URI (all its artifacts) or artifact URI.")],
    content: Annotated[bool, typer.Option("--content", help="Include text contents.")] = False,
    principal: PrincipalOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """List an adapter's artifacts, or show one."""
    with reported_errors(as_json):
        result = run_with_engine(
            config, lambda engine: engine.knowledge.artifacts(uri, principal=principal, include_content=content)
        )

    def render(result: Any) -> None:
        table = Table("uri", "name", "type", "bytes", "sha256")
        for item in result:
            table.add_row(item.uri, item.name, item.mime_type, str(item.size), item.sha256[:16])
        console.print(table)
        for item in result:
            if item.content is not None:
                console.print(f"--- {item.name}\n{item.content}", markup=False)

    emit(result, as_json, render)


@knowledge_app.command("spaces")
def spaces(principal: PrincipalOption = None, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """The caller's spaces and the adapters each holds."""
    with reported_errors(as_json):
        result = run_with_engine(config, lambda engine: engine.knowledge.spaces(principal=principal))

    def render(result: Any) -> None:
        table = Table("space", "kind", "writable", "adapters")
        for space in result:
            titles = ", ".join(adapter.slug for adapter in space.adapters) or "-"
            table.add_row(space.space_id, space.kind, "yes" if space.writable else "no", titles)
        console.print(table)

    emit(result, as_json, render)
