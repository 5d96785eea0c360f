"""What every extractor returns: entities and triples found in one text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Extraction:
    """Entities (surface form, type) and (subject, predicate, object) triples of one text."""

    entities: list[tuple[str, str]] = field(default_factory=list)
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_triples: int = 0  # malformed triples dropped (reported, never fatal)
    # The date phrase the text ties to each triple ("since March 2021"; "" when none), aligned
    # with ``triples`` when given; the pipeline resolves it against the unit's own date.
    dates: list[str] = field(default_factory=list)


class Extractor(Protocol):
    """Turns texts into extractions; ``name`` goes into the content signature."""

    name: str

    def extract(self, texts: list[str], titles: list[str] | None = None) -> list[Extraction]: ...


class NoExtractor:
    """Passages only: no entities, no facts (dense retrieval still works)."""

    name = "none"

    def extract(self, texts: list[str], titles: list[str] | None = None) -> list[Extraction]:
        return [Extraction() for _ in texts]


def clean_triple(triple: object) -> tuple[str, str, str] | None:
    """A well-formed triple of three non-empty strings, or None."""
    if not isinstance(triple, (list, tuple)) or len(triple) != 3:
        return None
    subject, relation, obj = (scalar_text(p) for p in triple)
    if not (subject and relation and obj):
        return None
    return subject, relation, obj


def scalar_text(value: object) -> str | None:
    """A record field as text: strings stripped, numbers written out, missing as ""; None for
    anything else (booleans, objects, lists), which a reader refuses or drops."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value) if value == value and abs(value) != float("inf") else None
    return None
