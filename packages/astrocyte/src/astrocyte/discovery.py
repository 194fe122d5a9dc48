"""Finding, checking and creating providers: the one way a backend gets into Astrocyte.

A provider is named in ``astrocyte.yaml`` either by an entry point name (``vector_store: memory``),
registered by any installed distribution in the group of its kind, or by a direct
``package.module:Class`` path. The core's own stores come through the same entry points, so a
third-party adapter is never a second-class citizen.

The published system documented that adapters are verified "at registration time" but never did
it: a store missing a method or with a sync ``delete`` failed only when the pipeline first called
it. Here every provider is checked before it is used, against the Protocol itself (no list of
method names to keep in sync), and every problem is reported at once, each named, so an adapter
author fixes them in one pass. ``SPI_VERSION`` keeps the published rule: absent means 1.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
import typing
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from importlib import metadata
from types import MappingProxyType
from typing import Any

import pydantic

from astrocyte.errors import ConfigError, Problem, SpiError, ValidationError
from astrocyte.spi import (
    BankStore,
    DocumentStore,
    EmbeddingProvider,
    EngineProvider,
    GraphStore,
    KnowledgeStore,
    LLMProvider,
    MentalModelStore,
    PageIndexStore,
    SourceStore,
    VectorStore,
    WikiStore,
    capabilities_of,
    capability_type,
)
from astrocyte.suggestions import did_you_mean, listing


class ProviderKind(enum.StrEnum):
    """The kinds of provider; each value is also its key in ``astrocyte.yaml``."""

    VECTOR_STORE = "vector_store"
    DOCUMENT_STORE = "document_store"
    GRAPH_STORE = "graph_store"
    WIKI_STORE = "wiki_store"
    MENTAL_MODEL_STORE = "mental_model_store"
    SOURCE_STORE = "source_store"
    PAGEINDEX_STORE = "pageindex_store"
    BANK_STORE = "bank_store"
    KNOWLEDGE_STORE = "knowledge_store"
    LLM_PROVIDER = "llm_provider"
    EMBEDDING_PROVIDER = "embedding_provider"
    ENGINE_PROVIDER = "engine_provider"

    @classmethod
    def for_protocol(cls, protocol: type) -> ProviderKind:
        """The kind whose providers implement ``protocol``."""
        for kind in cls:
            if kind.protocol is protocol:
                return kind
        raise ValueError(f"{protocol.__name__} is not an SPI Protocol of astrocyte.spi")

    @property
    def group(self) -> str:
        """The entry point group, named after the config key (``vector_store`` -> ``astrocyte.vector_stores``)."""
        return f"astrocyte.{self.value}s"

    @property
    def protocol(self) -> type:
        """The SPI Protocol (in :mod:`astrocyte.spi`) that providers of this kind implement."""
        return _PROTOCOLS[self]

    @property
    def config_key(self) -> str:
        """The ``astrocyte.yaml`` key holding the provider's constructor settings: ``vector_store_config``."""
        return f"{self.value}_config"

    @property
    def label(self) -> str:
        """The kind in words, for messages: ``vector store``."""
        return self.value.replace("_", " ")

    @property
    def has_capabilities(self) -> bool:
        """Whether providers of this kind may declare a capability DTO through ``capabilities()``."""
        return capability_type(self.protocol) is not None


_PROTOCOLS: Mapping[ProviderKind, type] = MappingProxyType(
    {
        ProviderKind.VECTOR_STORE: VectorStore,
        ProviderKind.DOCUMENT_STORE: DocumentStore,
        ProviderKind.GRAPH_STORE: GraphStore,
        ProviderKind.WIKI_STORE: WikiStore,
        ProviderKind.MENTAL_MODEL_STORE: MentalModelStore,
        ProviderKind.SOURCE_STORE: SourceStore,
        ProviderKind.PAGEINDEX_STORE: PageIndexStore,
        ProviderKind.BANK_STORE: BankStore,
        ProviderKind.KNOWLEDGE_STORE: KnowledgeStore,
        ProviderKind.LLM_PROVIDER: LLMProvider,
        ProviderKind.EMBEDDING_PROVIDER: EmbeddingProvider,
        ProviderKind.ENGINE_PROVIDER: EngineProvider,
    }
)

