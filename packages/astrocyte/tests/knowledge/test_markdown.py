"""The document format: every rule, and every rejection naming its line and rule."""

from __future__ import annotations

import pytest

from astrocyte.errors import ValidationError
from astrocyte.knowledge.markdown import DocumentError, DocumentLimits, normalise_step_title, parse_document

SHELL = '```json\n{"contract": {"type": "shell", "shell": {"cmd": "true"}}}\n```'
COMMENT = '```json\n{"contract": {"type": "comment", "comment": {"min_length": 5}}}\n```'


def rejection(document: str, limits: DocumentLimits | None = None) -> DocumentError:
    with pytest.raises(DocumentError) as raised:
        parse_document(document, limits)
    return raised.value


def test_the_issue_example_parses_into_layers_contracts_patterns_and_reward() -> None:
    document = (
        "---\nslug: rotate-db-credentials\nversion: 1.2.0\nteam: ops\n---\n"
        "# Rotate database credentials\n"
        "## Activation Patterns\n- the database password expired\n- rotate or renew DB credentials\n"
        "## Create the new user\n...prose...\n"
        '```json\n{"contract": {"type": "shell", "shell": {"cmd": "psql -c \'select 1\'", '
        '"timeout_seconds": 30}}}\n```\n'
        "## Verify the application\n...\n"
        '```json\n{"contract": {"type": "comment", "comment": {"min_length": 20}}}\n```\n'
        "## Reward Signal\nSuccess means the app connects with the new user and the old one is dropped.\n"
    )
    [adapter] = parse_document(document)
    assert adapter.title == "Rotate database credentials"
    assert adapter.slug == "rotate-db-credentials"
    assert adapter.version == "1.2.0"
    assert adapter.metadata == {"team": "ops"}
    assert adapter.activation_patterns == ["the database password expired", "rotate or renew DB credentials"]
    assert [layer.title for layer in adapter.layers] == ["Create the new user", "Verify the application"]
    assert adapter.layers[0].text == "...prose..."
    assert adapter.layers[0].contract == {
        "type": "shell",
        "shell": {"cmd": "psql -c 'select 1'", "timeout_seconds": 30},
    }
    assert adapter.layers[1].contract == {"type": "comment", "comment": {"min_length": 20}}
    assert adapter.reward_signal == "Success means the app connects with the new user and the old one is dropped."


def test_several_h1s_give_several_adapters() -> None:
    """Notes section 12 #2: the reference system merged every H1 of a file into one adapter."""
    document = f"# First\n## One\n{SHELL}\n# Second\n## Two\n{COMMENT}\n## Reward Signal\nDone.\n"
    first, second = parse_document(document)
    assert (first.title, [layer.title for layer in first.layers], first.reward_signal) == ("First", ["One"], None)
    assert (second.title, [layer.title for layer in second.layers], second.reward_signal) == (
        "Second",
        ["Two"],
        "Done.",
    )


def test_text_after_the_last_contract_is_a_final_layer_without_contract() -> None:
    [adapter] = parse_document(f"# T\n## Do it\n{SHELL}\n## Wrap up\nTell the team.\n## Reward Signal\nOK\n")
    assert [(layer.title, layer.text, layer.contract) for layer in adapter.layers][1] == (
        "Wrap up",
        "Tell the team.",
        None,
    )
    assert adapter.reward_signal == "OK"


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Step 1: Foo", "Foo"),
        ("2. Foo", "Foo"),
        ("Step 3 — Foo", "Foo"),
        ("STEP 4 - Foo", "Foo"),
        ("5) Foo", "Foo"),
        ("3D printing", "3D printing"),
        ("2024 plans", "2024 plans"),
        ("Step 7", "Step 7"),
        ("3.5 inch drives", "3.5 inch drives"),
        ("1. 2. Nested", "Nested"),
    ],
)
def test_step_prefixes_are_normalised_and_nothing_else(heading: str, title: str) -> None:
    """Notes section 12 #3: em dashes, digit-led titles and bare ``Step N`` were mangled there."""
    assert normalise_step_title(heading) == title
    [adapter] = parse_document(f"# T\n## {heading}\n{SHELL}\n")
    assert adapter.layers[0].title == title


