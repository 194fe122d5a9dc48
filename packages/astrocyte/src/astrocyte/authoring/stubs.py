"""Method stubs generated from an SPI Protocol, documented by the promises of its contract suite.

The scaffold writes no signature by hand: each comes from ``inspect.signature`` of the Protocol
method, so a new SPI version changes every generated adapter with it. The docstring of a stub says
what the SPI promises for that method (the Protocol's own bullet about it) and which contract
scenarios call it (their docstrings state the promise each checks), so an author reads the
contract where they write the code.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from astrocyte import spi
from astrocyte import types as dto
from astrocyte.authoring.families import Family
from astrocyte.spi import capability_type

#: Width of a generated line; the repository's ruff allows 120, generated code keeps under it.
LINE_WIDTH = 110
_BODY_INDENT = " " * 8
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_TYPING_NAMES = frozenset({"Any", "ClassVar"})
_MAX_CALLERS = 6


@dataclass(frozen=True)
class MethodStub:
    """One method to write: its name, whether it is awaited, its rendered ``def`` lines and docstring."""

    name: str
    is_async: bool
    definition: str
    promises: tuple[str, ...]
    scenarios: tuple[str, ...]


class _Source:
    """An annotation or default written out as source text (``inspect`` prints objects with repr)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def protocol_methods(protocol: type) -> dict[str, Callable[..., Any]]:
    """The public methods a Protocol declares, in declaration order."""
    methods: dict[str, Callable[..., Any]] = {}
    for cls in reversed(protocol.__mro__):
        for name, value in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(value):
                methods[name] = value
    return methods


def render_definition(name: str, function: Callable[..., Any], indent: str = "    ") -> str:
    """``async def name(self, ...) -> R:`` as the Protocol declares it, on one line when it fits and
    else one parameter per line with a trailing comma (the layout ruff format keeps as it is)."""
    signature = inspect.signature(function)
    prefix = "async def" if inspect.iscoroutinefunction(function) else "def"
    parameters = [
        parameter.replace(annotation=_Source(str(parameter.annotation)))
        if parameter.annotation is not parameter.empty
        else parameter
        for parameter in signature.parameters.values()
    ]
    returns = "" if signature.return_annotation is signature.empty else f" -> {signature.return_annotation}"
    rendered = [str(parameter) for parameter in _with_markers(parameters)]
    line = f"{indent}{prefix} {name}({', '.join(rendered)}){returns}:"
    if len(line) <= LINE_WIDTH:
        return line
    inner = "".join(f"{indent}    {part},\n" for part in rendered)
    return f"{indent}{prefix} {name}(\n{inner}{indent}){returns}:"


def _with_markers(parameters: list[inspect.Parameter]) -> Iterator[inspect.Parameter | _Source]:
    """The parameters with ``*`` before the first keyword-only one, as a ``def`` line needs it."""
    starred = any(parameter.kind is parameter.VAR_POSITIONAL for parameter in parameters)
    for parameter in parameters:
        if parameter.kind is parameter.KEYWORD_ONLY and not starred:
            starred = True
            yield _Source("*")
        yield parameter


def method_stubs(family: Family) -> list[MethodStub]:
    """A stub for every method of the family's Protocol, documented from the SPI and its suite."""
    protocol = family.kind.protocol
    bullets = _protocol_bullets(protocol)
    scenarios = _scenario_promises(family.suite)
    stubs = []
    for name, function in protocol_methods(protocol).items():
        stubs.append(
            MethodStub(
                name=name,
                is_async=inspect.iscoroutinefunction(function),
                definition=render_definition(name, function),
                promises=tuple(bullet for bullet in bullets if f"``{name}``" in bullet),
                scenarios=_about(name, scenarios),
            )
        )
    return stubs


def _about(method: str, scenarios: tuple[tuple[str, str, str], ...]) -> tuple[str, ...]:
    """The promises of the scenarios about ``method`` (named in the scenario's name or docstring);
    when none is, those of the scenarios that call it, for a method the suite exercises only in passing."""
    word = re.compile(rf"(?<![\w.]){re.escape(method)}(?!\w)")
    named = tuple(promise for name, _, promise in scenarios if word.search(promise) or method in name)
    if named:
        return named
    call = re.compile(rf"\.{re.escape(method)}\(")
    return tuple(promise for _, source, promise in scenarios if call.search(source))[:_MAX_CALLERS]


