"""``astrocyte.yaml``: reading, environment substitution, profiles and validation, with every problem at once.

The published loader substituted only ``${VAR}``, left unset variables in place (a warning, or an
error only when the key looked sensitive), had no defaults, and reported one problem per run. This
loader fixes each of those:

- **Substitution** applies to every string value (never to keys), recursively through mappings and
  lists: ``${VAR}``; ``${VAR:-default}``, whose default is used when ``VAR`` is unset *or empty*,
  as in the shell; ``$${`` for a literal ``${``. A default is literal text up to the first ``}``
  (no nesting). A ``$`` not followed by ``{`` is kept as is. An unset variable without a default, or
  a malformed ``${``, is an error at its key path.
- **Types after substitution.** Substitution produces strings and the YAML is never re-parsed, so
  ``port: ${PORT}`` holds the string ``"5432"``. Typed fields of this model (such as
  ``defaults.recall_limit``) coerce numeric strings in pydantic's lax mode; ``<kind>_config``
  mappings are untyped here, so **adapters receive substituted values as strings** and convert
  them themselves (a YAML literal ``port: 5432`` still arrives as an int).
- **Profiles.** ``profile:`` names a built-in profile (``profiles/<name>.yaml`` in this package) by
  a bare name such as ``memory``, or a file by anything else (``./team.yaml``, ``/etc/x.yml``);
  relative paths resolve against the folder of the file that names them, or against the
  working directory for :func:`load_config_dict`. A profile may name another; cycles are
  errors. The user's file is deep-merged on top: mappings merge, anything else replaces, and
  one rule more: a layer that names a different provider for a kind does not inherit the
  ``<kind>_config`` below it, because that configuration was written for the other provider.
- **Errors.** Environment problems, unknown keys (with a "did you mean") and type errors are
  collected into one :class:`~astrocyte.errors.ConfigError`, each with its dotted key path and a
  message in plain words; a problem that comes from a profile says which.
"""

from __future__ import annotations

import os
import re
import reprlib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from astrocyte.discovery import ProviderKind
from astrocyte.errors import ConfigError, Problem, ValidationError
from astrocyte.governance.settings import ServerSettings
from astrocyte.knowledge.settings import KnowledgeSettings
from astrocyte.suggestions import did_you_mean, listing
from astrocyte.validation import check_bank_id

PROFILES_DIR = Path(__file__).with_name("profiles")


# ------------------------------------------------------------------------------------ the model


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


Tag = Annotated[str, AfterValidator(_non_blank)]
BankId = Annotated[str, AfterValidator(check_bank_id)]
ProviderName = Annotated[str, Field(min_length=1)]


