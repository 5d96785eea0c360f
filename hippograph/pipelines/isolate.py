"""Keeping one bad input from failing or silently replacing the inputs around it."""

from __future__ import annotations

from ..extract.source import Problem
from ..records import Document

# What a document's own content can make extraction or embedding raise (spaCy's length limit,
# a tokenizer choking on odd text, a model refusing input); store errors are not per document.
DOCUMENT_ERRORS = (
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    OverflowError,
    RecursionError,
    UnicodeError,
    RuntimeError,
    MemoryError,
)


def duplicate_problem(doc: Document, seen: dict[str, str]) -> Problem | None:
    """A ``Problem`` when another document read this run has the same key but other content
    (two inputs that would silently replace each other); the same content twice is harmless."""
    earlier = seen.get(doc.id)
    if earlier is None or earlier == doc.content_hash:
        return None
    return Problem(
        doc.source,
        "another input of this run has the same source key with different content "
        "(e.g. two records with one id or title): give them distinct ids or titles",
    )
