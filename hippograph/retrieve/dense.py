"""Exact dense vector search (numpy), kept in memory and updated in place."""

from __future__ import annotations

import numpy as np


class VectorIndex:
    """Ids with L2-normalized float32 vectors; inner product = cosine."""

    def __init__(self, ids: list[str], vectors: np.ndarray):
        if len(ids) != len(vectors):
            raise ValueError("ids and vectors differ in length")
        self.ids = list(ids)
        self.position = {i: n for n, i in enumerate(self.ids)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

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

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        """Insert or replace vectors."""
        fresh = [(i, v) for i, v in zip(ids, vectors) if i not in self.position]
        for i, v in zip(ids, vectors):
            if i in self.position:
                self.vectors[self.position[i]] = v
        if fresh:
            start = len(self.ids)
            self.ids += [i for i, _ in fresh]
            self.position.update({i: start + n for n, (i, _) in enumerate(fresh)})
            stacked = np.stack([v for _, v in fresh]).astype(np.float32)
            self.vectors = stacked if start == 0 else np.vstack([self.vectors, stacked])

    def remove(self, ids: set[str]) -> None:
        keep = [n for n, i in enumerate(self.ids) if i not in ids]
        self.ids = [self.ids[n] for n in keep]
        self.vectors = self.vectors[keep]
        self.position = {i: n for n, i in enumerate(self.ids)}


def top_k(ids: list[str], scores: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The ``k`` highest-scoring ids (ties broken by id order), best first."""
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