#: SPI versions this core can drive, per kind. A provider declaring another version is refused.
SUPPORTED_SPI_VERSIONS: Mapping[ProviderKind, frozenset[int]] = MappingProxyType(
    {kind: frozenset({1}) for kind in ProviderKind}
)

#: The published rule: a provider without ``SPI_VERSION`` predates versioning and speaks version 1.
_VERSION_WHEN_UNDECLARED = 1

_DIRECT_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


# ------------------------------------------------------------------------------------ discovery


def installed(kind: ProviderKind) -> dict[str, str]:
    """Every installed provider of ``kind``: entry point name -> ``module:attr``, without importing any."""
    return {entry.name: entry.value for entry in sorted(_entry_points(kind), key=lambda entry: entry.name)}


def resolve(kind: ProviderKind, name: str) -> type:
    """The provider class named ``name``: an installed entry point, else a ``package.module:Class`` path.

    Entry points win over direct paths so that an entry point whose name contains ``:`` still works.
    """
    entries = [entry for entry in _entry_points(kind) if entry.name == name]
    if len({entry.value for entry in entries}) > 1:
        owners = "; ".join(f"{entry.value} (from {_distribution(entry)})" for entry in entries)
        raise ConfigError(
            f"{kind.label} {name!r} is registered by more than one installed package",
            [Problem(kind.value, f"{name!r} is ambiguous: {owners}; uninstall one or name the class directly")],
        )
    if entries:
        entry, described = entries[0], f"entry point {name!r} ({entries[0].value})"
    elif _DIRECT_PATH.fullmatch(name):
        entry, described = metadata.EntryPoint(name=name, value=name, group=kind.group), name
    else:
        names = installed(kind)
        raise ConfigError(
            f"no {kind.label} named {name!r} is installed",
            [
                Problem(
                    kind.value,
                    f"unknown {kind.label} {name!r}{did_you_mean(name, names)} (installed: {listing(names)}; "
                    "or give a direct 'package.module:Class' path)",
                )
            ],
        )
    try:
        target = entry.load()
    except Exception as exc:
        raise ConfigError(
            f"cannot load {kind.label} {name!r}",
            [Problem(kind.value, f"{described} failed to import: {type(exc).__name__}: {exc}")],
        ) from exc
    if not inspect.isclass(target):
        raise SpiError(
            f"{kind.label} {name!r} is not a class",
            [Problem(kind.value, f"{described} is a {type(target).__name__}; a provider must be a class")],
        )
    return target


def _entry_points(kind: ProviderKind) -> list[metadata.EntryPoint]:
    return list(_group_entry_points(kind.group, tuple(sys.path)))


@lru_cache(maxsize=64)
def _group_entry_points(group: str, search_path: tuple[str, ...]) -> tuple[metadata.EntryPoint, ...]:
    """Reading every installed distribution's metadata costs ~15 ms, and building an engine asks for
    each kind, so the answer is kept per search path: a path added at run time is read afresh."""
    return tuple(metadata.entry_points(group=group))


def _distribution(entry: metadata.EntryPoint) -> str:
    return entry.dist.name if entry.dist is not None else "an unknown distribution"


# ------------------------------------------------------------------------------------ conformance


def check_conformance(provider: type | object, kind: ProviderKind) -> None:
    """Raise :class:`SpiError` listing every way ``provider`` (a class or an instance) misses its SPI.

    The members come from the Protocol class itself: each public method must be present and
    callable, ``async def`` exactly where the Protocol's is. A store whose kind has a capability
    DTO may add a ``capabilities()``, which must then be sync like the Protocols that require one.
    """
    protocol = kind.protocol
    required = _protocol_methods(protocol)
    problems = [
        problem
        for name, declared in required.items()
        if (problem := _member_problem(provider, name, declared, protocol)) is not None
    ]
    if kind.has_capabilities and "capabilities" not in required and hasattr(provider, "capabilities"):
        declared = _protocol_methods(_DeclaresCapabilities)["capabilities"]
        optional = _member_problem(provider, "capabilities", declared, protocol)
        problems.extend([optional] if optional is not None else [])
    problems.extend(_version_problems(provider, kind))
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise SpiError(f"{_describe(provider)} does not satisfy the {protocol.__name__} SPI ({count})", problems)


