"""The ``astrocyte`` command line: human output by default, ``--json`` for scripts."""

from astrocyte.cli.app import app, main

__all__ = ["app", "main"]