def test_headings_inside_code_fences_are_text() -> None:
    fenced = "```bash\n## 1. not a step\n# not an adapter\n```"
    [adapter] = parse_document(f"# T\n## Run\nBefore.\n{fenced}\n{SHELL}\n")
    assert adapter.layers[0].text == f"Before.\n{fenced}"
    assert len(adapter.layers) == 1


def test_activation_patterns_keep_emphasis() -> None:
    """Notes section 12 #13: bold lines lost one asterisk there."""
    patterns = (
        "- **Run this adapter when:** the DB is down\n* the *replica* lags\n+ plus bullet\n1. numbered\n**bare bold**"
    )
    [adapter] = parse_document(f"# T\n## Activation Patterns\n{patterns}\n## Go\n{SHELL}\n")
    assert adapter.activation_patterns == [
        "**Run this adapter when:** the DB is down",
        "the *replica* lags",
        "plus bullet",
        "numbered",
        "**bare bold**",
    ]


def test_a_json_fence_without_contract_is_ordinary_text() -> None:
    example = '```json\n{"example": true}\n```'
    [adapter] = parse_document(f"# T\n## Go\n{example}\n{SHELL}\n")
    assert adapter.layers[0].text == example


def test_layer_text_is_stored_exactly_without_additions() -> None:
    """Notes section 12 #15: the reference system appended [CODE_IDENTIFIERS: ...] to stored text."""
    body = "Run this:\n\n```python\ndef rotate():\n    pass\n```\n\nThen check."
    [adapter] = parse_document(f"# T\n## Go\n\n{body}\n\n{SHELL}\n")
    assert adapter.layers[0].text == body


@pytest.mark.parametrize(
    ("document", "line", "rule"),
    [
        ("intro\n# T\n## Go\n" + SHELL, 1, "text_before_h1"),
        ("## Go\n" + SHELL, 1, "text_before_h1"),
        ("\n\n", 1, "missing_h1"),
        ("# T\n## Go\nno contract\n## Next\n" + SHELL, 2, "missing_contract"),
        ("# T\n## Only\ntext\n", 2, "missing_contract"),
        ("# T\nintro only\n", 1, "missing_steps"),
        ('# T\n## Go\n```json\n{"contract": {"type": "shell",\n```\n', 4, "malformed_contract_json"),
        ('# T\n## Go\n```json\n{"contract": {"type": "telepathy"}}\n```\n', 3, "invalid_contract"),
        ('# T\n## Go\n```json\n{"contract": {"type": "shell", "shell": {}}}\n```\n', 3, "invalid_contract"),
        ("# T\n## Go\n" + SHELL + "\n## go\n" + COMMENT, 6, "duplicate_step_title"),
        ("# T\n## Go\n" + SHELL + "\nstray text\n", 6, "text_outside_step"),
        ("# T\n" + SHELL, 2, "orphan_contract"),
        ("# T\n## Go\n" + SHELL + "\n## Reward Signal\nok\n## Later\n" + COMMENT, 6, "reward_signal_not_last"),
        ("# T\n## Go\n" + SHELL + "\n## Activation Patterns\n- late\n", 6, "activation_patterns_place"),
        ("# T\n## Go\n```bash\nnever closed\n", 3, "unclosed_fence"),
        ("---\nslug: Not Valid\n---\n# T\n## Go\n" + SHELL, 2, "slug"),
        ("---\nslug: [a\n---\n# T", 2, "frontmatter"),
        ("---\nslug: a\n# T\n", 1, "frontmatter"),
        ("---\nslug: one\n---\n# A\n## Go\n" + SHELL + "\n# B\n## Go\n" + SHELL, 1, "slug_with_several_adapters"),
    ],
)
def test_each_rejection_names_the_line_and_the_rule(document: str, line: int, rule: str) -> None:
    error = rejection(document)
    assert (error.line, error.rule) == (line, rule)
    assert error.field == "content"
    assert f"line {line}:" in str(error)


def test_size_limits_name_the_line() -> None:
    limits = DocumentLimits(max_bytes=200, max_line_bytes=40, max_lines=6)
    assert rejection("# T\n" + "x" * 300, limits).rule == "size_limit"
    long_line = rejection("# T\n## Go\n" + "y" * 41 + "\n", limits)
    assert (long_line.rule, long_line.line) == ("line_length", 3)
    assert rejection("# T\n" + "\n" * 10, limits).rule == "line_limit"


def test_not_text_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="content"):
        parse_document(b"# bytes")