class _DeclaresCapabilities(typing.Protocol):
    """The shape of the optional ``capabilities()`` a store may add: sync, no arguments."""

    def capabilities(self) -> object: ...


@cache
def _protocol_methods(protocol: type) -> dict[str, Callable[..., Any]]:
    """Public methods defined on the Protocol (and any Protocol it extends), by name."""
    methods: dict[str, Callable[..., Any]] = {}
    for cls in reversed(protocol.__mro__):
        if cls in (object, typing.Protocol, typing.Generic):
            continue
        for name, value in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(value):
                methods[name] = value
    return methods


def _member_problem(provider: object, name: str, declared: Callable[..., Any], protocol: type) -> Problem | None:
    spi = protocol.__name__
    wanted = f"the {spi} SPI requires `{_render(name, declared)}`"
    member = getattr(provider, name, None)
    if member is None:
        return Problem(name, f"missing; {wanted}")
    if not callable(member):
        return Problem(name, f"is a {type(member).__name__}, not a method; {wanted}")
    if getattr(member, "__func__", member) is declared:
        return Problem(name, f"not implemented: only the {spi} Protocol's declaration is inherited; {wanted}")
    must_await = inspect.iscoroutinefunction(declared)
    if must_await and not inspect.iscoroutinefunction(member):
        return Problem(name, f"must be `async def` (the {spi} SPI awaits it)")
    if not must_await and inspect.iscoroutinefunction(member):
        return Problem(name, f"must be a plain `def`, not `async def` (the {spi} SPI calls it without awaiting)")
    return None


def _render(name: str, declared: Callable[..., Any]) -> str:
    """``async def search_similar(self, query_vector, bank_id, limit=10, filters=None)``: the shape to write."""
    signature = inspect.signature(declared)
    bare = signature.replace(
        parameters=[parameter.replace(annotation=parameter.empty) for parameter in signature.parameters.values()],
        return_annotation=signature.empty,
    )
    prefix = "async def" if inspect.iscoroutinefunction(declared) else "def"
    return f"{prefix} {name}{bare}"


def _version_problems(provider: object, kind: ProviderKind) -> list[Problem]:
    version = getattr(provider, "SPI_VERSION", None)
    if version is None:
        version = _VERSION_WHEN_UNDECLARED
    supported = SUPPORTED_SPI_VERSIONS[kind]
    if isinstance(version, bool) or not isinstance(version, int):
        return [Problem("SPI_VERSION", f"must be an int, got {version!r}")]
    if version not in supported:
        versions = "{" + ", ".join(str(number) for number in sorted(supported)) + "}"
        return [
            Problem(
                "SPI_VERSION",
                f"{version} is not supported; this core supports {kind.protocol.__name__} SPI versions {versions}",
            )
        ]
    return []


def _describe(provider: type | object) -> str:
    cls = provider if inspect.isclass(provider) else type(provider)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    return qualified if cls is provider else f"an instance of {qualified}"


# ------------------------------------------------------------------------------------ creation


def load_provider(kind: ProviderKind, name: str, config: Mapping[str, Any] | None = None) -> Any:
    """Resolve, check and create the provider ``name`` of ``kind`` with ``config`` as keyword arguments.

    The class is checked before it is created, the configuration against its constructor (so a
    typo is reported as a key path, not as a ``TypeError`` from deep inside), and the instance
    again afterwards, because an instance may add members in ``__init__``. Declared capabilities
    are read once here so a malformed ``capabilities()`` fails at start-up, not mid-recall.
    """
    cls = resolve(kind, name)
    check_conformance(cls, kind)
    settings = _typed_settings(kind, name, cls, dict(config or {}))
    try:
        instance = cls(**settings)
    except Exception as exc:
        raise ConfigError(
            f"{kind.label} {name!r} could not be created from {kind.config_key}",
            [_construction_problem(kind, exc, settings)],
        ) from exc
    check_conformance(instance, kind)
    if kind.has_capabilities:
        _check_capabilities(instance, kind, name)
    return instance


