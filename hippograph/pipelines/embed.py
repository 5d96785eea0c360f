"""Embed the records of built documents: units once each, entity names and fact texts deduplicated,
short strings batched together and remembered per process (they recur across documents)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..embedding import Embedder
from ..records import DocumentBatch, Episode, Passage


def embedding_text(unit: Passage | Episode) -> str:
    """What a unit's vector encodes: a chat turn with its speaker ("Caroline: I went ..."),
    since questions name people the turn itself only says "I" for."""
    if isinstance(unit, Episode):
        return f"{unit.speaker}: {unit.text}"
    return unit.text


class VectorCache:
    """Least-recently-used map text -> vector for one embedder (entity names and fact texts recur:
    "Paris" is embedded once per process, not once per document mentioning it)."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def encode(self, embedder: Embedder, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors of the distinct ``texts``, encoding only those not seen before in one pass."""
        out: dict[str, np.ndarray] = {}
        todo: list[str] = []
        for text in dict.fromkeys(texts):
            vector = self._vectors.get(text)
            if vector is None:
                todo.append(text)
            else:
                self._vectors.move_to_end(text)
                out[text] = vector
        self.hits += len(out)
        self.misses += len(todo)
        # Sorted by length so each encoder batch pads to similar lengths (short names are cheap).
        todo.sort(key=len)
        for text, vector in zip(todo, embedder.encode(todo) if todo else []):
            out[text] = vector
            self._vectors[text] = vector
        while len(self._vectors) > self.capacity:
            self._vectors.popitem(last=False)
        return out


def embed_batches(batches: list[DocumentBatch], embedder: Embedder, cache: VectorCache | None = None) -> None:
    """Attach vectors to every unit, entity and fact of ``batches`` (in place).

    Every record carries the vector of its own text, so whichever document first writes a node
    stores a name and a vector that belong together, however the documents were grouped.
    """
    cache = cache or VectorCache()
    units: list[Passage | Episode] = []
    for b in batches:
        units += [*b.passages, *b.episodes]
    for unit, vector in zip(units, embedder.encode([embedding_text(u) for u in units]) if units else []):
        unit.embedding = vector
    names = [e.name for b in batches for e in b.entities]
    texts = [f.text for b in batches for f in b.facts]
    vectors = cache.encode(embedder, names + texts)
    for batch in batches:
        for entity in batch.entities:
            entity.embedding = vectors[entity.name]
        for fact in batch.facts:
            fact.embedding = vectors[fact.text]
