"""What readers produce: documents as read from their source, their turns, and refused inputs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .base import Extraction
from .markdown import Section


@dataclass(frozen=True)
class Turn:
    """One utterance; becomes an Episode."""

    speaker: str
    text: str
    occurred_at: str | None  # ISO 8601
    source_id: str  # the source's own id of the turn (LoCoMo: 'conv-26/D1:3')


@dataclass
class SourceDocument:
    """One document as read from its source, before chunking and extraction."""

    source: str  # stable key: the file path, plus '#title' for records of a collection
    title: str
    text: str
    format: str
    passages: list[str] | None = None  # pre-chunked units (corpus/openie records are one passage)
    extractions: list[Extraction] | None = None  # precomputed (openie), aligned with passages
    turns: list[Turn] | None = None  # conversation turns become episodes
    metadata: dict = field(default_factory=dict)  # "date": the document's date (partial ISO), ...
    sections: list[Section] | None = None  # markdown: blocks under their headings (units per section)


@dataclass(frozen=True)
class Problem:
    """An input that was refused or skipped, with the reason and the fix."""

    source: str
    reason: str


def file_key(path: Path) -> str:
    """A file's source key: its absolute path, with ``#`` written ``%23`` so that a file named
    ``c.json#foo`` never takes the key of record ``foo`` of ``c.json`` (``path#record``)."""
    return str(path.resolve()).replace("#", "%23")


def key_path(source: str) -> str:
    """The file part of a source key (``/abs/c.json#Title`` -> ``/abs/c.json``), ``%23`` decoded."""
    return source.split("#", 1)[0].replace("%23", "#")


def stdin_key(data: bytes, name: str | None) -> str:
    """What stdin is stored under: ``name`` when given (re-ingesting under it replaces the text),
    else ``<stdin>#<content digest>``, so different texts piped in are different documents."""
    if name is not None and name.strip():
        return name.strip()
    return f"<stdin>#{hashlib.sha256(data).hexdigest()[:12]}"


def unique_key(source: str, name: str, used: set[str]) -> str:
    """``source#name``, with ``~1``, ``~2``... appended until no earlier record of the collection
    holds it (two records titled ``foo`` and a third titled ``foo~1`` stay three documents)."""
    key = f"{source}#{name}"
    n = 0
    while key in used:
        n += 1
        key = f"{source}#{name}~{n}"
    used.add(key)
    return key
