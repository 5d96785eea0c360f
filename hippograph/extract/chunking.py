"""Paragraph- and sentence-aware chunking with a size limit and overlap."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError

_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True)
class Chunk:
    text: str
    position: int


def split_sentences(text: str) -> list[str]:
    """Split on sentence-final punctuation followed by a capitalized start."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _pieces(paragraph: str, size: int) -> list[str]:
    """A paragraph as pieces no longer than ``size``: whole, by sentence, or hard-cut."""
    if len(paragraph) <= size:
        return [paragraph]
    pieces: list[str] = []
    for sentence in split_sentences(paragraph):
        while len(sentence) > size:  # a single over-long sentence: cut at a space
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def chunk_text(text: str, size: int = 1200, overlap: int = 150) -> list[Chunk]:
    """Pack paragraphs (then sentences) into chunks of at most ``size`` characters.

    Each chunk after the first starts with up to ``overlap`` characters of trailing
    pieces of the previous chunk, so a fact split across a boundary stays retrievable.
    """
    if size <= 0:
        raise ConfigError("chunk size must be positive")
    if not 0 <= overlap < size:
        raise ConfigError("chunk overlap must be >= 0 and smaller than the chunk size")
    pieces: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            pieces.extend(_pieces(paragraph, size))
    chunks: list[list[str]] = []
    current: list[str] = []
    length = 0
    for piece in pieces:
        if current and length + 1 + len(piece) > size:
            chunks.append(current)
            carried: list[str] = []
            carried_len = 0
            for prev in reversed(current):
                if carried_len + len(prev) + 1 > overlap or carried_len + len(prev) + 1 + len(piece) > size:
                    break
                carried.insert(0, prev)
                carried_len += len(prev) + 1
            current, length = carried, carried_len
        current.append(piece)
        length += len(piece) + (1 if length else 0)
    if current:
        chunks.append(current)
    return [Chunk("\n".join(c), i) for i, c in enumerate(chunks)]
