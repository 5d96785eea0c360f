"""In-memory retrieval indexes loaded from a store and refreshed when the store changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..graph.ppr import GraphMatrix
from ..graph.store import StoreReader
from ..records import Fact
from .dense import VectorIndex

UNIT_KINDS = ("passage", "episode")


def _vector_index(ids: list[str], vectors: np.ndarray, backend: str) -> VectorIndex:
    if backend == "exact":
        return VectorIndex(ids, vectors)
    if backend == "hnsw":
        from .ann import HnswVectorIndex

        return HnswVectorIndex(ids, vectors)
    raise ValueError(f"unknown vector_index {backend!r}; expected exact or hnsw")


@dataclass
class RetrievalIndex:
    """Everything the query path reads, pulled from the store and kept per store generation.

    Retrieval code talks to this object only, so it never knows which store it runs on.
    """

    generation: int
    units: VectorIndex  # passages and episodes
    unit_kind: dict[str, str]
    facts: VectorIndex
    fact_records: list[Fact]  # aligned with facts.ids
    graph: GraphMatrix  # units first, then entities
    unit_mentions: Counter  # entity id -> number of units mentioning it (node specificity)
    next_episode: dict[str, str]  # episode id -> the turn after it (NEXT)
    previous_episode: dict[str, str]

    @classmethod
    def load(cls, store: StoreReader, backend: str = "exact", previous: "RetrievalIndex | None" = None
             ) -> "RetrievalIndex":
        """Build from the store; with ``previous``, read only the vectors added since then."""
        generation = store.generation()
        unit_kind = {i: kind for kind in UNIT_KINDS for i in store.node_ids(kind)}
        fact_ids = store.node_ids("fact")
        if previous is None:
            units = _vector_index(*_stack([store.vectors(kind) for kind in UNIT_KINDS]), backend)
            facts = _vector_index(*store.vectors("fact"), backend)
        else:
            units = _refresh(previous.units, list(unit_kind), store, UNIT_KINDS)
            facts = _refresh(previous.facts, fact_ids, store, ("fact",))
        # Validity changes without new ids (supersession), so fact records are always re-read.
        fact_records = store.facts(facts.ids)
        edges = store.graph_edges()
        mentions = Counter(t for s, t in zip(edges.sources, edges.targets) if s in unit_kind and t not in unit_kind)
        graph = GraphMatrix.from_edges(edges, nodes=units.ids)
        # Episodes link only to entities and to each other, so episode-episode edges are NEXT.
        chain = {s: t for s, t in zip(edges.sources, edges.targets)
                 if unit_kind.get(s) == "episode" and unit_kind.get(t) == "episode"}
        return cls(generation, units, unit_kind, facts, fact_records, graph, mentions, chain,
                   {t: s for s, t in chain.items()})

    def fact_validity_mask(self, as_of: str | None) -> np.ndarray:
        """Facts valid now (``as_of`` None) or at the ISO date ``as_of``."""
        if as_of is None:
            return np.fromiter((f.invalid_at is None for f in self.fact_records), dtype=bool,
                               count=len(self.fact_records))
        return np.fromiter(
            ((f.valid_from is None or f.valid_from[: len(as_of)] <= as_of)
             and (f.invalid_at is None or (f.invalid_at != "" and f.invalid_at[: len(as_of)] > as_of))
             for f in self.fact_records),
            dtype=bool, count=len(self.fact_records))


def _stack(parts: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], np.ndarray]:
    ids = [i for part_ids, _ in parts for i in part_ids]
    blocks = [m for _, m in parts if m.size]
    return ids, np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)


def _refresh(index: VectorIndex, current: list[str], store: StoreReader, kinds: tuple[str, ...]) -> VectorIndex:
    """Bring ``index`` to the ``current`` ids: drop the removed, read vectors of the added only."""
    wanted = set(current)
    removed = set(index.ids) - wanted
    added = [i for i in current if i not in index.position]
    if removed:
        index.remove(removed)
    if added:
        ids, vectors = _stack([store.vectors(kind, added) for kind in kinds])
        index.add(ids, vectors)
    return index


class IndexCache:
    """Holds a ``RetrievalIndex`` for a store and refreshes it when the store's generation moves."""

    def __init__(self, store: StoreReader, backend: str = "exact"):
        self.store = store
        self.backend = backend
        self._index: RetrievalIndex | None = None

    def get(self) -> RetrievalIndex:
        generation = self.store.generation()
        if self._index is None or self._index.generation != generation:
            self._index = RetrievalIndex.load(self.store, self.backend, previous=self._index)
        return self._index
