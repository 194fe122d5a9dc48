"""Provider discovery: entry points, direct paths, conformance checks and creation from configuration.

Broken adapters are registered through real entry points: each test writes a throwaway
distribution (a ``*.dist-info`` folder) into a temporary folder on ``sys.path``, which
``importlib.metadata`` discovers exactly as it discovers an installed package.
"""

from __future__ import annotations

import gc
import importlib
import sys
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from astrocyte import spi
from astrocyte.discovery import (
    SUPPORTED_SPI_VERSIONS,
    ProviderKind,
    check_conformance,
    installed,
    load_provider,
    resolve,
)
from astrocyte.errors import ConfigError, Problem, SpiError, ValidationError
from astrocyte.types import HealthStatus, VectorFilters, VectorHit, VectorItem, VectorStoreCapabilities

# ------------------------------------------------------------------------------------ adapters under test


class HonestVectorStore:
    """The five published methods and nothing else: no base class, no SPI_VERSION, no capabilities()."""

    def __init__(self, dimensions: int = 4) -> None:
        self.dimensions = dimensions
        self.items: dict[tuple[str, str], VectorItem] = {}

    async def store_vectors(self, items: list[VectorItem]) -> list[str]:
        self.items.update({(item.bank_id, item.id): item for item in items})
        return [item.id for item in items]

    async def search_similar(
        self, query_vector: list[float], bank_id: str, limit: int = 10, filters: VectorFilters | None = None
    ) -> list[VectorHit]:
        hits = [
            VectorHit(id=key[1], text=item.text, score=1.0) for key, item in self.items.items() if key[0] == bank_id
        ]
        return hits[:limit]

    async def delete(self, ids: list[str], bank_id: str) -> int:
        return sum(self.items.pop((bank_id, item_id), None) is not None for item_id in ids)

    async def list_vectors(self, bank_id: str, offset: int = 0, limit: int = 100) -> list[VectorItem]:
        return [self.items[key] for key in sorted(self.items) if key[0] == bank_id][offset : offset + limit]

    async def health(self) -> HealthStatus:
        return HealthStatus(healthy=True)


def variant(name: str, *, without: tuple[str, ...] = (), **members: Any) -> type:
    """HonestVectorStore with some members removed or replaced: one broken promise per variant."""
    namespace = {key: value for key, value in vars(HonestVectorStore).items() if key not in without}
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    return type(name, (), {**namespace, **members, "__qualname__": name})


def sync_delete(self: object, ids: list[str], bank_id: str) -> int:
    return 0


async def async_dimensions(self: object) -> int:
    return 4


def plain_capabilities(self: object) -> VectorStoreCapabilities:
    return VectorStoreCapabilities(exact_search=True)


async def awaited_capabilities(self: object) -> VectorStoreCapabilities:
    return VectorStoreCapabilities()


NoSearch = variant("NoSearch", without=("search_similar",))
SyncDelete = variant("SyncDelete", delete=sync_delete)
FutureVersion = variant("FutureVersion", SPI_VERSION=3)
TextVersion = variant("TextVersion", SPI_VERSION="1")
CurrentVersion = variant("CurrentVersion", SPI_VERSION=1)
HealthFlag = variant("HealthFlag", health=True)
DeclaresCapabilities = variant("DeclaresCapabilities", capabilities=plain_capabilities)
AwaitsCapabilities = variant("AwaitsCapabilities", capabilities=awaited_capabilities)
ManyFaults = variant("ManyFaults", without=("search_similar", "health"), delete=sync_delete, SPI_VERSION=2)


class HalfDeclared(spi.VectorStore):
    """Subclasses the Protocol but implements only one method: the rest are the Protocol's `...` stubs."""

    async def health(self) -> HealthStatus:
        return HealthStatus(healthy=True)


class HonestEmbedder:
    async def embed(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]

    def dimensions(self) -> int:
        return 2


class AwaitedDimensions(HonestEmbedder):
    dimensions = async_dimensions  # type: ignore[assignment]


class NeedsDsn(HonestVectorStore):
    def __init__(self, dsn: str, pool_size: int = 5, *, schema: str = "public") -> None:
        super().__init__()
        self.dsn, self.pool_size, self.schema = dsn, pool_size, schema


class TakesAnything(HonestVectorStore):
    def __init__(self, **settings: Any) -> None:
        super().__init__()
        self.settings = settings


