"""In-memory retrieval indexes loaded from a store once, then kept current from its change feed.

``RetrievalIndex.load`` reads everything; ``RetrievalIndex.refresh`` applies one ``ChangeSet``:
vectors of changed units and facts are read by id and appended or replaced, removed ones dropped
(by moving the last row into the hole), only changed fact records are re-read, and the PPR graph,
the specificity counts and the episode chain are updated from the edge deltas. A refresh costs
what changed, not what is stored.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ..dates import interval, parse_as_of
from ..errors import ConfigError
from ..graph.ppr import GraphMatrix
from ..graph.store import StoreReader
from ..records import MENTION_WEIGHT, ChangeSet, EdgeDelta, Fact
from .dense import VectorIndex
from .lexical import LexicalIndex

UNIT_KINDS = ("passage", "episode")
log = logging.getLogger(__name__)


def _vector_index(ids: list[str], vectors: np.ndarray, backend: str) -> VectorIndex:
    if backend == "exact":
        return VectorIndex(ids, vectors)
    if backend == "hnsw":
        from .ann import HnswVectorIndex

        return HnswVectorIndex(ids, vectors)
    raise ConfigError(f"unknown vector_index {backend!r}; expected exact or hnsw")


def _currently_valid(facts: list[Fact]) -> np.ndarray:
    return np.fromiter((f.invalid_at is None for f in facts), dtype=bool, count=len(facts))


def _starts(facts: list[Fact]) -> np.ndarray:
    """POSIX start of each fact's ``valid_from`` (NaN when undated)."""
    return np.array(
        [span[0].timestamp() if (span := interval(f.valid_from)) else np.nan for f in facts], dtype=float
    ).reshape(len(facts))


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
    graph: GraphMatrix  # units and entities
    unit_mentions: Counter  # entity id -> number of units mentioning it (node specificity)
    next_episode: dict[str, str]  # episode id -> the turn after it (NEXT)
    previous_episode: dict[str, str]
    unit_nodes: np.ndarray  # graph position of each unit, aligned with units.ids
    fact_valid: np.ndarray  # facts valid now (no invalid_at), aligned with facts.ids
    fact_starts: np.ndarray  # POSIX start of valid_from (NaN: undated), aligned with facts.ids
    # The time layer's per-unit view of this index (``timeview.TimeView``), kept with it.
    time_view: Any = field(default=None, repr=False, compare=False)
    # BM25 over unit texts, built on first use (``lexical_index``) and then kept current.
    lexical: LexicalIndex | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        store: StoreReader,
        backend: str = "exact",
        previous: RetrievalIndex | None = None,
        next_weight: float = 1.0,
    ) -> RetrievalIndex:
        """Build from the store; with ``previous``, bring it up to date from the change feed
        instead (a full reload only when the feed no longer reaches back to it).
        ``next_weight`` scales the stored weight of unit-to-unit (NEXT) edges in the PPR graph."""
        if previous is not None:
            changes = store.changes_since(previous.generation)
            if changes is not None:
                previous.refresh(store, changes, next_weight)
                return previous
            log.warning(
                "change log of %r pruned past generation %d: reloading the retrieval index in full",
                store,
                previous.generation,
            )
        for _ in range(3):  # a write landing mid-load would be replayed twice by the next refresh
            generation = store.generation()
            index = cls._read(store, backend, generation, next_weight)
            if store.generation() == generation:
                return index
        return index

    @classmethod
    def _read(cls, store: StoreReader, backend: str, generation: int, next_weight: float = 1.0) -> RetrievalIndex:
        parts = [(kind, store.vectors(kind)) for kind in UNIT_KINDS]
        unit_kind = {i: kind for kind, (ids, _) in parts for i in ids}
        units = _vector_index(*_stack([p for _, p in parts]), backend)
        facts = _vector_index(*store.vectors("fact"), backend)
        fact_records = store.facts(facts.ids)
        edges = store.graph_edges()
        mentions = Counter(t for s, t in zip(edges.sources, edges.targets) if s in unit_kind and t not in unit_kind)
        if next_weight != 1.0:
            edges.weights = [
                w * next_weight if s in unit_kind and t in unit_kind else w
                for s, t, w in zip(edges.sources, edges.targets, edges.weights)
            ]
        graph = GraphMatrix.from_edges(edges, nodes=units.ids)
        # Episodes link only to entities and to each other, so episode-episode edges are NEXT.
        chain = {
            s: t
            for s, t in zip(edges.sources, edges.targets)
            if unit_kind.get(s) == "episode" and unit_kind.get(t) == "episode"
        }
        unit_nodes = np.fromiter((graph.index[i] for i in units.ids), dtype=np.int64, count=len(units))
        return cls(
            generation,
            units,
            unit_kind,
            facts,
            fact_records,
            graph,
            mentions,
            chain,
            {t: s for s, t in chain.items()},
            unit_nodes,
            _currently_valid(fact_records),
            _starts(fact_records),
        )

    def refresh(self, store: StoreReader, changes: ChangeSet, next_weight: float = 1.0) -> None:
        """Apply one change set in place (reads only the vectors and records it names)."""
        # Units before or after this change (membership tested, never a copy of every unit id).
        changed_units = set().union(*(changes.upserted[k] | changes.removed[k] for k in UNIT_KINDS))
        self._refresh_units(store, changes)
        self._refresh_facts(store, changes)
        if self.lexical is not None:
            self.lexical.remove(changed_units)
            upserted = [i for i in sorted(changed_units) if i in self.unit_kind]
            self.lexical.add(unit_texts(store, upserted, self.unit_kind))

        def is_unit(node: str) -> bool:
            return node in self.unit_kind or node in changed_units

        self.graph.apply(
            EdgeDelta(d.source, d.target, d.weight * next_weight) if is_unit(d.source) and is_unit(d.target) else d
            for d in changes.edges
        )
        self.graph.drop_nodes(set().union(*(changes.removed[k] for k in UNIT_KINDS)))
        for d in changes.edges:
            source_unit, target_unit = is_unit(d.source), is_unit(d.target)
            if source_unit != target_unit:  # a mention: one unit, one entity
                entity = d.target if source_unit else d.source
                self.unit_mentions[entity] += round(d.weight / MENTION_WEIGHT)
                if self.unit_mentions[entity] <= 0:
                    del self.unit_mentions[entity]
            elif source_unit and self._is_episode_pair(d.source, d.target, changes):
                self._chain(d.source, d.target, d.weight > 0)
        self.generation = changes.generation

    def _is_episode_pair(self, a: str, b: str, changes: ChangeSet) -> bool:
        episodes = changes.upserted["episode"] | changes.removed["episode"]
        return all(self.unit_kind.get(i) == "episode" or i in episodes for i in (a, b))

    def _chain(self, a: str, b: str, linked: bool) -> None:
        if linked:
            self.next_episode[a] = b
            self.previous_episode[b] = a
            return
        if self.next_episode.get(a) == b:
            del self.next_episode[a]
        if self.previous_episode.get(b) == a:
            del self.previous_episode[b]

    def _refresh_units(self, store: StoreReader, changes: ChangeSet) -> None:
        gone = {i for k in UNIT_KINDS for i in changes.removed[k] if i in self.units.position}  # no copy of every id
        for source, target in self.units.remove(gone):
            self.unit_nodes[target] = self.unit_nodes[source]
        self.unit_nodes = self.unit_nodes[: len(self.units)]
        for i in gone:
            self.unit_kind.pop(i, None)
        for kind in UNIT_KINDS:
            if not changes.upserted[kind]:
                continue
            ids, vectors = store.vectors(kind, sorted(changes.upserted[kind]))
            if not ids:
                continue
            fresh = self.units.add(ids, vectors)
            self.unit_kind.update((i, kind) for i in ids)
            self.graph.add_nodes(ids, pinned=True)
            added = np.fromiter((self.graph.index[self.units.ids[p]] for p in fresh), dtype=np.int64, count=len(fresh))
            self.unit_nodes = np.concatenate([self.unit_nodes, added])

    def _refresh_facts(self, store: StoreReader, changes: ChangeSet) -> None:
        moves = self.facts.remove({i for i in changes.removed["fact"] if i in self.facts.position})
        for source, target in moves:
            self.fact_records[target] = self.fact_records[source]
            self.fact_valid[target] = self.fact_valid[source]
            self.fact_starts[target] = self.fact_starts[source]
        del self.fact_records[len(self.facts) :]
        self.fact_valid = self.fact_valid[: len(self.facts)]
        self.fact_starts = self.fact_starts[: len(self.facts)]
        if not changes.upserted["fact"]:
            return
        # Validity changes without new ids (supersession): those records are re-read, by id.
        ids, vectors = store.vectors("fact", sorted(changes.upserted["fact"]))
        records = {f.id: f for f in store.facts(ids)}
        ids_kept = [i for i in ids if i in records]
        vectors = vectors[[n for n, i in enumerate(ids) if i in records]] if ids_kept else vectors
        for i in ids_kept:
            if i in self.facts.position:
                p = self.facts.position[i]
                self.fact_records[p] = records[i]
                self.fact_valid[p] = records[i].invalid_at is None
                self.fact_starts[p] = _starts([records[i]])[0]
        fresh = self.facts.add(ids_kept, vectors) if ids_kept else []
        new_records = [records[self.facts.ids[p]] for p in fresh]
        self.fact_records.extend(new_records)
        self.fact_valid = np.concatenate([self.fact_valid, _currently_valid(new_records)])
        self.fact_starts = np.concatenate([self.fact_starts, _starts(new_records)])

    def lexical_index(self, store: StoreReader) -> LexicalIndex:
        """The BM25 index of the units, read from ``store`` the first time it is asked for."""
        if self.lexical is None:
            lexical = LexicalIndex()
            lexical.add(unit_texts(store, self.units.ids, self.unit_kind))
            self.lexical = lexical
        return self.lexical

    def fact_validity_mask(self, as_of: str | None, now: datetime | None = None) -> np.ndarray:
        """Facts valid now (``as_of`` None: not superseded, and begun by ``now`` when given) or at
        the instant the ISO ``as_of`` names. Dates are parsed and compared in UTC."""
        if as_of is None:
            if now is None:
                return self.fact_valid
            with np.errstate(invalid="ignore"):
                return self.fact_valid & ~(self.fact_starts > now.timestamp())
        instant = parse_as_of(as_of)

        def valid(fact: Fact) -> bool:
            start = interval(fact.valid_from)
            if start is not None and start[0] > instant:
                return False
            if fact.invalid_at is None:
                return True
            end = interval(fact.invalid_at)  # "" = superseded at an unknown time: never valid
            return end is not None and end[0] > instant

        return np.fromiter((valid(f) for f in self.fact_records), dtype=bool, count=len(self.fact_records))

    def memory_bytes(self) -> dict[str, int]:
        """Approximate resident size of the parts: vectors, graph, records (sampled)."""

        def nbytes(index: VectorIndex) -> int:
            own = index._rows.nbytes
            ann = getattr(index, "_index", None)  # hnswlib holds its own float32 copy plus links
            if ann is not None:
                own += ann.get_max_elements() * (index._rows.shape[1] * 4 + 2 * 16 * 4 + 16)
            return own

        g = self.graph
        graph = g._base.data.nbytes + g._base.indices.nbytes + g._base.indptr.nbytes + g._degree.nbytes
        graph += g._order.nbytes + g._internal.nbytes + 120 * (len(g._slot) + len(g.index)) + 100 * len(g._delta)
        sample = self.fact_records[:: max(1, len(self.fact_records) // 500)]
        per_fact = sum(sys.getsizeof(f) + sum(sys.getsizeof(v) for v in vars(f).values()) for f in sample) / max(
            1, len(sample)
        )
        records = int(per_fact * len(self.fact_records)) + 150 * (
            len(self.unit_kind) + len(self.units.position) + len(self.facts.position)
        )
        return {"vectors": nbytes(self.units) + nbytes(self.facts), "graph": int(graph), "records": records}


def unit_texts(store: StoreReader, ids: list[str], kinds: dict[str, str], batch: int = 2000) -> dict[str, str]:
    """The searchable text of each unit: a passage's title and text, an episode's text."""
    out: dict[str, str] = {}
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        for p in store.passages([i for i in chunk if kinds.get(i) == "passage"]):
            out[p.id] = f"{p.title}\n{p.text}" if p.title else p.text
        for e in store.episodes([i for i in chunk if kinds.get(i) == "episode"]):
            out[e.id] = e.text
    return out


def _stack(parts: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], np.ndarray]:
    ids = [i for part_ids, _ in parts for i in part_ids]
    blocks = [m for _, m in parts if m.size]
    return ids, np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)


class IndexCache:
    """Holds a ``RetrievalIndex`` for a store and refreshes it when the store's generation moves."""

    def __init__(self, store: StoreReader, backend: str = "exact", next_weight: float = 1.0):
        self.store = store
        self.backend = backend
        self.next_weight = next_weight
        self._index: RetrievalIndex | None = None

    def get(self) -> RetrievalIndex:
        generation = self.store.generation()
        if self._index is None or self._index.generation != generation:
            self._index = RetrievalIndex.load(
                self.store, self.backend, previous=self._index, next_weight=self.next_weight
            )
        return self._index
