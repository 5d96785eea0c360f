"""Approximate nearest-neighbour search (hnswlib HNSW) behind the ``VectorIndex`` interface."""

from __future__ import annotations

import numpy as np

from .dense import VectorIndex


class HnswVectorIndex(VectorIndex):
    """HNSW over the same vectors, for stores too large to scan per query.

    ``scores`` returns exact cosines for the ``candidates`` nearest vectors and, for every
    other vector, the lowest of those: callers that normalize or softmax the scores then
    treat the far tail as one floor value, which is what its weight rounds to anyway.
    Needs ``pip install 'hippograph[ann]'``.
    """

    def __init__(self, ids: list[str], vectors: np.ndarray, candidates: int = 200, m: int = 16,
                 ef_construction: int = 200, ef_search: int = 256):
        try:
            import hnswlib
        except ImportError as exc:
            raise RuntimeError("vector_index='hnsw' needs hnswlib: pip install 'hippograph[ann]'") from exc
        super().__init__(ids, vectors)
        self.candidates = candidates
        self._hnswlib = hnswlib
        self._params = (m, ef_construction, ef_search)
        self._build()

    def _build(self) -> None:
        m, ef_construction, ef_search = self._params
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 and self.vectors.size else 1
        self._index = self._hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=max(16, len(self.ids) * 2), ef_construction=ef_construction, M=m)
        self._index.set_ef(ef_search)
        if self.ids:
            self._index.add_items(self.vectors, np.arange(len(self.ids)))

    def scores(self, query: np.ndarray) -> np.ndarray:
        n = len(self.ids)
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        k = min(self.candidates, n)
        labels, distances = self._index.knn_query(np.asarray(query, dtype=np.float32), k=k)
        nearest = 1.0 - distances[0]  # hnswlib's "ip" distance is 1 - inner product
        out = np.full(n, nearest.min(), dtype=np.float32)
        out[labels[0]] = nearest
        return out

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        super().add(ids, vectors)
        self._build()  # positions may have moved; rebuilding keeps labels == positions

    def remove(self, ids: set[str]) -> None:
        super().remove(ids)
        self._build()
