"""The light entity extractor and the graph rows built from it."""

from __future__ import annotations

from astrocyte.pipeline.entities import entity_id, extract_mentions, graph_rows, query_entity_ids


def names(text: str) -> list[tuple[str, str]]:
    return [(mention.name, mention.entity_type) for mention in extract_mentions(text)]


def test_names_and_dates_are_found_in_order() -> None:
    assert names("Yesterday Alice Smith met Bob at the Bank of America on March 3, 2024.") == [
        ("Alice Smith", "name"),
        ("Bob", "name"),
        ("Bank of America", "name"),
        ("March 3, 2024", "date"),
    ]
    assert names("We left on 2024-03-05 and came back 7 May 2024, or 12/05/24.") == [
        ("2024-03-05", "date"),
        ("7 May 2024", "date"),
        ("12/05/24", "date"),
    ]


def test_common_words_months_and_particles_alone_are_not_names() -> None:
    assert names("The cat sat. It was May. We were happy. And then of course nothing.") == []
    assert names("Ludwig van Beethoven played in Wien") == [("Ludwig van Beethoven", "name"), ("Wien", "name")]


def test_a_capital_inside_a_word_starts_no_name_but_one_at_the_start_of_the_text_does() -> None:
    assert names("Eve wrote x.Alice, co-Bob and d'Artagnan's O'Brien-Smith; Émile met Zoë Ärger.") == [
        ("Eve", "name"),
        ("O'Brien-Smith", "name"),
        ("Émile", "name"),
        ("Zoë Ärger", "name"),
    ]


def test_each_entity_once_first_spelling_wins() -> None:
    assert names("Alice called ALICE and alice, then Alice again.") == [("Alice", "name")]


def test_entity_ids_ignore_case_and_punctuation_so_queries_find_them() -> None:
    assert entity_id("Pacific Crest Trail") == entity_id("pacific  crest trail!")
    assert entity_id("Pacific Crest Trail") in query_entity_ids("did she walk the pacific crest trail?")
    assert entity_id("Alice") not in query_entity_ids("Alison went")


def test_graph_rows_link_co_occurring_entities_once() -> None:
    first = extract_mentions("Alice and Bob met Carol.")
    second = extract_mentions("Bob and Alice again.")
    rows = graph_rows(["m1", "m2"], [first, second])
    assert sorted(entity.name for entity in rows.entities) == ["Alice", "Bob", "Carol"]
    assert len(rows.associations) == 5
    assert len(rows.links) == 3
    assert {link.link_type for link in rows.links} == {"co_occurs"}
