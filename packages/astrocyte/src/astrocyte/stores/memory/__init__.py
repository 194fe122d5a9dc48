"""The in-memory reference stores: one per store SPI, registered as ``memory`` in every store group.

They are the executable meaning of the SPI: simple enough to read in one sitting, strict enough to
pass every contract suite, and the baseline every adapter is compared with. State lives in the
process and is lost when it ends.
"""

from astrocyte.stores.memory.banks import MemoryBankStore
from astrocyte.stores.memory.documents import MemoryDocumentStore
from astrocyte.stores.memory.graph import MemoryGraphStore
from astrocyte.stores.memory.knowledge import MemoryKnowledgeStore
from astrocyte.stores.memory.mental_models import MemoryMentalModelStore
from astrocyte.stores.memory.pageindex import MemoryPageIndexStore
from astrocyte.stores.memory.sources import MemorySourceStore
from astrocyte.stores.memory.vectors import MemoryVectorStore
from astrocyte.stores.memory.wiki import MemoryWikiStore

__all__ = [
    "MemoryBankStore",
    "MemoryDocumentStore",
    "MemoryGraphStore",
    "MemoryKnowledgeStore",
    "MemoryMentalModelStore",
    "MemoryPageIndexStore",
    "MemorySourceStore",
    "MemoryVectorStore",
    "MemoryWikiStore",
]