class _Section(BaseModel):
    """Every section refuses unknown keys: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid")


class BankDefaults(_Section):
    """What every bank starts from unless its own section says otherwise."""

    tags: list[Tag] = Field(default_factory=list)
    recall_limit: int = Field(default=10, ge=1)
    max_tokens: int | None = Field(default=None, ge=1)


class BankConfig(_Section):
    description: str | None = None
    tags: list[Tag] = Field(default_factory=list)


class RetainSettings(_Section):
    """How text becomes memories: the size limit, chunking, batching, near-duplicate detection (``null``
    turns it off) and entity extraction (``auto``: by the LLM provider when one is configured, else rules)."""

    max_content_bytes: int = Field(default=1_048_576, ge=1)
    chunk_size: int = Field(default=1000, ge=16)
    chunk_overlap: int = Field(default=150, ge=0)
    chunk_unit: Literal["characters", "tokens"] = "characters"
    embed_batch_size: int = Field(default=256, ge=1)
    near_duplicate_threshold: float | None = Field(default=0.95, gt=0, le=1)
    entity_extraction: Literal["auto", "rules", "llm"] = "auto"
    # Contextual vectors (astrocyte.pipeline.context_vectors): each chunk's vector blended with its
    # neighbours' in the same call; window 0 turns it off. A call is read as a sequence (a conversation,
    # a document): retain unrelated items in separate calls, or set 0. Tuned on LoCoMo dev, see
    # docs/benchmarks.md.
    context_window: int = Field(default=2, ge=0)
    context_weight: float = Field(default=0.5, ge=0)
    context_decay: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> RetainSettings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self


class StrategyWeights(_Section):
    """Weights of each recall strategy in reciprocal rank fusion; 0 turns a strategy off."""

    semantic: float = Field(default=1.0, ge=0)
    keyword: float = Field(default=1.0, ge=0)
    graph: float = Field(default=1.0, ge=0)


class FeatureWeights(_Section):
    """The weights of score fusion's linear model, one per candidate feature (astrocyte.pipeline.rerank
    says what each feature is). Fitted on LoCoMo dev by ``astrocyte bench locomo-fit``, which prints a
    refitted set in this shape; any sign is allowed."""

    cosine: float = 2.8
    bm25: float = 2.85
    semantic_rank: float = 0.03
    keyword_rank: float = 1.1
    in_semantic: float = 0.75
    in_keyword: float = -0.52
    subject: float = 2.27
    mention: float = 0.65
    time: float = 1.94
    date: float = 3.77
    question: float = -1.28
    neighbour_cosine: float = -0.51
    neighbour_bm25: float = 1.51
    masked_cosine: float = 5.67
    neighbour_masked_cosine: float = 1.02
    length: float = 3.84


class RecallSettings(_Section):
    """How recall gathers candidates and fuses them: ``fusion: scores`` (the default) ranks them by a
    learned linear model over their features (astrocyte.pipeline.rerank, ``feature_weights``);
    ``rrf`` fuses ranks only. Under ``scores`` a strategy weight of 0 still turns the strategy off;
    other weight values matter only to ``rrf``. The defaults were chosen on LoCoMo dev by the
    procedure in docs/benchmarks.md: each strategy fetches ``limit * candidate_multiplier``
    candidates; deeper lists rank better but cost recall latency (10: +1.3 points, about 1.8x)."""

    fusion: Literal["scores", "rrf"] = "scores"
    feature_weights: FeatureWeights = Field(default_factory=FeatureWeights)
    rrf_k: int = Field(default=60, ge=1)
    weights: StrategyWeights = Field(default_factory=StrategyWeights)
    candidate_multiplier: int = Field(default=4, ge=1)
    graph_max_depth: int = Field(default=1, ge=0)
    # Under ``fusion: scores``: how close (in the linear model's units) a candidate of an episode not
    # yet ranked must score to the best remaining one to go first (astrocyte.pipeline.episodes); 0 off.
    episode_margin: float = Field(default=1.25, ge=0)


class ReflectSettings(_Section):
    """How many memories reflect reads, and how long its answers may be."""

    memories: int = Field(default=8, ge=1)
    max_sentences: int = Field(default=6, ge=1)
    answer_max_tokens: int = Field(default=512, ge=1)


class EngineSettings(_Section):
    """The ``engine:`` section: tuning of the retain, recall and reflect pipelines."""

    retain: RetainSettings = Field(default_factory=RetainSettings)
    recall: RecallSettings = Field(default_factory=RecallSettings)
    reflect: ReflectSettings = Field(default_factory=ReflectSettings)


class AstrocyteConfig(_Section):
    """The whole of ``astrocyte.yaml``: one provider name and its constructor settings per kind."""

    profile: str | None = None

    vector_store: ProviderName | None = None
    vector_store_config: dict[str, Any] = Field(default_factory=dict)
    document_store: ProviderName | None = None
    document_store_config: dict[str, Any] = Field(default_factory=dict)
    graph_store: ProviderName | None = None
    graph_store_config: dict[str, Any] = Field(default_factory=dict)
    wiki_store: ProviderName | None = None
    wiki_store_config: dict[str, Any] = Field(default_factory=dict)
    mental_model_store: ProviderName | None = None
    mental_model_store_config: dict[str, Any] = Field(default_factory=dict)
    source_store: ProviderName | None = None
    source_store_config: dict[str, Any] = Field(default_factory=dict)
    pageindex_store: ProviderName | None = None
    pageindex_store_config: dict[str, Any] = Field(default_factory=dict)
    bank_store: ProviderName | None = None
    bank_store_config: dict[str, Any] = Field(default_factory=dict)
    knowledge_store: ProviderName | None = None
    knowledge_store_config: dict[str, Any] = Field(default_factory=dict)
    llm_provider: ProviderName | None = None
    llm_provider_config: dict[str, Any] = Field(default_factory=dict)
    embedding_provider: ProviderName | None = None
    embedding_provider_config: dict[str, Any] = Field(default_factory=dict)
    engine_provider: ProviderName | None = None
    engine_provider_config: dict[str, Any] = Field(default_factory=dict)

    defaults: BankDefaults = Field(default_factory=BankDefaults)
    banks: dict[BankId, BankConfig] = Field(default_factory=dict)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def provider(self, kind: ProviderKind) -> tuple[str | None, dict[str, Any]]:
        """The provider named for ``kind`` and a copy of its settings, ready for ``load_provider``."""
        name: str | None = getattr(self, kind.value)
        settings: dict[str, Any] = getattr(self, kind.config_key)
        return name, dict(settings)


# ------------------------------------------------------------------------------------ loading


def load_config(path: str | os.PathLike[str]) -> AstrocyteConfig:
    """Read, substitute, layer and validate the YAML file at ``path`` (from ``os.environ``)."""
    file = Path(path)
    data = _read_yaml(file)
    loader = _Loader(os.environ)
    return loader.build(data, origin=str(file), base_dir=file.resolve().parent, chain=(file.resolve(),))


def load_config_dict(
    data: Mapping[str, Any], *, environ: Mapping[str, str] | None = None, source: str = "<dict>"
) -> AstrocyteConfig:
    """Validate an already parsed configuration; relative profile paths resolve against the working directory."""
    loader = _Loader(os.environ if environ is None else environ)
    return loader.build(data, origin=source, base_dir=Path.cwd(), chain=())


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with the package, for ``profile: <name>``."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml"))


def _read_yaml(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"cannot parse {file}: YAML syntax error{where}: {reason}") from exc


@dataclass(frozen=True)
class _Layer:
    """One file's substituted content; ``profile`` is the profile's name or path, ``None`` for the user's file."""

    data: dict[str, Any]
    profile: str | None


