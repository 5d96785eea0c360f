"""Exact dense vector search (numpy), kept in memory and updated in place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

Key = TypeVar("Key")


class VectorIndex:
    """Ids with L2-normalized float32 vectors; inner product = cosine.

    Rows live in a buffer with spare capacity (appends are amortized O(1)); a removal moves the
    last row into the hole, so no update costs more than the rows it changes. ``add`` and
    ``remove`` return those moves so callers can keep arrays aligned with ``ids``.
    """

    def __init__(self, ids: list[str], vectors: np.ndarray):
        if len(ids) != len(vectors):
            raise ValueError("ids and vectors differ in length")
        self.ids = list(ids)
        self.position = {i: n for n, i in enumerate(self.ids)}
        self._rows = np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def vectors(self) -> np.ndarray:
        return self._rows[: len(self.ids)]

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of the query with every vector, in id order."""
        if not self.ids:
            return np.zeros(0, dtype=np.float32)
        return self.vectors @ np.asarray(query, dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` best (id, score) pairs, best first."""
        return top_k(self.ids, self.scores(query), k)

    def add(self, ids: list[str], vectors: np.ndarray) -> list[int]:
        """Insert or replace vectors; returns the positions of the new ids (appended, in order)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        fresh: list[int] = []
        seen: set[str] = set()
        for n, i in enumerate(ids):
            if i in self.position:
                self._rows[self.position[i]] = vectors[n]
            elif i not in seen:
                seen.add(i)
                fresh.append(n)
        if not fresh:
            return []
        start = len(self.ids)
        needed = start + len(fresh)
        if self._rows.ndim != 2 or self._rows.shape[1] != vectors.shape[1] or start == 0:
            self._rows = np.zeros((max(needed, 16), vectors.shape[1]), dtype=np.float32)
        elif needed > len(self._rows):
            grown = np.zeros((max(needed, 2 * len(self._rows)), self._rows.shape[1]), dtype=np.float32)
            grown[:start] = self._rows[:start]
            self._rows = grown
        self._rows[start:needed] = vectors[fresh]
        for offset, n in enumerate(fresh):
            self.ids.append(ids[n])
            self.position[ids[n]] = start + offset
        return list(range(start, needed))

    def remove(self, ids: set[str]) -> list[tuple[int, int]]:
        """Remove ``ids``; returns the (from, to) row moves made to fill the holes, in order."""
        moves: list[tuple[int, int]] = []
        for i in ids:
            hole = self.position.pop(i, None)
            if hole is None:
                continue
            last = len(self.ids) - 1
            if hole != last:
                moved = self.ids[last]
                self.ids[hole] = moved
                self.position[moved] = hole
                self._rows[hole] = self._rows[last]
                moves.append((last, hole))
            self.ids.pop()
        return moves


def top_k(ids: Sequence[Key], scores: np.ndarray, k: int) -> list[tuple[Key, float]]:
    """The ``k`` highest-scoring ids (ties broken by position), best first; ``ids`` may be a
    ``range`` of positions."""
    if k <= 0 or len(ids) == 0:
        return []
    k = min(k, len(ids))
    part = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
    order = part[np.lexsort((part, -scores[part]))]
    return [(ids[i], float(scores[i])) for i in order]


def min_max(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to ones."""
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        return np.ones_like(values)
    return (values - low) / (high - low)
