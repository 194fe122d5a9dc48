"""Astrocyte on PostgreSQL + pgvector: every store SPI on one database, registered as ``postgres``.

One module per store (``vectors``, ``documents``, ``graph``, ``wiki``, ``mental_models``,
``sources``, ``pageindex``, ``banks``), all sharing :mod:`astrocyte_postgres.database` (pool,
transactions) and the numbered SQL files of ``migrations/``. ``astrocyte-postgres`` is the command
line (``migrate``, ``rls``, ``bench``).
"""