@dataclass
class _Loader:
    """Carries the environment and the growing list of problems through one load."""

    environ: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    def build(self, data: Any, *, origin: str, base_dir: Path, chain: tuple[Path, ...]) -> AstrocyteConfig:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(f"{origin}: the top level must be a mapping of keys, got {type(data).__name__}")
        layers = self.layers(data, profile=None, base_dir=base_dir, chain=chain)
        merged: dict[str, Any] = reduce(_overlay, (layer.data for layer in layers), {})
        self.problems.extend(_unclaimed_settings(merged))
        config = self.validate(merged, layers)
        if config is None or self.problems:
            count = f"{len(self.problems)} problem{'s' if len(self.problems) > 1 else ''}"
            ordered = sorted(self.problems, key=lambda problem: problem.path)
            raise ConfigError(f"{origin}: {count} in the configuration", ordered)
        return config

    def layers(
        self, data: Mapping[str, Any], *, profile: str | None, base_dir: Path, chain: tuple[Path, ...]
    ) -> list[_Layer]:
        """``data`` substituted, preceded by the layers of the profile it names (base first)."""
        note = "" if profile is None else f" (in profile {profile!r})"
        found: list[Problem] = []
        substituted = _substitute(dict(data), self.environ, "", found)
        self.problems.extend(Problem(problem.path, problem.message + note) for problem in found)
        below = substituted.get("profile")
        if not isinstance(below, str):
            return [_Layer(substituted, profile)]  # no profile, or a wrong type that validation reports
        try:
            file = _profile_file(below, base_dir, chain)
            content = _read_yaml(file)
            if content is not None and not isinstance(content, Mapping):
                raise ConfigError(f"profile {below!r} ({file}) must be a mapping of keys, got {type(content).__name__}")
        except ConfigError as exc:
            self.problems.append(Problem("profile", exc.summary + note))
            return [_Layer(substituted, profile)]
        return [
            *self.layers(content or {}, profile=below, base_dir=file.parent, chain=(*chain, file)),
            _Layer(substituted, profile),
        ]

    def validate(self, merged: Mapping[str, Any], layers: list[_Layer]) -> AstrocyteConfig | None:
        try:
            return AstrocyteConfig.model_validate(merged)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                location = tuple(part for part in error["loc"] if part != "[key]")
                origin = _defining_profile(location, layers)
                note = "" if origin is None else f" (from profile {origin!r})"
                self.problems.append(Problem(_dotted(location), _explain(error, location) + note))
            return None


# ------------------------------------------------------------------------------------ substitution

