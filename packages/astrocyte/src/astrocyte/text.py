"""Word tokenisation shared by keyword search and the hashing embedder.

One definition of "a word" keeps lexical matching consistent across the stores and the embedder
that ship with the core: Unicode word characters, lower-cased (``casefold``), nothing else.
Punctuation, quotes and operators are separators, so user input is never parsed as query syntax.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` in order, repeats kept (term frequencies need them)."""
    return _WORD.findall(text.casefold())
