"""In-memory retrieval indexes loaded from a store, rebuilt when the store changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..graph.ppr import GraphMatrix
from ..graph.store import GraphStore
from ..records import Fact
from .dense import VectorIndex


@dataclass
class RetrievalIndex:
    """Everything the query path reads, pulled from the store once per store generation.

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
    def load(cls, store: GraphStore) -> "RetrievalIndex":
        generation = store.generation()
        passage_ids, passage_vectors = store.vectors("passage")
        episode_ids, episode_vectors = store.vectors("episode")
        unit_ids = passage_ids + episode_ids
        blocks = [m for m in (passage_vectors, episode_vectors) if m.size]
        unit_vectors = np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)
        unit_kind = {i: "passage" for i in passage_ids} | {i: "episode" for i in episode_ids}
        fact_ids, fact_vectors = store.vectors("fact")
        fact_records = store.facts(fact_ids)
        edges = store.graph_edges()
        mentions = Counter(t for s, t in zip(edges.sources, edges.targets) if s in unit_kind and t not in unit_kind)
        graph = GraphMatrix.from_edges(edges, nodes=unit_ids)
        # Episodes link only to entities and to each other, so episode-episode edges are NEXT.
        chain = {s: t for s, t in zip(edges.sources, edges.targets)
                 if unit_kind.get(s) == "episode" and unit_kind.get(t) == "episode"}
        return cls(generation, VectorIndex(unit_ids, unit_vectors), unit_kind,
                   VectorIndex(fact_ids, fact_vectors), fact_records, graph, mentions, chain,
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


class IndexCache:
    """Holds a ``RetrievalIndex`` for a store and reloads it when the store's generation moves."""

    def __init__(self, store: GraphStore):
        self.store = store
        self._index: RetrievalIndex | None = None

    def get(self) -> RetrievalIndex:
        generation = self.store.generation()
        if self._index is None or self._index.generation != generation:
            self._index = RetrievalIndex.load(self.store)
        return self._index
