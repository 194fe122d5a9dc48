"""Knowledge adapters: procedural memory trained from markdown, found by hybrid search, run step by step.

- :mod:`~astrocyte.knowledge.records` — the DTOs the :class:`~astrocyte.spi.KnowledgeStore` SPI stores;
- :mod:`~astrocyte.knowledge.markdown` — markdown to parsed adapters, validated with line numbers;
- :mod:`~astrocyte.knowledge.export` — parsed adapters back to markdown (the round trip);
- :mod:`~astrocyte.knowledge.contracts` — step contracts, checked at train time;
- :mod:`~astrocyte.knowledge.identity` — ids, slugs and URIs;
- :mod:`~astrocyte.knowledge.planning` and :mod:`~astrocyte.knowledge.building` — a train call
  planned (ids, slugs, the similarity guard) and turned into records with their vectors;
- :mod:`~astrocyte.knowledge.codec` — records as JSON documents and blobs, for row stores;
- :mod:`~astrocyte.knowledge.spaces` — who may read and write which space;
- :mod:`~astrocyte.knowledge.search` — the hybrid ranking behind ``activate``;
- :mod:`~astrocyte.knowledge.evidence` and :mod:`~astrocyte.knowledge.runs` — checking each step's evidence;
- :mod:`~astrocyte.knowledge.artifacts` — files attached to adapters;
- :mod:`~astrocyte.knowledge.results` and :mod:`~astrocyte.knowledge.views` — the DTOs returned;
- :mod:`~astrocyte.knowledge.service` — :class:`KnowledgeService`, what ``brain.knowledge`` is
  (:mod:`~astrocyte.knowledge.blocking`: its blocking twin on ``SyncAstrocyte``).

This package imports nothing heavy at import time, so :mod:`astrocyte.spi` can use its records.
"""
