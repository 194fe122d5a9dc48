"""Source of a broken in-memory store whose banks are looked up under a rewritten bank id.

Both the wiki and the mental model bite tests need "the store confuses banks" variants (one bank
for all, case folded ids); the only difference is how the id is rewritten, so it is one template.
"""

from __future__ import annotations


def remapped_banks_source(store_class: str, rewritten_id: str) -> str:
    """A ``Broken`` subclass of ``store_class`` that keys every bank by ``rewritten_id`` (of ``bank_id``)."""
    return f"""
from astrocyte.stores.memory._banks import Banks

class RemappedBanks(Banks):
    def for_write(self, bank_id):
        return super().for_write({rewritten_id})

    def for_read(self, bank_id):
        return super().for_read({rewritten_id})

    def drop(self, bank_id):
        return super().drop({rewritten_id})

class Broken({store_class}):
    def __init__(self):
        super().__init__()
        self._banks = RemappedBanks(dict)
"""
