"""Broken-store sources shared by the bite tests of memory stores built on ``stores/memory/_banks.py``."""

from __future__ import annotations


def case_blind_banks(module: str, store: str, state: str) -> str:
    """Source of ``Broken``: ``module.store`` with bank ids folded to lower case, so ``Team`` is ``team``."""
    return f"""
from astrocyte.stores.memory._banks import DocumentBanks
from astrocyte.stores.memory.{module} import {state}, {store}

class CaseBlindBanks(DocumentBanks):
    def for_write(self, bank_id):
        return super().for_write(bank_id.lower())

    def for_read(self, bank_id):
        return super().for_read(bank_id.lower())

    def drop(self, bank_id):
        return super().drop(bank_id.lower())

class Broken({store}):
    def __init__(self):
        super().__init__()
        self._banks = CaseBlindBanks({state})
"""
