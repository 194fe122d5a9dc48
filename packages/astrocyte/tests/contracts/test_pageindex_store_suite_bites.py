"""The PageIndexStore suite fails stores that break its promises, and passes the honest memory store."""

from __future__ import annotations

import textwrap

import pytest

# Imported here, in the parent process, because pytester forgets modules first imported inside a run
# and numpy (which these import) refuses to be imported a second time.
import astrocyte.stores.memory.pageindex
import astrocyte.testing.contracts.pageindex_store  # noqa: F401

from ._bank_variants import case_blind_banks
from .conftest import RunContract

_IMPORT = "from astrocyte.stores.memory.pageindex import MemoryPageIndexStore\n"

#: The harness reports scenarios without their parameters, so a variant breaking one tree rule shows
#: as this scenario failing; each such variant below breaks exactly one rule (or, where said, all).
_INVALID_TREE = "test_invalid_tree_is_rejected_and_the_previous_tree_stays"

#: variant -> (source of a broken ``Broken`` subclass, scenarios that must fail against it)
_BROKEN: dict[str, tuple[str, set[str]]] = {
    "search_reads_every_bank": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, **options):
                found = []
                for other in sorted(self._banks._states):
                    found += await super().search_sections(query, other, **options)
                return sorted(found, key=lambda hit: -hit.score)
        """,
        {"test_lookups_stay_in_their_bank", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "bank_ids_ignore_case": (
        case_blind_banks("pageindex", "MemoryPageIndexStore", "_PageIndexBank"),
        {"test_adversarial_bank_pairs_are_isolated"},
    ),
    "source_lookup_searches_every_bank": (
        """
        class Broken(MemoryPageIndexStore):
            async def find_document_by_source(self, source_id, bank_id):
                for other in [bank_id, *sorted(self._banks._states)]:
                    found = await super().find_document_by_source(source_id, other)
                    if found is not None:
                        return found
                return None
        """,
        {"test_lookups_stay_in_their_bank"},
    ),
    "trusts_the_tree": (
        """
        import copy
        from astrocyte.errors import ValidationError
        from astrocyte.stores.memory.pageindex import _Tree
        class Broken(MemoryPageIndexStore):
            async def save_sections(self, document_id, sections, bank_id):
                bank = self._banks.for_write(bank_id)
                if document_id not in bank.documents:
                    raise ValidationError("document_id", "not saved")
                bank.trees[document_id] = _Tree.build(copy.deepcopy(sections))
                return len(sections)
        """,
        {_INVALID_TREE},
    ),
    "clears_before_checking": (
        """
        class Broken(MemoryPageIndexStore):
            async def save_sections(self, document_id, sections, bank_id):
                self._banks.for_read(bank_id).trees.pop(document_id, None)
                return await super().save_sections(document_id, sections, bank_id)
        """,
        {_INVALID_TREE},
    ),
    "computes_depth_instead_of_checking": (
        """
        import dataclasses
        from astrocyte.pageindex_tree import ancestor_depths
        class Broken(MemoryPageIndexStore):
            async def save_sections(self, document_id, sections, bank_id):
                positions = {section.node_id: index for index, section in enumerate(sections)}
                if all(section.parent_node in (None, *positions) for section in sections):
                    depths = ancestor_depths(sections, positions)
                    sections = [dataclasses.replace(s, depth=d) for s, d in zip(sections, depths)]
                return await super().save_sections(document_id, sections, bank_id)
        """,
        {_INVALID_TREE},
    ),
    "accepts_sections_of_unsaved_documents": (
        """
        from astrocyte.types import PageIndexDocument
        class Broken(MemoryPageIndexStore):
            async def save_sections(self, document_id, sections, bank_id):
                bank = self._banks.for_write(bank_id)
                if document_id not in bank.documents:
                    bank.documents[document_id] = PageIndexDocument(document_id, bank_id, "auto", "auto")
                return await super().save_sections(document_id, sections, bank_id)
        """,
        {"test_sections_of_an_unsaved_document_are_rejected", "test_delete_document_cascades_to_its_sections"},
    ),
    "merges_instead_of_replacing": (
        """
        class Broken(MemoryPageIndexStore):
            async def save_sections(self, document_id, sections, bank_id):
                kept = [
                    old for old in await self.load_skeleton(document_id, bank_id)
                    if all(old.node_id != new.node_id and old.line_num != new.line_num for new in sections)
                ]
                return await super().save_sections(document_id, kept + sections, bank_id)
        """,
        {"test_save_sections_replaces_the_previous_tree"},
    ),
    "skeleton_in_node_id_order": (
        """
        class Broken(MemoryPageIndexStore):
            async def load_skeleton(self, document_id, bank_id):
                return sorted(await super().load_skeleton(document_id, bank_id), key=lambda s: s.node_id)
        """,
        {"test_skeleton_is_ordered_by_line_num", "test_any_valid_tree_round_trips"},
    ),
    "drops_embeddings": (
        """
        import dataclasses
        class Broken(MemoryPageIndexStore):
            async def load_skeleton(self, document_id, bank_id):
                sections = await super().load_skeleton(document_id, bank_id)
                return [dataclasses.replace(section, summary_embedding=None) for section in sections]
        """,
        {"test_sections_round_trip_every_field", "test_any_valid_tree_round_trips"},
    ),
    "hits_worst_first": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, **options):
                return list(reversed(await super().search_sections(query, bank_id, **options)))
        """,
        {
            "test_search_ranks_a_matching_title_above_others",
            "test_search_scores_are_non_negative_and_non_increasing",
            "test_semantic_blend_lifts_the_section_whose_embedding_matches",
        },
    ),
    "ignores_top_k": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, *, top_k=20, **options):
                return await super().search_sections(query, bank_id, **options)
        """,
        {"test_search_respects_top_k"},
    ),
    "ignores_document_filter": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, *, document_id=None, **options):
                return await super().search_sections(query, bank_id, **options)
        """,
        {"test_search_document_filter", "test_adversarial_ids_round_trip"},
    ),
    "keyword_only": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, *, query_embedding=None, **options):
                return await super().search_sections(query, bank_id, **options)
        """,
        {"test_semantic_blend_lifts_the_section_whose_embedding_matches"},
    ),
    "query_parsed_as_syntax": (
        """
        class Broken(MemoryPageIndexStore):
            async def search_sections(self, query, bank_id, **options):
                if query.count('"') % 2 or query.count("(") != query.count(")"):
                    raise ValueError("fts5: syntax error near end of query")
                return await super().search_sections(query, bank_id, **options)
        """,
        {"test_query_syntax_never_raises"},
    ),
    "delete_leaves_sections": (
        """
        class Broken(MemoryPageIndexStore):
            async def delete_document(self, document_id, bank_id):
                return self._banks.for_read(bank_id).documents.pop(document_id, None) is not None
        """,
        {"test_delete_document_cascades_to_its_sections"},
    ),
    "delete_bank_counts_sections": (
        """
        class Broken(MemoryPageIndexStore):
            async def delete_bank(self, bank_id):
                removed = self._banks.drop(bank_id)
                return 0 if removed is None else sum(len(tree.sections) for tree in removed.trees.values())
        """,
        {"test_delete_bank_counts_documents_and_spares_other_banks", "test_adversarial_bank_pairs_are_isolated"},
    ),
    "hands_out_stored_sections": (
        """
        class Broken(MemoryPageIndexStore):
            async def load_skeleton(self, document_id, bank_id):
                tree = self._banks.for_read(bank_id).trees.get(document_id)
                return [] if tree is None else list(tree.sections)
        """,
        {"test_stored_state_is_not_shared_with_callers"},
    ),
    "keeps_callers_document": (
        """
        class Broken(MemoryPageIndexStore):
            async def save_document(self, document):
                self._banks.for_write(document.bank_id).documents[document.id] = document
                return document.id
        """,
        {"test_stored_state_is_not_shared_with_callers"},
    ),
}


@pytest.mark.parametrize("variant", sorted(_BROKEN))
def test_suite_catches_broken_store(run_contract: RunContract, variant: str) -> None:
    source, must_fail = _BROKEN[variant]
    outcome = run_contract("PageIndexStoreContract", _IMPORT + textwrap.dedent(source), "Broken()")
    assert must_fail <= outcome.failed, f"{variant}: expected {sorted(must_fail)} to fail, got {sorted(outcome.failed)}"


def test_honest_store_passes_everything(run_contract: RunContract) -> None:
    outcome = run_contract("PageIndexStoreContract", _IMPORT, "MemoryPageIndexStore()")
    assert not outcome.failed, sorted(outcome.failed)
    assert not outcome.skipped
    assert "test_any_valid_tree_round_trips" in outcome.passed
