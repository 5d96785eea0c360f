"""What readers produce: documents as read from their source, their turns, and refused inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import Extraction


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
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """An input that was refused or skipped, with the reason and the fix."""

    source: str
    reason: str
