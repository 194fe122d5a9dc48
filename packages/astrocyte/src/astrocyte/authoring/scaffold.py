"""``astrocyte adapter new``: a complete adapter package generated from the SPI it implements.

The package has five parts: ``pyproject.toml`` (hatchling, the core pinned to its SPI range, the
backend's client, the entry point), ``README.md``, ``src/<package>/`` (``__init__.py`` and the
implementation module with every Protocol method stubbed), ``tests/conftest.py`` (a session fixture
that starts or reaches the backend) and ``tests/test_contract.py`` (the contract suite bound to it).
Templates are :class:`string.Template` files shipped inside the core; method stubs are generated
from the Protocols (see :mod:`astrocyte.authoring.stubs`). The package is written to a temporary
folder beside the target and moved into place whole, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import enum
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from astrocyte import __version__
from astrocyte.authoring.families import Family
from astrocyte.authoring.stubs import capability_declaration, method_stubs, render_docstring, type_imports
from astrocyte.errors import ValidationError

_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CLASS = re.compile(r"[A-Z][A-Za-z0-9]*")
# A PEP 508 requirement without markers or URLs: a name, optional extras, optional version clauses.
_REQUIREMENT = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?"
    r"(?:\s*(?:==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!]+(?:\s*,\s*(?:==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!]+)*)?"
)


class BackendMode(enum.StrEnum):
    """How the generated tests get a backend when no running one is named."""

    #: The backend runs in process or from a package: the fixture starts it in a temporary folder.
    EMBEDDED = "embedded"
    #: The backend is a server: the fixture reaches it at ``ASTROCYTE_<SLUG>_URL``, else skips saying so.
    SERVER = "server"


@dataclass(frozen=True)
class AdapterSpec:
    """Every answer the scaffold needs; :func:`adapter_spec` checks them and fills in defaults."""

    family: Family
    slug: str
    folder: Path
    backend: str
    client: str
    key: str
    class_name: str
    mode: BackendMode
    description: str

    @property
    def distribution(self) -> str:
        return f"astrocyte-{self.slug}"

    @property
    def package(self) -> str:
        return f"astrocyte_{self.slug.replace('-', '_')}"

    @property
    def env_var(self) -> str:
        return f"ASTROCYTE_{self.slug.replace('-', '_').upper()}_URL"


def adapter_spec(
    family: Family,
    slug: str,
    *,
    folder: Path | None = None,
    backend: str | None = None,
    client: str = "",
    key: str | None = None,
    class_name: str | None = None,
    mode: BackendMode = BackendMode.EMBEDDED,
    description: str | None = None,
) -> AdapterSpec:
    """Check the answers (each bad one raises ValidationError naming its option) and fill in defaults."""
    if not _SLUG.fullmatch(slug):
        raise ValidationError("slug", f"{slug!r} must be lower-case words of letters and digits joined by '-'")
    key = slug if key is None else key
    if not _KEY.fullmatch(key):
        raise ValidationError("key", f"{key!r} is not a usable entry point name: letters, digits, '.', '_', '-'")
    words = "".join(part.capitalize() for part in slug.split("-"))
    class_name = f"{words}{family.name}" if class_name is None else class_name
    if not _CLASS.fullmatch(class_name):
        raise ValidationError("class_name", f"{class_name!r} must be a CamelCase Python class name")
    client = client.strip()
    if client and not _REQUIREMENT.fullmatch(client):
        raise ValidationError("client", f"{client!r} is not a requirement such as 'chromadb>=1.5'")
    if folder is None:
        folder = Path("adapters" if Path("adapters").is_dir() else ".") / f"astrocyte-{slug}"
    backend = backend or words
    if '"' in backend or "\n" in backend:
        raise ValidationError("backend", "must be one line without double quotes")
    description = description or f"{backend} {family.noun}s for Astrocyte: the {family.name} SPI on {backend}."
    if '"' in description or "\n" in description or "\\" in description:
        raise ValidationError("description", "must be one line without double quotes or backslashes")
    return AdapterSpec(family, slug, folder, backend, client, key, class_name, mode, description)


def core_requirement() -> str:
    """The range of core versions sharing this core's SPI: the same minor series before 1.0 (where a
    minor release may change an SPI), the same major series after."""
    major, minor = (int(part) for part in __version__.split(".")[:2])
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    return f">={major}.{minor},<{upper}"


def generate(spec: AdapterSpec) -> list[Path]:
    """Write the adapter package at ``spec.folder``; returns the files written, relative to it."""
    target = spec.folder
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ValidationError("folder", f"{target} already exists and is not empty: choose another folder")
    files = render(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(Path(relative) for relative in files)


def render(spec: AdapterSpec) -> dict[str, str]:
    """Every file of the package, by path relative to its folder."""
    values = _values(spec)
    source = f"src/{spec.package}"
    return {
        "pyproject.toml": _fill("pyproject.toml.tmpl", values),
        "README.md": _fill("README.md.tmpl", values),
        f"{source}/__init__.py": _fill("__init__.py.tmpl", values),
        f"{source}/{spec.family.module}.py": _fill("module.py.tmpl", values),
        "tests/conftest.py": _fill("conftest.py.tmpl", values),
        "tests/test_contract.py": _fill("test_contract.py.tmpl", values),
    }


def _fill(template: str, values: dict[str, str]) -> str:
    text = resources.files("astrocyte.authoring").joinpath("templates", template).read_text(encoding="utf-8")
    return Template(text).substitute(values)


def _values(spec: AdapterSpec) -> dict[str, str]:
    family, protocol = spec.family, spec.family.kind.protocol
    core_range = core_requirement()
    dependencies = [f'"astrocyte{core_range}"'] + ([f'"{spec.client}"'] if spec.client else [])
    embedded = spec.mode is BackendMode.EMBEDDED
    return {
        "distribution": spec.distribution,
        "package": spec.package,
        "module": family.module,
        "class_name": spec.class_name,
        "description": spec.description,
        "backend": spec.backend,
        "protocol": protocol.__name__,
        "spi_version": str(vars(protocol)["SPI_VERSION"]),
        "suite": family.suite,
        "group": family.group,
        "kind": family.kind.value,
        "key": spec.key,
        "noun": family.noun,
        "core_range": core_range,
        "core_series": core_range.split(",")[0].removeprefix(">="),
        "dependencies": ", ".join(dependencies),
        "env_var": spec.env_var,
        "imports": _module_imports(family),
        "constructor_parameters": ", url: str | None = None, path: str | None = None" if embedded else ", url: str",
        "constructor_body": "        self.url = url" + ("\n        self.path = path" if embedded else ""),
        "methods": _methods(spec),
        "config_snippet": "  path: ./astrocyte-data" if embedded else f"  url: ${{{spec.env_var}}}",
        "check_options": " --option path=./check-data" if embedded else f" --option url=${spec.env_var}",
        "backend_note": _backend_note(spec),
        "conftest_doc": "\n".join(textwrap.wrap(_backend_note(spec).replace("`", "") + _SHARED, 100)),
        "fixture_body": _fixture_body(spec),
    }


_SHARED = (
    " The fixture is session-scoped, so the backend starts (or is reached) once; every contract scenario"
    " writes to banks of its own, so they all share it safely."
)


def _backend_note(spec: AdapterSpec) -> str:
    if spec.mode is BackendMode.EMBEDDED:
        return (
            f"Without `{spec.env_var}` it starts {spec.backend} in a temporary folder; with it set, "
            "the tests use that running server instead."
        )
    return (
        f"It reaches the server at `{spec.env_var}`; without that variable the contract tests are "
        "skipped with a message saying so (CI starts the server as a service container and sets it)."
    )


def _fixture_body(spec: AdapterSpec) -> str:
    lines = ["    url = os.environ.get(BACKEND_URL)"]
    if spec.mode is BackendMode.EMBEDDED:
        lines += [
            "    if url:",
            '        return {"url": url}',
            f'    return {{"path": str(tmp_path_factory.mktemp("{spec.slug}"))}}',
        ]
    else:
        lines += [
            "    if not url:",
            f'        pytest.skip(f"{{BACKEND_URL}} is not set: start a {spec.backend} server and set it to its URL")',
            '    return {"url": url}',
        ]
    return "\n".join(lines)


def _module_imports(family: Family) -> str:
    declaration = capability_declaration(family)
    extra = ("ClassVar", *((declaration[0],) if declaration else ()))
    return type_imports(method_stubs(family), extra)


def _methods(spec: AdapterSpec) -> str:
    blocks = []
    declaration = capability_declaration(spec.family)
    if declaration is not None:
        blocks.append(declaration[1])
    for stub in method_stubs(spec.family):
        blocks.append(f'{stub.definition}\n{render_docstring(stub)}\n        raise _not_implemented("{stub.name}")')
    return "".join(f"\n{block}\n" for block in blocks)


__all__ = ["AdapterSpec", "BackendMode", "adapter_spec", "core_requirement", "generate", "render"]
