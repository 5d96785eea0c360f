"""SYNONYM edges: entity pairs whose name embeddings reach a cosine threshold."""

from __future__ import annotations

import logging

import numpy as np

from ..records import SynonymEdge

log = logging.getLogger(__name__)


def pair_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The decisive cosine of two unit vectors, in float64: the same value whichever way round and
    whichever search found the pair (float32 matrix products round differently by shape)."""
    return float(np.dot(a.astype(np.float64), b.astype(np.float64)))


def synonym_edges(
    new_ids: list[str],
    new_vectors: np.ndarray,
    all_ids: list[str],
    all_vectors: np.ndarray,
    threshold: float = 0.8,
    block: int = 1024,
) -> list[SynonymEdge]:
    """Edges between each new entity and every entity (old or new) at cosine >= threshold.

    Threshold-only (no top-k cap), so the edge set does not depend on ingestion order:
    deleting and re-ingesting a document restores exactly the same edges.
    """
    if not new_ids or not all_ids:
        return []
    edges: dict[tuple[str, str], float] = {}
    for start in range(0, len(new_ids), block):
        sims = new_vectors[start : start + block] @ all_vectors.T
        rows, cols = np.nonzero(sims >= threshold - 1e-3)
        for r, c in zip(rows.tolist(), cols.tolist()):
            a, b = new_ids[start + r], all_ids[c]
            score = pair_cosine(new_vectors[start + r], all_vectors[c])
            if a != b and score >= threshold:
                key = (a, b) if a < b else (b, a)
                edges[key] = round(score, 6)
    return [SynonymEdge(a, b, s) for (a, b), s in sorted(edges.items())]


EXACT_BELOW = 20_000  # entities: below this an exact scan is as fast as a graph search


class SynonymFinder:
    """The synonym step through a kept neighbour index over one store namespace's entity vectors.

    The vectors are read once per process, then followed through the store's change feed (new
    entities added, removed ones dropped), so a run costs its new entities' searches, not a read of
    every entity. Each id gets a row label for life (removal only marks it dead). Below
    ``EXACT_BELOW`` entities the candidates come from an exact scan, above it from an hnswlib HNSW
    index (when installed); either way every candidate is verified by its exact cosine, so each
    edge obeys the threshold rule of ``synonym_edges``, and the search widens while the farthest
    candidate still reaches the threshold, so a dense cluster is not cut at ``k``. Recall against
    exact all-pairs: ``bench/synonym_recall.py``.
    """

    def __init__(self, threshold: float = 0.8, k: int = 32):
        self.threshold = threshold
        self.k = k
        self._clear()

    def _clear(self) -> None:
        """Forget every kept vector (the finder then knows no generation)."""
        self._generation: int | None = None
        self._label: dict[str, int] = {}
        self._ids: list[str] = []
        self._rows = np.zeros((0, 0), dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._hnsw = None

    def __len__(self) -> int:
        return len(self._label)

    def sync(self, store) -> None:  # a StoreReader (graph.store imports this module's records)
        """Bring the kept entity vectors up to the store's current generation."""
        changes = store.changes_since(self._generation) if self._generation is not None else None
        if changes is None:
            if self._generation is not None:
                log.warning("change log pruned past generation %d: re-reading every entity vector", self._generation)
            self._clear()
            self._generation = store.generation()
            self._add(*store.vectors("entity"))
            return
        for i in changes.removed["entity"]:
            label = self._label.pop(i, None)
            if label is not None:
                self._alive[label] = False
                if self._hnsw is not None:
                    self._hnsw.mark_deleted(label)
        if changes.upserted["entity"]:
            self._add(*store.vectors("entity", sorted(changes.upserted["entity"])))
        self._generation = changes.generation

    def _add(self, ids: list[str], vectors: np.ndarray) -> None:
        if not ids:
            return
        for i in ids:  # a re-added id gets a fresh label (its old one stays dead)
            old = self._label.pop(i, None)
            if old is not None:
                self._alive[old] = False
                if self._hnsw is not None:
                    self._hnsw.mark_deleted(old)
        start = len(self._ids)
        needed = start + len(ids)
        if self._rows.shape[0] < needed or self._rows.shape[1] != vectors.shape[1]:
            grown = np.zeros((max(needed, 2 * self._rows.shape[0], 64), vectors.shape[1]), dtype=np.float32)
            if self._rows.shape[1] == vectors.shape[1]:
                grown[:start] = self._rows[:start]
            self._rows = grown
            self._alive = np.concatenate([self._alive, np.zeros(len(grown) - len(self._alive), dtype=bool)])
        self._rows[start:needed] = vectors
        self._alive[start:needed] = True
        self._ids += ids
        self._label.update((i, start + n) for n, i in enumerate(ids))
        if self._hnsw is None and len(self._label) >= EXACT_BELOW:
            self._hnsw = _hnsw_index(vectors.shape[1], len(self._rows))
            if self._hnsw is not None:
                live = np.flatnonzero(self._alive[:needed])
                self._hnsw.add_items(self._rows[live], live)
        elif self._hnsw is not None:
            if needed > self._hnsw.get_max_elements():
                self._hnsw.resize_index(max(needed, 2 * self._hnsw.get_max_elements()))
            self._hnsw.add_items(vectors, np.arange(start, needed))

    def _candidates(self, query: np.ndarray) -> np.ndarray:
        n = len(self._ids)
        if self._hnsw is None:  # exact: every live entity near the threshold is a candidate
            sims = self._rows[:n] @ query
            return np.flatnonzero((sims >= self.threshold - 1e-3) & self._alive[:n])
        k = min(self.k, len(self._label))
        while True:
            labels, distances = self._hnsw.knn_query(query, k=k)
            cosines = 1.0 - distances[0]
            if cosines.min() < self.threshold or k >= len(self._label):
                break
            k = min(2 * k, len(self._label))  # the whole neighbourhood reaches the threshold: widen
        return labels[0][cosines >= self.threshold - 1e-3].astype(np.int64)

    def edges(self, new_ids: list[str]) -> list[SynonymEdge]:
        """Edges between each of ``new_ids`` and every kept entity at cosine >= threshold."""
        found: dict[tuple[str, str], float] = {}
        for a in new_ids:
            label = self._label.get(a)
            if label is None:
                continue
            for c in self._candidates(self._rows[label]).tolist():
                b = self._ids[c]
                sim = pair_cosine(self._rows[label], self._rows[c])  # the exact cosine decides
                if sim >= self.threshold and b != a and self._alive[c]:
                    found[(a, b) if a < b else (b, a)] = round(sim, 6)
        return [SynonymEdge(a, b, s) for (a, b), s in sorted(found.items())]

    def add_pending(self, store) -> int:  # a GraphStore
        """SYNONYM edges for every entity still marked pending (this run's, or a killed run's);
        the marks clear in the same transaction as the edges. Returns how many edges are new."""
        pending = store.pending_synonym_entities()
        if not pending:
            return 0
        self.sync(store)
        return store.add_synonyms(self.edges(pending), resolved=pending)


def _hnsw_index(dim: int, capacity: int):
    try:
        import hnswlib
    except ImportError:  # exact scans then; slower on large stores, same edges
        return None
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(max_elements=max(capacity, 64), ef_construction=200, M=16)
    index.set_ef(128)
    return index


def synonym_groups(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Connected components of the SYNONYM edges: representative (smallest id) -> sorted members.

    Only entities with at least one synonym appear. Components, not neighbourhoods: a-b and b-c
    put a, b and c in one group although a and c are not similar enough to be joined directly.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    ids = sorted({e for pair in pairs for e in pair})
    if not ids:
        return {}
    index = {e: i for i, e in enumerate(ids)}
    rows = np.fromiter((index[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((index[b] for _, b in pairs), dtype=np.int64, count=len(pairs))
    graph = sp.coo_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    members: dict[int, list[str]] = {}
    for e, label in zip(ids, labels.tolist()):
        members.setdefault(label, []).append(e)  # ids are sorted, so each list is too
    return {group[0]: group for group in members.values()}