class RefusesDimensions(HonestVectorStore):
    def __init__(self, dimensions: int) -> None:
        raise ValidationError("dimensions", f"must be at most 4096, got {dimensions}")


class CannotConnect(HonestVectorStore):
    def __init__(self, host: str) -> None:
        raise OSError(f"connection refused by {host}")


class SyncDeleteAfterInit(HonestVectorStore):
    """Passes as a class, then replaces ``delete`` with a plain function when created."""

    def __init__(self) -> None:
        super().__init__()
        self.delete = lambda ids, bank_id: 0  # type: ignore[method-assign,assignment]


class WrongCapabilities(HonestVectorStore):
    def capabilities(self) -> str:
        return "everything"


class BrokenCapabilities(HonestVectorStore):
    def capabilities(self) -> VectorStoreCapabilities:
        raise RuntimeError("capability probe failed")


def path_to(cls: type) -> str:
    """The ``module:Class`` path of a class defined in this test module."""
    return f"{__name__}:{cls.__qualname__}"


def paths(error: SpiError | ConfigError) -> list[str]:
    return [problem.path for problem in error.problems]


def rendered(error: SpiError | ConfigError) -> list[str]:
    return [str(problem) for problem in error.problems]


# ------------------------------------------------------------------------------------ a fake site-packages


@dataclass
class Site:
    """A folder on ``sys.path`` holding throwaway distributions and modules, as pip would install them."""

    root: Path

    def register(self, kind: ProviderKind, name: str, target: str, *, distribution: str | None = None) -> None:
        distribution = distribution or f"fake-adapter-{uuid.uuid4().hex[:8]}"
        info = self.root / f"{distribution.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[{kind.group}]\n{name} = {target}\n")
        importlib.invalidate_caches()

    def module(self, source: str) -> str:
        """Write a module with a fresh name (never cached in ``sys.modules``) and return that name."""
        name = f"fake_adapter_{uuid.uuid4().hex[:8]}"
        (self.root / f"{name}.py").write_text(source)
        importlib.invalidate_caches()
        return name


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.syspath_prepend(str(tmp_path))
    return Site(tmp_path)


# ------------------------------------------------------------------------------------ kinds


PUBLISHED_GROUPS = {
    ProviderKind.VECTOR_STORE: ("astrocyte.vector_stores", spi.VectorStore),
    ProviderKind.DOCUMENT_STORE: ("astrocyte.document_stores", spi.DocumentStore),
    ProviderKind.GRAPH_STORE: ("astrocyte.graph_stores", spi.GraphStore),
    ProviderKind.WIKI_STORE: ("astrocyte.wiki_stores", spi.WikiStore),
    ProviderKind.MENTAL_MODEL_STORE: ("astrocyte.mental_model_stores", spi.MentalModelStore),
    ProviderKind.SOURCE_STORE: ("astrocyte.source_stores", spi.SourceStore),
    ProviderKind.PAGEINDEX_STORE: ("astrocyte.pageindex_stores", spi.PageIndexStore),
    ProviderKind.LLM_PROVIDER: ("astrocyte.llm_providers", spi.LLMProvider),
    ProviderKind.EMBEDDING_PROVIDER: ("astrocyte.embedding_providers", spi.EmbeddingProvider),
    ProviderKind.ENGINE_PROVIDER: ("astrocyte.engine_providers", spi.EngineProvider),
    # Not in the published system: this project's catalogue of banks, following the same naming rule.
    ProviderKind.BANK_STORE: ("astrocyte.bank_stores", spi.BankStore),
    # Knowledge adapters (procedural memory), scoped by space rather than bank.
    ProviderKind.KNOWLEDGE_STORE: ("astrocyte.knowledge_stores", spi.KnowledgeStore),
}


@pytest.mark.parametrize("kind", list(ProviderKind))
def test_each_kind_names_its_entry_point_group_and_protocol(kind: ProviderKind) -> None:
    assert (kind.group, kind.protocol) == PUBLISHED_GROUPS[kind]
    assert kind.config_key == f"{kind.value}_config"
    assert SUPPORTED_SPI_VERSIONS[kind] == frozenset({1})


# ------------------------------------------------------------------------------------ installed providers