def _typed_settings(kind: ProviderKind, name: str, cls: type, settings: dict[str, Any]) -> dict[str, Any]:
    """Check configuration keys against the constructor and convert values to its annotated types.

    Environment substitution yields strings, so ``dimensions: ${DIMS}`` arrives as ``"384"``; the
    constructor's type hints say what it wants, and pydantic's lax validation converts ``"384"`` to
    ``384`` for an ``int`` while leaving a ``str`` password such as ``"0123"`` untouched. A value that
    cannot be converted is reported at its key path before the provider is created. Parameters
    without a usable annotation receive the value as written.
    """
    parameters = _constructor_parameters(cls)
    if parameters is None:
        return settings  # no introspectable signature: the constructor call itself will judge the keys
    accepts_any = any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters)
    named = {
        parameter.name: parameter
        for parameter in parameters
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    section, accepted = kind.config_key, f"({cls.__name__} accepts: {listing(named)})"
    problems = [
        Problem(f"{section}.{key}", f"unknown key{did_you_mean(str(key), named)} {accepted}")
        for key in settings
        if not accepts_any and key not in named
    ]
    problems.extend(
        Problem(f"{section}.{parameter}", f"required by {cls.__name__} but not set")
        for parameter, declared in named.items()
        if declared.default is declared.empty and parameter not in settings
    )
    typed = dict(settings)
    for key, value in settings.items():
        annotation = named[key].annotation if key in named else None
        adapter = _value_adapter(annotation)
        if adapter is None:
            continue
        try:
            typed[key] = adapter.validate_python(value)
        except pydantic.ValidationError as exc:
            reason = "; ".join(error["msg"] for error in exc.errors())
            problems.append(Problem(f"{section}.{key}", f"{value!r} does not fit `{_type_name(annotation)}`: {reason}"))
    if problems:
        target = f"{cls.__module__}.{cls.__qualname__}"
        raise ConfigError(f"{section} does not fit {kind.label} {name!r} ({target})", problems)
    return typed


def _constructor_parameters(cls: type) -> list[inspect.Parameter] | None:
    """The constructor's parameters with string annotations resolved where they can be."""
    try:
        return list(inspect.signature(cls, eval_str=True).parameters.values())
    except (NameError, SyntaxError):  # an unresolvable annotation: keep them all unresolved
        return list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return None


def _value_adapter(annotation: Any) -> pydantic.TypeAdapter[Any] | None:
    if annotation in (None, Any, inspect.Parameter.empty) or isinstance(annotation, str):
        return None
    try:
        return pydantic.TypeAdapter(annotation)
    except (pydantic.PydanticSchemaGenerationError, TypeError):
        return None


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _construction_problem(kind: ProviderKind, exc: Exception, settings: Mapping[str, Any]) -> Problem:
    """Locate a constructor's complaint at the config key it names, when it names one."""
    section = kind.config_key
    if isinstance(exc, ValidationError) and exc.field in settings:
        return Problem(f"{section}.{exc.field}", exc.reason)
    return Problem(section, f"{type(exc).__name__}: {exc}")


def _check_capabilities(instance: object, kind: ProviderKind, name: str) -> None:
    try:
        capabilities_of(instance, kind.protocol)
    except SpiError:
        raise
    except Exception as exc:
        raise SpiError(
            f"{kind.label} {name!r} cannot declare its capabilities",
            [Problem("capabilities", f"capabilities() raised {type(exc).__name__}: {exc}")],
        ) from exc


__all__ = [
    "SUPPORTED_SPI_VERSIONS",
    "ProviderKind",
    "check_conformance",
    "installed",
    "load_provider",
    "resolve",
]
