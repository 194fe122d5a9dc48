"""The input check every model-backed embedder applies to a batch before tokenising it."""

from __future__ import annotations

from astrocyte.errors import ValidationError


def check_texts(texts: object) -> list[str]:
    """A list of strings that encode to UTF-8; the error names the offending item (``texts[3]``).

    Empty strings pass: what they embed to is each embedder's documented choice. Lone surrogates do
    not, because tokenizers fail on them with errors that do not say which text was at fault.
    """
    if not isinstance(texts, list):
        raise ValidationError("texts", f"must be a list of strings, got {type(texts).__name__}")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValidationError(f"texts[{index}]", f"must be a string, got {type(text).__name__}")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError(
                f"texts[{index}]",
                f"is not valid Unicode (lone surrogate at position {exc.start}); decode the input as UTF-8 first",
            ) from None
    return texts
