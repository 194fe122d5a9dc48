"""Copying a file's write-ahead log into the database on a thread of its own, after commits.

In WAL mode every commit appends the pages it changed to the log, and a checkpoint copies them
back into the database file (and syncs both). SQLite runs that checkpoint inside the commit that
takes the log past ``wal_autocheckpoint`` pages (1,000 by default), so the writer waits for it. At
100k memories a retain of 1,000 changes some 6,500 pages (26 MB: the indexes keyed by content-hash
ids take inserts all over their pages), so every such commit also copied 26 MB and synced twice:
measured at about half of the commit's time. Here the writer's commit only wakes a
:class:`Checkpointer`, whose thread runs a passive checkpoint on a connection of its own while the
writer goes on (SQLite releases the GIL meanwhile, so on a second core it costs the writer
nothing). A passive checkpoint never blocks readers or the writer; commits arriving while one runs
are covered by the next. The writer keeps an automatic checkpoint at a higher mark
(:data:`WRITER_AUTOCHECKPOINT_PAGES`) in case the thread falls behind.

Durability is unchanged: a commit is in the log before the writer goes on, whoever copies it later.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

#: The log size (pages) at which the writer checkpoints inline after all: only if the thread lags.
WRITER_AUTOCHECKPOINT_PAGES = 8192


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on the file at ``path`` after commits, on one thread."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wanted = threading.Condition()
        self._requested = 0  # commits announced so far
        self._done = 0  # commits covered by a finished checkpoint
        self._closing = False
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A transaction committed: checkpoint soon (starts the thread on first use)."""
        with self._wanted:
            if self._closing:
                return
            self._requested += 1
            if self._thread is None:
                name = f"astrocyte-checkpoint:{self._path}"
                self._thread = threading.Thread(target=self._run, name=name, daemon=True)
                self._thread.start()
            self._wanted.notify_all()

    def close(self) -> None:
        """Finish the checkpoint under way, if any, and stop the thread."""
        with self._wanted:
            self._closing = True
            thread = self._thread
            self._wanted.notify_all()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            self._stop()  # the writer's own automatic checkpoint still runs
            return
        try:
            while True:
                with self._wanted:
                    self._wanted.wait_for(lambda: self._closing or self._requested > self._done)
                    if self._closing:
                        return
                    covering = self._requested
                # Busy or failing now: the next commit asks again, and the writer's own mark still holds.
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                with self._wanted:
                    self._done = covering
                    self._wanted.notify_all()
        finally:
            connection.close()
            self._stop()

    def _stop(self) -> None:
        with self._wanted:
            self._thread = None
            self._wanted.notify_all()
