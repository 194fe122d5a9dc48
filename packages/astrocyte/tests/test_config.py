"""astrocyte.yaml: substitution, unknown keys, plain-word errors, profiles and file errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from astrocyte.config import (
    AstrocyteConfig,
    builtin_profiles,
    expand_variables,
    load_config,
    load_config_dict,
)
from astrocyte.discovery import ProviderKind, check_conformance, installed, load_provider
from astrocyte.errors import ConfigError


def problems_of(data: dict[str, Any], environ: dict[str, str] | None = None) -> list[str]:
    """Every problem reported for ``data``, rendered as ``path: message``."""
    with pytest.raises(ConfigError) as caught:
        load_config_dict(data, environ=environ or {})
    return [str(problem) for problem in caught.value.problems]


def write(folder: Path, name: str, content: str) -> Path:
    file = folder / name
    file.write_text(content, encoding="utf-8")
    return file


# ------------------------------------------------------------------------------------ substitution


def test_variables_are_substituted_in_nested_mappings_and_lists() -> None:
    config = load_config_dict(
        {
            "vector_store": "${STORE}",
            "vector_store_config": {"dsn": "postgresql://app:${PG_PASSWORD}@${PG_HOST:-localhost}/mem"},
            "banks": {"team": {"tags": ["${TEAM}", "fixed", "${TEAM}-${ENV:-dev}"]}},
        },
        environ={"STORE": "guide-vectors", "PG_PASSWORD": "s3cret", "TEAM": "core"},
    )
    assert config.vector_store == "guide-vectors"
    assert config.vector_store_config == {"dsn": "postgresql://app:s3cret@localhost/mem"}
    assert config.banks["team"].tags == ["core", "fixed", "core-dev"]


def test_the_default_is_used_when_the_variable_is_unset_or_empty_like_the_shell() -> None:
    environ = {"EMPTY": "", "SET": "value"}
    assert expand_variables("${UNSET:-fallback}", environ) == "fallback"
    assert expand_variables("${EMPTY:-fallback}", environ) == "fallback"
    assert expand_variables("${SET:-fallback}", environ) == "value"
    assert expand_variables("${UNSET:-}", environ) == ""
    assert expand_variables("${EMPTY}", environ) == ""


def test_a_default_is_literal_text_up_to_the_first_closing_brace() -> None:
    assert expand_variables("${UNSET:-$HOME and :-}", {}) == "$HOME and :-"


def test_double_dollar_brace_escapes_a_literal_reference() -> None:
    assert expand_variables("literal $${NOT_A_VAR} and ${SET}", {"SET": "x"}) == "literal ${NOT_A_VAR} and x"


def test_a_dollar_not_followed_by_a_brace_is_kept() -> None:
    assert expand_variables("pa$$word costs $5 at $HOME", {}) == "pa$$word costs $5 at $HOME"


def test_keys_are_never_substituted() -> None:
    config = load_config_dict(
        {"vector_store": "x", "vector_store_config": {"${KEY}": "${VALUE}"}}, environ={"KEY": "k", "VALUE": "v"}
    )
    assert config.vector_store_config == {"${KEY}": "v"}


def test_a_whole_value_reference_stays_a_string_in_provider_settings() -> None:
    config = load_config_dict(
        {"vector_store": "x", "vector_store_config": {"port": "${PORT}", "verify": "${VERIFY}", "literal": 5432}},
        environ={"PORT": "5432", "VERIFY": "true"},
    )
    assert config.vector_store_config == {"port": "5432", "verify": "true", "literal": 5432}


def test_typed_fields_coerce_substituted_numbers() -> None:
    config = load_config_dict({"defaults": {"recall_limit": "${LIMIT}"}}, environ={"LIMIT": "25"})
    assert config.defaults.recall_limit == 25


def test_an_unset_variable_without_default_is_an_error_at_its_key_path() -> None:
    assert problems_of({"vector_store": "pg", "vector_store_config": {"dsn": "postgresql://${PG_PASSWORD}@db"}}) == [
        "vector_store_config.dsn: environment variable PG_PASSWORD is not set; set it or write ${PG_PASSWORD:-default}"
    ]


def test_unset_variables_inside_lists_are_located_by_index() -> None:
    assert problems_of({"banks": {"team": {"tags": ["ok", "${A}-${B}"]}}}) == [
        "banks.team.tags[1]: environment variable A is not set; set it or write ${A:-default}",
        "banks.team.tags[1]: environment variable B is not set; set it or write ${B:-default}",
    ]


@pytest.mark.parametrize("text", ["${1ABC}", "${UNTERMINATED", "${A-default}", "${}", "${A B}"])
def test_a_malformed_reference_is_an_error_that_shows_the_fix(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        expand_variables(text, {"A": "x"})
    (problem,) = caught.value.problems
    assert problem.message.startswith("malformed variable reference at character 1;")
    assert "$${ for a literal ${" in problem.message


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True)


@given(st.text())
def test_text_without_a_dollar_passes_through_unchanged(text: str) -> None:
    text = text.replace("$", "")
    assert expand_variables(text, {}) == text


@given(NAMES, st.text().map(lambda text: text.replace("}", "")))
def test_an_unset_variable_with_a_default_yields_the_default(name: str, default: str) -> None:
    assert expand_variables(f"${{{name}:-{default}}}", {}) == default


@given(NAMES, st.text(min_size=1), st.text(), st.text())
def test_a_set_variable_yields_its_value_between_any_surrounding_text(
    name: str, value: str, before: str, after: str
) -> None:
    before, after = before.replace("$", ""), after.replace("$", "")
    assert expand_variables(f"{before}${{{name}}}{after}", {name: value}) == f"{before}{value}{after}"


@given(st.text(alphabet=st.sampled_from("${}:-AB x"), max_size=30))
def test_escaping_every_reference_round_trips_any_text(text: str) -> None:
    assert expand_variables(text.replace("${", "$${"), {}) == text


# ------------------------------------------------------------------------------------ validation


def test_an_empty_configuration_is_valid_and_names_no_provider() -> None:
    config = load_config_dict({})
    assert all(config.provider(kind) == (None, {}) for kind in ProviderKind)
    assert (config.defaults.recall_limit, config.defaults.max_tokens, config.banks) == (10, None, {})


def test_every_provider_kind_has_a_name_and_settings_key() -> None:
    data = {kind.value: f"{kind.value}-impl" for kind in ProviderKind}
    data |= {kind.config_key: {"kind": kind.value} for kind in ProviderKind}
    config = load_config_dict(data)
    for kind in ProviderKind:
        assert config.provider(kind) == (f"{kind.value}-impl", {"kind": kind.value})


def test_provider_returns_a_copy_of_the_settings() -> None:
    config = load_config_dict({"vector_store": "x", "vector_store_config": {"a": 1}})
    _, settings = config.provider(ProviderKind.VECTOR_STORE)
    settings["a"] = 2
    assert config.vector_store_config == {"a": 1}


def test_unknown_keys_suggest_the_closest_key_at_their_path() -> None:
    assert problems_of({"vector_stor": "memory", "defaults": {"recal_limit": 5}, "banks": {"b": {"tagz": []}}}) == [
        "banks.b.tagz: unknown key; did you mean 'tags'?",
        "defaults.recal_limit: unknown key; did you mean 'recall_limit'?",
        "vector_stor: unknown key; did you mean 'vector_store'?",
    ]


def test_an_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    assert problems_of({"banks": {"b": {"zzz": 1}}}) == ["banks.b.zzz: unknown key (allowed here: description, tags)"]


def test_wrong_values_are_explained_in_plain_words() -> None:
    assert problems_of(
        {
            "profile": 5,
            "vector_store": "",
            "graph_store": ["memory"],
            "defaults": {"recall_limit": 0, "max_tokens": "lots", "tags": "single"},
            "banks": {"bad bank": {}, "good": {"tags": ["", "ok"], "description": 3}},
            "wiki_store": "memory",
            "wiki_store_config": "not a mapping",
        }
    ) == [
        "banks.bad bank: 'bad bank' is not a valid bank id; use 1-128 characters of letters, digits, '.', '_', ':' "
        "or '-'",
        "banks.good.description: must be a string, got 3",
        "banks.good.tags[0]: must not be empty or only whitespace",
        "defaults.max_tokens: must be an integer, got 'lots'",
        "defaults.recall_limit: must be an integer >= 1, got 0",
        "defaults.tags: must be a list, got 'single'",
        "graph_store: must be a string, got ['memory']",
        "profile: must be a string, got 5",
        "vector_store: must not be empty, got ''",
        "wiki_store_config: must be a mapping of keys to values, got 'not a mapping'",
    ]


def test_settings_for_a_kind_that_names_no_provider_are_an_error() -> None:
    assert problems_of({"graph_store_config": {"uri": "bolt://x"}}) == [
        "graph_store_config: is set, but no graph_store is named to receive it"
    ]


def test_every_kind_of_problem_is_reported_at_once_with_the_source() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_dict(
            {
                "vector_store": "pg",
                "vector_store_config": {"dsn": "${PG_DSN}"},
                "vector_stor": "typo",
                "defaults": {"recall_limit": -1},
                "profile": "nonexistent",
            },
            environ={},
            source="deploy/astrocyte.yaml",
        )
    error = caught.value
    assert error.summary == "deploy/astrocyte.yaml: 4 problems in the configuration"
    assert [problem.path for problem in error.problems] == [
        "defaults.recall_limit",
        "profile",
        "vector_stor",
        "vector_store_config.dsn",
    ]
    assert str(error).startswith("deploy/astrocyte.yaml: 4 problems in the configuration\n  - defaults.recall_limit:")


def test_the_model_refuses_unknown_keys_when_built_directly() -> None:
    with pytest.raises(ValueError, match="vector_stor"):
        AstrocyteConfig.model_validate({"vector_stor": "x"})


# ------------------------------------------------------------------------------------ profiles


def test_the_memory_profile_names_in_memory_stores_and_the_hashing_embedder() -> None:
    config = load_config_dict({"profile": "memory"})
    for kind in ProviderKind:
        expected = {"embedding_provider": "hashing", "llm_provider": None, "engine_provider": None}.get(kind, "memory")
        assert config.provider(kind) == (expected, {}), kind
    assert config.profile == "memory"


@pytest.mark.parametrize("profile", builtin_profiles())
def test_every_provider_a_builtin_profile_names_is_installed_and_loads(profile: str) -> None:
    config = load_config_dict({"profile": profile})
    for kind in ProviderKind:
        name, settings = config.provider(kind)
        if name is not None:
            assert name in installed(kind), (kind, name)
            check_conformance(load_provider(kind, name, settings), kind)


def test_the_user_file_is_deep_merged_over_the_profile(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        "vector_store: guide-vectors\n"
        "vector_store_config: {dimensions: 8, namespace: base}\n"
        "defaults: {recall_limit: 5, tags: [a, b]}\n",
    )
    file = write(
        tmp_path,
        "astrocyte.yaml",
        "profile: ./base.yaml\nvector_store_config: {namespace: mine}\ndefaults: {tags: [c]}\n",
    )
    config = load_config(file)
    assert config.provider(ProviderKind.VECTOR_STORE) == ("guide-vectors", {"dimensions": 8, "namespace": "mine"})
    assert (config.defaults.recall_limit, config.defaults.tags) == (5, ["c"])


def test_naming_another_provider_drops_the_profiles_settings_for_the_old_one(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "vector_store: guide-vectors\nvector_store_config: {dimensions: 8}\n")
    file = write(tmp_path, "astrocyte.yaml", "profile: base.yaml\nvector_store: memory\n")
    assert load_config(file).provider(ProviderKind.VECTOR_STORE) == ("memory", {})


def test_profiles_chain_and_resolve_relative_to_the_file_naming_them(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    write(tmp_path / "team", "shared.yaml", "profile: memory\ndefaults: {recall_limit: 7}\n")
    file = write(tmp_path, "astrocyte.yaml", "profile: team/shared.yaml\ndefaults: {max_tokens: 900}\n")
    config = load_config(file)
    assert (config.vector_store, config.embedding_provider) == ("memory", "hashing")
    assert (config.defaults.recall_limit, config.defaults.max_tokens) == (7, 900)


def test_a_profile_can_be_chosen_from_the_environment() -> None:
    config = load_config_dict({"profile": "${ASTROCYTE_PROFILE:-memory}"}, environ={})
    assert config.vector_store == "memory"


def test_a_profile_cycle_is_an_error_showing_the_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "profile: ./b.yaml\n")
    write(tmp_path, "b.yaml", "profile: ./a.yaml\n")
    file = write(tmp_path, "astrocyte.yaml", "profile: ./a.yaml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    (problem,) = caught.value.problems
    assert problem.path == "profile"
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert f"profiles form a cycle: {file.resolve()} -> {a} -> {b} -> {a}" in problem.message


def test_a_file_naming_itself_as_profile_is_a_cycle(tmp_path: Path) -> None:
    file = write(tmp_path, "astrocyte.yaml", "profile: ./astrocyte.yaml\n")
    with pytest.raises(ConfigError, match="profiles form a cycle"):
        load_config(file)


def test_an_unknown_builtin_profile_lists_the_builtin_ones() -> None:
    assert problems_of({"profile": "memroy"}) == [
        "profile: unknown built-in profile 'memroy'; did you mean 'memory'? "
        f"(built-in profiles: {', '.join(builtin_profiles())}; name a file with a path such as ./memroy.yaml)"
    ]


def test_a_missing_profile_file_is_reported_at_the_profile_key(tmp_path: Path) -> None:
    file = write(tmp_path, "astrocyte.yaml", "profile: ./absent.yaml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    (problem,) = caught.value.problems
    assert problem.path == "profile"
    assert f"cannot read {tmp_path / 'absent.yaml'}" in problem.message


def test_problems_coming_from_a_profile_say_which_profile(tmp_path: Path) -> None:
    write(
        tmp_path, "base.yaml", "vector_store_config: {dsn: '${DSN}'}\nvector_store: pg\ndefaults: {recall_limit: 0}\n"
    )
    file = write(tmp_path, "astrocyte.yaml", "profile: ./base.yaml\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert [str(problem) for problem in caught.value.problems] == [
        "defaults.recall_limit: must be an integer >= 1, got 0 (from profile './base.yaml')",
        "vector_store_config.dsn: environment variable DSN is not set; set it or write ${DSN:-default} "
        "(in profile './base.yaml')",
    ]


def test_a_value_the_user_overrides_is_not_blamed_on_the_profile(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "defaults: {recall_limit: 5}\n")
    file = write(tmp_path, "astrocyte.yaml", "profile: ./base.yaml\ndefaults: {recall_limit: zero}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert [str(problem) for problem in caught.value.problems] == [
        "defaults.recall_limit: must be an integer, got 'zero'"
    ]


# ------------------------------------------------------------------------------------ files


def test_a_file_is_read_with_substitution_from_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASTROCYTE_TEST_NS", "from-env")
    file = write(
        tmp_path, "astrocyte.yaml", "vector_store: memory\nvector_store_config: {ns: '${ASTROCYTE_TEST_NS}'}\n"
    )
    assert load_config(file).vector_store_config == {"ns": "from-env"}


def test_an_empty_file_is_an_empty_configuration(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "astrocyte.yaml", "# nothing yet\n")) == AstrocyteConfig()


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"cannot read {tmp_path / 'nope.yaml'}: No such file"):
        load_config(tmp_path / "nope.yaml")


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    file = write(tmp_path, "astrocyte.yaml", "vector_store: memory\ndefaults:\n  recall_limit: [1, 2\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert caught.value.summary.startswith(f"cannot parse {file}: YAML syntax error at line 4, column 1:")
    assert isinstance(caught.value.__cause__, yaml.YAMLError)


def test_a_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path, "astrocyte.yaml", "- vector_store: memory\n")
    with pytest.raises(ConfigError, match="the top level must be a mapping of keys, got list"):
        load_config(file)


def test_a_profile_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "just a string\n")
    file = write(tmp_path, "astrocyte.yaml", "profile: ./base.yaml\n")
    with pytest.raises(ConfigError, match="must be a mapping of keys, got str"):
        load_config(file)
