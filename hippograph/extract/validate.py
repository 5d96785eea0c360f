"""Last checks between readers and the pipeline: text that cannot be stored is refused with a
reason, and a reader that fails on an input names that input instead of stopping the run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .source import Problem, SourceDocument, key_path

Items = Iterator[SourceDocument | Problem]


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (a lone surrogate, a NUL character), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"holds invalid Unicode (lone surrogate U+{ord(value[exc.start]):04X} at character {exc.start}, "
            "e.g. half of an escaped emoji): fix or remove it"
        )
    nul = value.find("\x00")
    if nul >= 0:
        return f"holds a NUL character at character {nul}: remove it"
    return None


def _strings(doc: SourceDocument) -> Iterator[tuple[str, str]]:
    yield "file name", key_path(doc.source)
    yield "title", doc.title
    yield "text", doc.text
    for i, passage in enumerate(doc.passages or []):
        yield f"passage {i}", passage
    for i, turn in enumerate(doc.turns or []):
        yield f"turn {i} speaker", turn.speaker
        yield f"turn {i} text", turn.text
        yield f"turn {i} id", turn.source_id
    for i, extraction in enumerate(doc.extractions or []):
        for name, _ in extraction.entities:
            yield f"entity of passage {i}", name
        for triple in extraction.triples:
            yield f"triple of passage {i}", " ".join(triple)
    yield "record key (title or id)", doc.source


def document_problem(doc: SourceDocument) -> Problem | None:
    """A ``Problem`` when any string of ``doc`` cannot be stored, naming the field."""
    for field, value in _strings(doc):
        if not isinstance(value, str):
            return Problem(
                _printable_source(doc.source), f"{field} is not text: the reader produced {type(value).__name__}"
            )
        reason = text_problem(value)
        if reason is not None and field == "file name":
            reason = "is not valid UTF-8: rename the file"
        if reason is not None:
            return Problem(_printable_source(doc.source), f"{field} {reason}")
    return None


def _printable_source(source: str) -> str:
    return source.encode("utf-8", "backslashreplace").decode("utf-8")


def checked(items: Iterable[SourceDocument | Problem]) -> Items:
    """``items`` with every unstorable document replaced by the ``Problem`` saying why."""
    for item in items:
        if isinstance(item, SourceDocument):
            problem = document_problem(item)
            yield item if problem is None else problem
        else:
            yield Problem(_printable_source(item.source), _printable_source(item.reason))


def read_guarded(source: str, read: Callable[[], Iterable[SourceDocument | Problem]]) -> Items:
    """The items of ``read()``; if reading raises, what came so far plus a ``Problem`` naming
    ``source``: one unreadable input never stops the others."""
    try:
        yield from read()
    except RecursionError:
        yield Problem(_printable_source(source), "nested too deeply to read: flatten the structure")
    except (
        OSError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        UnicodeError,
        MemoryError,
    ) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        yield Problem(_printable_source(source), f"cannot read it ({type(exc).__name__}: {reason})")
