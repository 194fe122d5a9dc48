"""The embedded default: every store SPI on one SQLite file, registered as ``sqlite``.

No server and no set-up: the file is created and migrated on first use. ``DEFAULT_PATH`` is where
``Astrocyte()`` keeps it when nothing else is configured: ``$ASTROCYTE_HOME/astrocyte.db``, or
``~/.local/share/astrocyte/astrocyte.db`` (see :func:`default_path`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def default_path() -> str:
    """Where the zero-config database lives, read from the environment at call time."""
    home = os.environ.get("ASTROCYTE_HOME")
    folder = Path(home).expanduser() if home else Path.home() / ".local" / "share" / "astrocyte"
    return str(folder / "astrocyte.db")


@contextmanager
def temporary_home(prefix: str = "astrocyte-") -> Iterator[str]:
    """Point the embedded default at a fresh temporary folder while the block runs, then remove it.

    For demos and benchmarks that must run exactly what ``Astrocyte()`` runs without touching the
    user's own database.
    """
    previous = os.environ.get("ASTROCYTE_HOME")
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        os.environ["ASTROCYTE_HOME"] = home
        try:
            yield home
        finally:
            if previous is None:
                os.environ.pop("ASTROCYTE_HOME", None)
            else:
                os.environ["ASTROCYTE_HOME"] = previous
