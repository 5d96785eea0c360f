"""Approximate nearest-neighbour search (hnswlib HNSW) behind the ``VectorIndex`` interface."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from .dense import VectorIndex


class HnswVectorIndex(VectorIndex):
    """HNSW over the same vectors, for stores too large to scan per query; updated in place.

    ``scores`` returns exact cosines for the ``candidates`` nearest vectors and, for every
    other vector, the lowest of those: callers that normalize or softmax the scores then
    treat the far tail as one floor value, which is what its weight rounds to anyway.
    Each id keeps one HNSW label for life; a removal marks its label deleted (hnswlib skips it
    in searches), so adds and removes never rebuild the graph. Needs ``pip install 'hippograph[ann]'``.
    """

    def __init__(
        self,
        ids: list[str],
        vectors: np.ndarray,
        candidates: int = 200,
        m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 256,
    ):
        try:
            import hnswlib  # noqa: F401 (is the optional dependency installed?)
        except ImportError as exc:
            raise ConfigError("vector_index='hnsw' needs hnswlib: pip install 'hippograph[ann]'") from exc
        super().__init__(ids, vectors)
        self.candidates = candidates
        self._params = (m, ef_construction, ef_search)
        self._index: Any = None  # an hnswlib.Index once built (hnswlib ships no type information)
        self._label_position = np.full(0, -1, dtype=np.int64)  # label -> row (-1: deleted)
        self._position_label = np.zeros(0, dtype=np.int64)  # row -> label
        if self.ids:
            self._insert(self.vectors, list(range(len(self.ids))))

    def _insert(self, vectors: np.ndarray, positions: list[int]) -> None:
        m, ef_construction, ef_search = self._params
        if self._index is None:
            import hnswlib

            self._index = hnswlib.Index(space="ip", dim=vectors.shape[1])
            self._index.init_index(max_elements=max(16, 2 * len(positions)), ef_construction=ef_construction, M=m)
            self._index.set_ef(ef_search)
        first = len(self._label_position)
        labels = np.arange(first, first + len(positions), dtype=np.int64)
        if first + len(positions) > self._index.get_max_elements():
            self._index.resize_index(max(2 * self._index.get_max_elements(), first + len(positions)))
        self._index.add_items(vectors, labels)
        self._label_position = np.concatenate([self._label_position, np.asarray(positions, dtype=np.int64)])
        grown = np.zeros(len(self.ids), dtype=np.int64)
        grown[: len(self._position_label)] = self._position_label[: len(self.ids)]
        grown[positions] = labels
        self._position_label = grown

    def scores(self, query: np.ndarray) -> np.ndarray:
        n = len(self.ids)
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        k = min(self.candidates, n)
        labels, distances = self._index.knn_query(np.asarray(query, dtype=np.float32), k=k)
        nearest = 1.0 - distances[0]  # hnswlib's "ip" distance is 1 - inner product
        out = np.full(n, nearest.min(), dtype=np.float32)
        out[self._label_position[labels[0].astype(np.int64)]] = nearest
        return out

    def add(self, ids: list[str], vectors: np.ndarray) -> list[int]:
        vectors = np.asarray(vectors, dtype=np.float32)
        replaced = [n for n, i in enumerate(ids) if i in self.position]
        fresh = super().add(ids, vectors)
        if replaced:  # a changed vector under a live label: hnswlib updates it in place
            rows = [self.position[ids[n]] for n in replaced]
            self._index.add_items(self.vectors[rows], self._position_label[rows])
        if fresh:
            self._insert(self.vectors[fresh], fresh)
        return fresh

    def remove(self, ids: set[str]) -> list[tuple[int, int]]:
        gone = [int(self._position_label[self.position[i]]) for i in ids if i in self.position]
        for label in gone:
            self._index.mark_deleted(label)
        # Apply the same hole filling as the rows: labels follow their vectors.
        labels = self._position_label
        moves = super().remove(ids)
        for source, target in moves:
            labels[target] = labels[source]
            self._label_position[labels[target]] = target
        self._label_position[gone] = -1
        self._position_label = labels[: len(self.ids)].copy()
        return moves