def test_installed_lists_entry_points_without_importing_them(site: Site) -> None:
    site.register(ProviderKind.GRAPH_STORE, "lazy", "never_imported_module_xyz:Store")
    assert installed(ProviderKind.GRAPH_STORE)["lazy"] == "never_imported_module_xyz:Store"
    assert "never_imported_module_xyz" not in sys.modules


def test_installed_includes_the_third_party_guide_adapter() -> None:
    assert installed(ProviderKind.VECTOR_STORE)["guide-vectors"] == "astrocyte_guide_adapter.store:GuideVectorStore"


INSTALLED = [(kind, name) for kind in ProviderKind for name in installed(kind)]


@pytest.mark.parametrize(("kind", "name"), INSTALLED, ids=[f"{kind}:{name}" for kind, name in INSTALLED])
def test_every_installed_provider_resolves_to_a_conforming_class(kind: ProviderKind, name: str) -> None:
    provider = resolve(kind, name)
    check_conformance(provider, kind)
    module, attribute = installed(kind)[name].split(":")
    assert provider is getattr(importlib.import_module(module), attribute)


def test_the_core_registers_a_memory_store_of_every_store_kind() -> None:
    for protocol in spi.STORE_PROTOCOLS:
        kind = next(kind for kind in ProviderKind if kind.protocol is protocol)
        assert installed(kind)["memory"].startswith("astrocyte.stores.memory:"), kind


# ------------------------------------------------------------------------------------ resolving names


def test_a_direct_module_class_path_resolves_without_an_entry_point() -> None:
    assert resolve(ProviderKind.VECTOR_STORE, path_to(HonestVectorStore)) is HonestVectorStore


def test_an_unknown_name_lists_the_installed_names_and_the_closest() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(ProviderKind.VECTOR_STORE, "guide-vector")
    (problem,) = caught.value.problems
    assert problem.path == "vector_store"
    assert "did you mean 'guide-vectors'?" in problem.message
    assert all(name in problem.message for name in installed(ProviderKind.VECTOR_STORE))


def test_an_unknown_name_without_a_close_match_gives_no_guess() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(ProviderKind.ENGINE_PROVIDER, "zzzzzz")
    assert "did you mean" not in str(caught.value)
    assert "package.module:Class" in str(caught.value)


def test_an_entry_point_to_a_missing_module_names_the_entry_point_target_and_error(site: Site) -> None:
    site.register(ProviderKind.VECTOR_STORE, "ghost", "ghost_adapter_not_installed.store:GhostStore")
    with pytest.raises(ConfigError) as caught:
        resolve(ProviderKind.VECTOR_STORE, "ghost")
    message = str(caught.value)
    assert "'ghost'" in message
    assert "ghost_adapter_not_installed.store:GhostStore" in message
    assert "ModuleNotFoundError" in message
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_a_module_that_fails_at_import_is_reported_with_its_error(site: Site) -> None:
    module = site.module("raise RuntimeError('missing driver: install psycopg')\n")
    site.register(ProviderKind.VECTOR_STORE, "fragile", f"{module}:Store")
    with pytest.raises(ConfigError, match="RuntimeError: missing driver: install psycopg") as caught:
        resolve(ProviderKind.VECTOR_STORE, "fragile")
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_a_direct_path_to_a_missing_attribute_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="has no attribute 'NoSuchStore'") as caught:
        resolve(ProviderKind.VECTOR_STORE, f"{__name__}:NoSuchStore")
    assert isinstance(caught.value.__cause__, AttributeError)


def test_a_target_that_is_not_a_class_is_an_spi_error(site: Site) -> None:
    module = site.module("def make_store():\n    return None\n")
    site.register(ProviderKind.VECTOR_STORE, "factory", f"{module}:make_store")
    with pytest.raises(SpiError, match="is a function; a provider must be a class"):
        resolve(ProviderKind.VECTOR_STORE, "factory")


def test_a_name_registered_by_two_packages_is_refused_as_ambiguous(site: Site) -> None:
    site.register(ProviderKind.DOCUMENT_STORE, "twin", "first_pkg:Store", distribution="first-pkg")
    site.register(ProviderKind.DOCUMENT_STORE, "twin", "second_pkg:Store", distribution="second-pkg")
    with pytest.raises(ConfigError, match="more than one installed package") as caught:
        resolve(ProviderKind.DOCUMENT_STORE, "twin")
    assert "first_pkg:Store (from first-pkg)" in str(caught.value)
    assert "second_pkg:Store (from second-pkg)" in str(caught.value)