def render_docstring(stub: MethodStub, indent: str = _BODY_INDENT) -> str:
    """The stub's docstring: the SPI's promise, then the contract scenarios that exercise the method."""
    paragraphs = [f"The {stub.name} contract (generated from astrocyte.spi and the contract suite)."]
    paragraphs += [f"SPI: {promise}" for promise in stub.promises]
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += [*_wrap(paragraph, indent), ""]
    if stub.scenarios:
        lines.append(f"{indent}Contract scenarios:")
        for promise in stub.scenarios:
            lines += _wrap(promise, indent, bullet="- ")
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    return f'{indent}"""' + text.lstrip() + f'{indent}"""'


def _wrap(text: str, indent: str, bullet: str = "") -> list[str]:
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return textwrap.wrap(
        safe,
        width=LINE_WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
        break_long_words=False,
        break_on_hyphens=False,
    )


def _protocol_bullets(protocol: type) -> list[str]:
    """The Protocol docstring's ``- `` bullets (each a promise about one or more methods), unwrapped."""
    doc = inspect.getdoc(protocol) or ""
    bullets: list[str] = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            bullets.append(stripped[2:])
        elif stripped and bullets and line.startswith("  "):
            bullets[-1] += " " + stripped
        elif not stripped and bullets:
            bullets.append("")
    whole = [bullet for bullet in bullets if bullet]
    return whole or [" ".join(doc.split("\n\n")[-1].split())]


@cache
def _scenario_promises(suite_name: str) -> tuple[tuple[str, str, str], ...]:
    """Each scenario of the suite as (its name, its source, its docstring's first paragraph)."""
    suite = getattr(import_module("astrocyte.testing.contracts"), suite_name)
    found: dict[str, tuple[str, str, str]] = {}
    for cls in reversed(suite.__mro__):
        for name, value in vars(cls).items():
            if name.startswith("test_") and inspect.isfunction(value):
                doc = (inspect.getdoc(value) or name).split("\n\n")[0]
                found[name] = (name, inspect.getsource(value), " ".join(doc.split()))
    return tuple(found.values())


def type_imports(stubs: list[MethodStub], extra: tuple[str, ...] = ()) -> str:
    """The import lines the stubs' annotations need: typing names, builtins, and every class named
    there, imported from the module that defines it (the DTOs of astrocyte.types, the knowledge
    records, ``datetime``), as the SPI module itself sees them."""
    names: set[str] = set(extra)
    for stub in stubs:
        names.update(_IDENTIFIER.findall(stub.definition.split("(", 1)[1]))
    standard = []
    if any(name.startswith("builtins.") for name in names):
        standard.append("import builtins")
    by_module: dict[str, list[str]] = {}
    for name in sorted(names - _TYPING_NAMES):
        value = vars(spi).get(name, vars(dto).get(name))
        if inspect.isclass(value) and name[0].isalpha() and "." not in name:
            by_module.setdefault(value.__module__, []).append(name)
    for module in sorted(name for name in by_module if not name.startswith("astrocyte")):
        standard.append(_from_import(module, by_module[module]))
    typing_names = sorted(names & _TYPING_NAMES)
    if typing_names:
        standard.append(_from_import("typing", typing_names))
    ours = [_from_import(module, by_module[module]) for module in sorted(by_module) if module.startswith("astrocyte")]
    return "\n".join(standard + (["", *ours] if ours else []))


def _from_import(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) > LINE_WIDTH:
        line = f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"
    return line


def capability_declaration(family: Family) -> tuple[str, str] | None:
    """For families with a capability DTO the Protocol does not require: the DTO's name and a
    ``capabilities()`` method returning every field at its default, written out so an author sees
    each ability the suite can gate on and switches off what the backend lacks."""
    declared = capability_type(family.kind.protocol)
    if declared is None or "capabilities" in protocol_methods(family.kind.protocol):
        return None
    fields = [f"{field.name}={field.default!r}" for field in dataclasses.fields(declared)]
    arguments = "".join(f"{_BODY_INDENT}    {field},\n" for field in fields)
    method = (
        f"    def capabilities(self) -> {declared.__name__}:\n"
        f'{_BODY_INDENT}"""What this {family.noun} promises beyond the SPI: a scenario that needs an ability declared\n'
        f"{_BODY_INDENT}False is skipped with that reason; one declared True must hold (the suite checks it).\n"
        f'{_BODY_INDENT}"""\n'
        f"{_BODY_INDENT}return {declared.__name__}(\n{arguments}{_BODY_INDENT})"
    )
    return declared.__name__, method


__all__ = [
    "MethodStub",
    "capability_declaration",
    "method_stubs",
    "protocol_methods",
    "render_definition",
    "render_docstring",
    "type_imports",
]
