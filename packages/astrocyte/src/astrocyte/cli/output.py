"""How every command speaks: rich text for people, one JSON document for scripts, typed errors as exit 1.

Commands build plain data (dicts and lists) and hand it to :func:`emit` with a renderer for
people; ``--json`` prints the data itself. An :class:`~astrocyte.errors.AstrocyteError` becomes a
one-line message (or ``{"error": {"code", "message"}}``) and exit status 1, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from astrocyte.errors import AstrocyteError, ConfigError, SpiError

console = Console()
errors = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]


def to_jsonable(value: Any) -> Any:
    """DTOs, datetimes and containers as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(item) for item in value]
    return value


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON, or through ``render`` for people."""
    if as_json:
        typer.echo(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))
    else:
        render(data)


@contextmanager
def reported_errors(as_json: bool = False) -> Iterator[None]:
    """Turn typed errors into a message and exit status 1; anything else is a bug and keeps its traceback."""
    try:
        yield
    except AstrocyteError as error:
        if as_json:
            typer.echo(json.dumps({"error": {"code": error.code, "message": str(error)}}, ensure_ascii=False))
        elif isinstance(error, (ConfigError, SpiError)) and error.problems:
            errors.print(f"[red]error:[/red] {error.summary}")
            for problem in error.problems:
                errors.print(f"  [bold]{problem.path}[/bold]: {problem.message}")
        else:
            errors.print(f"[red]error ({error.code}):[/red] {error}")
        raise typer.Exit(code=1) from None