_REFERENCE = re.compile(r"\$\$\{|\$\{(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\})?")


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every ``${VAR}``, ``${VAR:-default}`` and ``$${`` escape resolved from ``environ``."""
    expanded, messages = _expand(text, environ)
    if messages:
        raise ConfigError("cannot substitute environment variables", [Problem("", message) for message in messages])
    return expanded


def _expand(text: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    messages: list[str] = []

    def resolve(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group("name"), match.group("default")
        if name is None:
            messages.append(
                f"malformed variable reference at character {match.start() + 1}; "
                "write ${NAME} or ${NAME:-default}, or $${ for a literal ${"
            )
            return match.group(0)
        value = environ.get(name)
        if default is not None and not value:
            return default
        if value is None:
            messages.append(f"environment variable {name} is not set; set it or write ${{{name}:-default}}")
            return match.group(0)
        return value

    return _REFERENCE.sub(resolve, text), messages


def _substitute(value: Any, environ: Mapping[str, str], path: str, problems: list[Problem]) -> Any:
    """``value`` with every string in it expanded; keys stay as written."""
    if isinstance(value, str):
        expanded, messages = _expand(value, environ)
        problems.extend(Problem(path, message) for message in messages)
        return expanded
    if isinstance(value, Mapping):
        return {key: _substitute(item, environ, _join(path, key), problems) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, environ, _join(path, index), problems) for index, item in enumerate(value)]
    return value


def _join(path: str, part: object) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else str(part)


def _dotted(location: tuple[Any, ...]) -> str:
    return reduce(_join, location, "")


# ------------------------------------------------------------------------------------ profiles and merging

_PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _profile_file(reference: str, base_dir: Path, chain: tuple[Path, ...]) -> Path:
    if _PROFILE_NAME.fullmatch(reference):
        file = PROFILES_DIR / f"{reference}.yaml"
        if not file.is_file():
            builtins = builtin_profiles()
            raise ConfigError(
                f"unknown built-in profile {reference!r}{did_you_mean(reference, builtins)} "
                f"(built-in profiles: {listing(builtins)}; name a file with a path such as ./{reference}.yaml)"
            )
    else:
        file = (base_dir / Path(reference).expanduser()).resolve()
    if file in chain:
        cycle = " -> ".join(str(step) for step in (*chain, file))
        raise ConfigError(f"profiles form a cycle: {cycle}")
    return file


def _overlay(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, dropping settings of a provider that ``top`` replaces by another."""
    replaced = {kind.config_key for kind in ProviderKind if kind in top and top[kind] != base.get(kind)}
    return _deep_merge({key: value for key, value in base.items() if key not in replaced}, top)


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        merged[key] = _deep_merge(below, value) if isinstance(below, Mapping) and isinstance(value, Mapping) else value
    return merged


def _unclaimed_settings(merged: Mapping[str, Any]) -> list[Problem]:
    """Settings for a kind that names no provider would be silently ignored; say so instead."""
    return [
        Problem(kind.config_key, f"is set, but no {kind.value} is named to receive it")
        for kind in ProviderKind
        if merged.get(kind.config_key) and not merged.get(kind)
    ]


def _defining_profile(location: tuple[Any, ...], layers: list[_Layer]) -> str | None:
    """The profile whose value at ``location`` won the merge, or ``None`` when it is the user's own."""
    for layer in reversed(layers):
        node: Any = layer.data
        for part in location:
            node = _child(node, part)
        if node is not _ABSENT:
            return layer.profile
    return None


_ABSENT = object()


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(part, _ABSENT)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


# ------------------------------------------------------------------------------------ messages

_SHAPES = {
    "missing": "is required",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
}

_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def _explain(error: Any, location: tuple[Any, ...]) -> str:
    """Pydantic's error in the words of someone editing YAML."""
    kind: str = error["type"]
    context: Mapping[str, Any] = error.get("ctx") or {}
    got = f", got {reprlib.repr(error.get('input'))}"
    if kind == "extra_forbidden":
        allowed = _keys_at(location[:-1])
        hint = did_you_mean(str(location[-1]), allowed)
        return f"unknown key{hint}" if hint else f"unknown key (allowed here: {listing(allowed)})"
    if kind == "value_error":
        cause = context.get("error")
        return cause.reason if isinstance(cause, ValidationError) else str(cause)
    if kind == "missing":
        return _SHAPES[kind]
    if kind in _SHAPES:
        return _SHAPES[kind] + got
    if kind in _BOUNDS:
        (limit,) = context.values()
        number = "an integer" if isinstance(limit, int) else "a number"
        return f"must be {number} {_BOUNDS[kind]} {limit}{got}"
    return str(error["msg"])


def _keys_at(location: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at ``location`` (the mapping that holds an unknown key)."""
    node: Any = AstrocyteConfig
    for part in location:
        if isinstance(node, type) and issubclass(node, BaseModel):
            declared = node.model_fields.get(str(part))
            node = declared.annotation if declared is not None else None
        else:
            node = (typing.get_args(node) or (None,))[-1]  # the value type of a dict, the item type of a list
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


__all__ = [
    "PROFILES_DIR",
    "AstrocyteConfig",
    "BankConfig",
    "BankDefaults",
    "EngineSettings",
    "RecallSettings",
    "ReflectSettings",
    "RetainSettings",
    "StrategyWeights",
    "builtin_profiles",
    "expand_variables",
    "load_config",
    "load_config_dict",
]
