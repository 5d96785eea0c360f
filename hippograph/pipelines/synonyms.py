"""The synonym step: SYNONYM edges for pending entities, found through a kept neighbour index.

The entity vectors are read once per process and then followed through the store's change feed
(new entities added, removed ones dropped), so a run costs its new entities' searches, not a read
of every entity. Candidates from the nearest-neighbour search are verified by their exact cosine,
so every edge obeys the threshold rule of ``hippograph.graph.synonyms.synonym_edges``; the search
widens while the farthest candidate still reaches the threshold, so a dense cluster is not cut at
``k``. Recall against exact all-pairs is measured in ``bench/synonym_recall.py``.
"""

from __future__ import annotations

import logging

import numpy as np

from ..graph.store import GraphStore
from ..records import SynonymEdge
from ..retrieve.dense import VectorIndex

log = logging.getLogger(__name__)
EXACT_BELOW = 20_000  # entities: below this an exact scan is as fast as a graph search


class SynonymFinder:
    """Entity vectors of one store namespace, kept current from its change feed."""

    def __init__(self, threshold: float = 0.8, k: int = 32):
        self.threshold = threshold
        self.k = k
        self._entities: VectorIndex | None = None
        self._generation = -1

    def sync(self, store: GraphStore) -> VectorIndex:
        """Bring the kept entity vectors up to the store's current generation."""
        changes = store.changes_since(self._generation) if self._entities is not None else None
        if changes is None:
            if self._entities is not None:
                log.warning("change log pruned past generation %d: re-reading every entity vector",
                            self._generation)
            generation = store.generation()
            ids, vectors = store.vectors("entity")
            self._entities = _entity_index(ids, vectors)
            self._generation = generation
            return self._entities
        entities = self._entities
        assert entities is not None
        entities.remove(changes.removed["entity"] & set(entities.position))
        upserted = sorted(changes.upserted["entity"])
        if upserted:
            ids, vectors = store.vectors("entity", upserted)
            if ids:
                entities = self._grow(entities, ids, vectors)
        self._generation = changes.generation
        return entities

    def _grow(self, entities: VectorIndex, ids: list[str], vectors: np.ndarray) -> VectorIndex:
        entities.add(ids, vectors)
        if type(entities) is VectorIndex and len(entities) >= EXACT_BELOW and _has_hnswlib():
            entities = _entity_index(entities.ids, entities.vectors.copy())  # grown past exact: switch once
        self._entities = entities
        return entities

    def edges(self, entities: VectorIndex, new_ids: list[str]) -> list[SynonymEdge]:
        """Edges between each of ``new_ids`` and every kept entity at cosine >= threshold."""
        rows = [entities.position[i] for i in new_ids if i in entities.position]
        if not rows:
            return []
        queries = entities.vectors[rows]
        found: dict[tuple[str, str], float] = {}
        for query_id, candidates in zip((entities.ids[r] for r in rows), self._candidates(entities, queries)):
            sims = entities.vectors[candidates] @ entities.vectors[entities.position[query_id]]
            for position, sim in zip(candidates.tolist(), sims.tolist()):
                other = entities.ids[position]
                if sim >= self.threshold and other != query_id:
                    key = (query_id, other) if query_id < other else (other, query_id)
                    found[key] = round(float(sim), 6)
        return [SynonymEdge(a, b, s) for (a, b), s in sorted(found.items())]

    def _candidates(self, entities: VectorIndex, queries: np.ndarray) -> list[np.ndarray]:
        nearest = getattr(entities, "nearest", None)
        if nearest is None:  # exact: every entity at the threshold is a candidate
            sims = queries @ entities.vectors.T
            return [np.flatnonzero(row >= self.threshold - 1e-3) for row in sims]
        out = []
        for query in queries:
            k = min(self.k, len(entities))
            while True:
                positions, cosines = nearest(query, k)
                if cosines.min() < self.threshold or k >= len(entities):
                    break
                k = min(2 * k, len(entities))  # the whole neighbourhood reaches the threshold: widen
            out.append(positions[cosines >= self.threshold - 1e-3])
        return out

    def add_pending(self, store: GraphStore) -> int:
        """SYNONYM edges for every entity still marked pending (this run's, or a killed run's);
        the marks clear in the same transaction as the edges. Returns how many edges are new."""
        pending = store.pending_synonym_entities()
        if not pending:
            return 0
        entities = self.sync(store)
        return store.add_synonyms(self.edges(entities, pending), resolved=pending)


def _has_hnswlib() -> bool:
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True


def _entity_index(ids: list[str], vectors: np.ndarray) -> VectorIndex:
    if len(ids) >= EXACT_BELOW and _has_hnswlib():
        from ..retrieve.ann import HnswVectorIndex

        return HnswVectorIndex(ids, vectors)
    return VectorIndex(ids, vectors)