def test_an_entry_point_name_wins_over_reading_it_as_a_path(site: Site) -> None:
    module = site.module(
        "class Embedder:\n"
        "    async def embed(self, texts):\n        return [[1.0] for _ in texts]\n"
        "    def dimensions(self):\n        return 1\n"
    )
    site.register(ProviderKind.EMBEDDING_PROVIDER, "vendor:small", f"{module}:Embedder")
    assert resolve(ProviderKind.EMBEDDING_PROVIDER, "vendor:small").__module__ == module


# ------------------------------------------------------------------------------------ conformance


def test_an_honest_adapter_without_spi_version_conforms_as_version_one() -> None:
    check_conformance(HonestVectorStore, ProviderKind.VECTOR_STORE)
    check_conformance(HonestVectorStore(), ProviderKind.VECTOR_STORE)
    check_conformance(CurrentVersion, ProviderKind.VECTOR_STORE)


def test_a_missing_method_is_named_with_the_signature_to_write() -> None:
    with pytest.raises(SpiError) as caught:
        check_conformance(NoSearch, ProviderKind.VECTOR_STORE)
    assert rendered(caught.value) == [
        "search_similar: missing; the VectorStore SPI requires "
        "`async def search_similar(self, query_vector, bank_id, limit=10, filters=None)`"
    ]


def test_a_sync_method_where_the_spi_awaits_is_refused() -> None:
    with pytest.raises(SpiError) as caught:
        check_conformance(SyncDelete, ProviderKind.VECTOR_STORE)
    assert caught.value.problems == (Problem("delete", "must be `async def` (the VectorStore SPI awaits it)"),)


def test_an_async_method_where_the_spi_calls_without_await_is_refused() -> None:
    check_conformance(HonestEmbedder, ProviderKind.EMBEDDING_PROVIDER)
    with pytest.raises(SpiError) as caught:
        check_conformance(AwaitedDimensions, ProviderKind.EMBEDDING_PROVIDER)
    assert paths(caught.value) == ["dimensions"]
    assert "must be a plain `def`, not `async def`" in caught.value.problems[0].message


def test_an_unsupported_spi_version_says_which_versions_are_supported() -> None:
    with pytest.raises(SpiError) as caught:
        check_conformance(FutureVersion, ProviderKind.VECTOR_STORE)
    assert rendered(caught.value) == [
        "SPI_VERSION: 3 is not supported; this core supports VectorStore SPI versions {1}"
    ]


def test_a_non_integer_spi_version_is_refused() -> None:
    with pytest.raises(SpiError, match="SPI_VERSION: must be an int, got '1'"):
        check_conformance(TextVersion, ProviderKind.VECTOR_STORE)


def test_a_member_that_is_not_callable_is_refused() -> None:
    with pytest.raises(SpiError, match="health: is a bool, not a method"):
        check_conformance(HealthFlag, ProviderKind.VECTOR_STORE)


def test_methods_inherited_from_the_protocol_declaration_do_not_count_as_implemented() -> None:
    with pytest.raises(SpiError) as caught:
        check_conformance(HalfDeclared, ProviderKind.VECTOR_STORE)
    assert paths(caught.value) == ["store_vectors", "search_similar", "delete", "list_vectors"]
    assert all("only the VectorStore Protocol's declaration is inherited" in p.message for p in caught.value.problems)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SpiError) as caught:
        check_conformance(ManyFaults, ProviderKind.VECTOR_STORE)
    assert paths(caught.value) == ["search_similar", "delete", "health", "SPI_VERSION"]
    assert caught.value.summary == f"{__name__}.ManyFaults does not satisfy the VectorStore SPI (4 problems)"


def test_an_optional_capabilities_method_must_be_sync() -> None:
    check_conformance(DeclaresCapabilities, ProviderKind.VECTOR_STORE)
    with pytest.raises(SpiError) as caught:
        check_conformance(AwaitsCapabilities, ProviderKind.VECTOR_STORE)
    assert paths(caught.value) == ["capabilities"]


def test_an_instance_is_described_as_an_instance() -> None:
    with pytest.raises(SpiError, match=rf"an instance of {__name__}\.SyncDeleteAfterInit does not satisfy"):
        check_conformance(SyncDeleteAfterInit(), ProviderKind.VECTOR_STORE)


# ------------------------------------------------------------------------------------ creating providers


def test_load_provider_creates_the_provider_with_its_settings() -> None:
    store = load_provider(ProviderKind.VECTOR_STORE, path_to(NeedsDsn), {"dsn": "postgresql://db", "schema": "mem"})
    assert (store.dsn, store.pool_size, store.schema) == ("postgresql://db", 5, "mem")


def test_load_provider_without_settings_uses_the_constructor_defaults() -> None:
    assert load_provider(ProviderKind.VECTOR_STORE, path_to(HonestVectorStore)).dimensions == 4


def test_unknown_and_missing_settings_are_reported_together_at_their_key_paths() -> None:
    with pytest.raises(ConfigError) as caught:
        load_provider(ProviderKind.VECTOR_STORE, path_to(NeedsDsn), {"pool_sise": 3, "scheme": "x"})
    accepted = "(NeedsDsn accepts: dsn, pool_size, schema)"
    assert rendered(caught.value) == [
        f"vector_store_config.pool_sise: unknown key; did you mean 'pool_size'? {accepted}",
        f"vector_store_config.scheme: unknown key; did you mean 'schema'? {accepted}",
        "vector_store_config.dsn: required by NeedsDsn but not set",
    ]


def test_a_constructor_taking_kwargs_accepts_any_setting() -> None:
    store = load_provider(ProviderKind.VECTOR_STORE, path_to(TakesAnything), {"anything": 1, "at_all": "x"})
    assert store.settings == {"anything": 1, "at_all": "x"}


def test_a_validation_error_from_the_constructor_is_placed_at_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_provider(ProviderKind.VECTOR_STORE, path_to(RefusesDimensions), {"dimensions": 10_000})
    assert rendered(caught.value) == ["vector_store_config.dimensions: must be at most 4096, got 10000"]
    assert isinstance(caught.value.__cause__, ValidationError)


def test_any_constructor_failure_becomes_a_config_error_naming_the_provider() -> None:
    name = path_to(CannotConnect)
    with pytest.raises(ConfigError) as caught:
        load_provider(ProviderKind.VECTOR_STORE, name, {"host": "db.internal"})
    assert caught.value.summary == f"vector store {name!r} could not be created from vector_store_config"
    assert rendered(caught.value) == ["vector_store_config: OSError: connection refused by db.internal"]
    assert isinstance(caught.value.__cause__, OSError)


def test_a_broken_class_is_refused_before_it_is_created() -> None:
    with pytest.raises(SpiError, match="delete: must be `async def`"):
        load_provider(ProviderKind.VECTOR_STORE, path_to(SyncDelete))


def test_the_created_instance_is_checked_again() -> None:
    check_conformance(SyncDeleteAfterInit, ProviderKind.VECTOR_STORE)
    with pytest.raises(SpiError, match="delete: must be `async def`"):
        load_provider(ProviderKind.VECTOR_STORE, path_to(SyncDeleteAfterInit))


def test_declared_capabilities_are_read_and_must_be_the_spi_descriptor() -> None:
    assert load_provider(ProviderKind.VECTOR_STORE, path_to(DeclaresCapabilities)) is not None
    with pytest.raises(SpiError, match="returned str"):
        load_provider(ProviderKind.VECTOR_STORE, path_to(WrongCapabilities))


def test_capabilities_that_raise_are_an_spi_error_naming_the_provider() -> None:
    with pytest.raises(SpiError) as caught:
        load_provider(ProviderKind.VECTOR_STORE, path_to(BrokenCapabilities))
    assert rendered(caught.value) == ["capabilities: capabilities() raised RuntimeError: capability probe failed"]
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_an_async_capabilities_method_is_an_spi_error_without_a_never_awaited_warning() -> None:
    class AsyncCapabilities(HonestVectorStore):
        async def capabilities(self) -> VectorStoreCapabilities:
            return VectorStoreCapabilities()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine left unclosed warns when collected
        with pytest.raises(SpiError, match=r"AsyncCapabilities.capabilities\(\) must be a plain method, not async"):
            spi.capabilities_of(AsyncCapabilities(), spi.VectorStore)
        gc.collect()
