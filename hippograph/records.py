"""Typed records of the hippograph data model (see README, "Data model")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Document:
    """One ingested unit: a file, a corpus record, a conversation session."""

    id: str
    source: str
    title: str
    content_hash: str
    ingested_at: str = ""
    metadata_json: str = "{}"


@dataclass
class Passage:
    """A retrievable chunk of a document."""

    id: str
    document_id: str
    text: str
    title: str
    position: int
    source_id: str = ""  # the source's own id of this unit (record key, plus #chunk when split)
    occurred_at: str | None = None  # ISO date/datetime of the unit, when its source gives one
    embedding: np.ndarray | None = None


@dataclass
class Episode:
    """A time-stamped observation (a chat turn); episodes of a stream are chained by NEXT."""

    id: str
    document_id: str
    text: str
    occurred_at: str | None
    speaker: str
    position: int
    source_id: str = ""
    embedding: np.ndarray | None = None


@dataclass
class Entity:
    """A named thing; ``id`` is the normalized name."""

    id: str
    name: str
    type: str = ""
    embedding: np.ndarray | None = None


@dataclass
class Fact:
    """A (subject, predicate, object) statement, deduplicated by normalized triple."""

    id: str
    subject: str  # entity id
    predicate: str
    object: str  # entity id
    text: str
    valid_from: str | None = None
    invalid_at: str | None = None
    created_at: str = ""
    embedding: np.ndarray | None = None


@dataclass(frozen=True)
class Mention:
    """A passage or episode mentioning an entity ``count`` times."""

    unit_id: str
    entity_id: str
    count: int = 1


@dataclass(frozen=True)
class Support:
    """Provenance: a passage or episode that states a fact."""

    unit_id: str
    fact_id: str


@dataclass(frozen=True)
class Supersession:
    """``old_fact_id`` was invalidated at ``at`` by ``new_fact_id``."""

    old_fact_id: str
    new_fact_id: str
    at: str | None


@dataclass(frozen=True)
class Citation:
    """A thought (an answer written back to memory) citing the unit it was built from."""

    thought_id: str
    unit_id: str


@dataclass
class DocumentBatch:
    """Everything one document contributes to the store; written in one transaction."""

    document: Document
    passages: list[Passage] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    supports: list[Support] = field(default_factory=list)
    supersessions: list[Supersession] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # a thought's CITES edges to its sources


@dataclass(frozen=True)
class SynonymEdge:
    """Two entities whose name embeddings reach the synonym threshold."""

    source: str
    target: str
    score: float


@dataclass
class StoreStats:
    """Counts of nodes by label and of relationships by type."""

    documents: int
    passages: int
    episodes: int
    entities: int
    facts: int
    edges: int
    edges_by_type: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "passages": self.passages,
            "episodes": self.episodes,
            "entities": self.entities,
            "facts": self.facts,
            "edges": self.edges,
            "edges_by_type": dict(sorted(self.edges_by_type.items())),
        }


@dataclass(frozen=True)
class DocumentInfo:
    """One stored document with its unit counts."""

    id: str
    source: str
    title: str
    passages: int
    episodes: int
    content_hash: str
    ingested_at: str

    def as_dict(self) -> dict[str, Any]:
        """What ``documents --json`` and the HTTP API list for it (the content hash stays inside)."""
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "passages": self.passages,
            "episodes": self.episodes,
            "ingested_at": self.ingested_at,
        }


@dataclass
class GraphEdges:
    """The weighted undirected graph PPR runs on, as parallel arrays of node ids."""

    sources: list[str]
    targets: list[str]
    weights: list[float]


# Weights of the PPR graph, the one place they are defined (both stores and the change feed use them).
MENTION_WEIGHT = 1.0  # per (unit, entity) pair, however often the unit names the entity
SUPPORT_WEIGHT = 1.0  # per unit supporting a fact, on the fact's (subject, object) edge
NEXT_WEIGHT = 1.0  # per episode-to-next-episode link


@dataclass(frozen=True)
class EdgeDelta:
    """A change of the undirected PPR edge weight between two nodes (negative: weight removed)."""

    source: str
    target: str
    weight: float


NODE_KINDS = ("passage", "episode", "entity", "fact")


@dataclass
class ChangeSet:
    """What changed in one namespace of a store between two generations.

    ``upserted`` ids are to be (re)read: new, replaced, or with a changed record (fact validity);
    ``removed`` ids are gone. The two are disjoint per kind. ``edges`` add up to the change of
    every PPR edge weight.
    """

    since: int
    generation: int
    upserted: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in NODE_KINDS})
    removed: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in NODE_KINDS})
    edges: list[EdgeDelta] = field(default_factory=list)

    def upsert(self, kind: str, ids: Iterable[str]) -> None:
        for i in ids:
            self.removed[kind].discard(i)
            self.upserted[kind].add(i)

    def remove(self, kind: str, ids: Iterable[str]) -> None:
        for i in ids:
            self.upserted[kind].discard(i)
            self.removed[kind].add(i)

    def merge(self, payload: dict[str, Any]) -> None:
        """Apply one transaction's change record (as ``as_payload`` writes it), in order."""
        for op, kind, ids in payload.get("nodes", []):
            (self.upsert if op == "+" else self.remove)(kind, ids)
        self.edges.extend(EdgeDelta(s, t, float(w)) for s, t, w in payload.get("edges", []))

    @property
    def empty(self) -> bool:
        return not self.edges and not any(self.upserted.values()) and not any(self.removed.values())


@dataclass
class ChangeRecord:
    """The change one write transaction makes, in order, as the store logs it (JSON-ready)."""

    nodes: list[tuple[str, str, list[str]]] = field(default_factory=list)  # ("+"|"-", kind, ids)
    edges: list[tuple[str, str, float]] = field(default_factory=list)

    def upsert(self, kind: str, ids: Iterable[str]) -> None:
        ids = sorted(set(ids))
        if ids:
            self.nodes.append(("+", kind, ids))

    def remove(self, kind: str, ids: Iterable[str]) -> None:
        ids = sorted(set(ids))
        if ids:
            self.nodes.append(("-", kind, ids))

    def edge(self, source: str, target: str, weight: float) -> None:
        if weight:
            self.edges.append((source, target, float(weight)))

    def as_payload(self) -> dict[str, Any]:
        return {"nodes": [list(n) for n in self.nodes], "edges": [list(e) for e in self.edges]}

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.edges


# -- retrieval results (used by retrieve/, graph/ exporters, the SDK and the server) --------------
@dataclass
class RetrievedUnit:
    """A ranked passage or episode."""

    id: str
    kind: str  # "passage" | "episode"
    title: str
    text: str
    score: float
    document_id: str
    source_id: str = ""
    occurred_at: str | None = None
    speaker: str = ""
    context: list[dict[str, Any]] = field(default_factory=list)  # an episode's neighbouring turns, in order
    cosine: float | None = None  # the unit's embedding cosine with the question (what the reader's abstention reads)


@dataclass
class LinkedFact:
    """A fact the query linked to (a PPR seed), with its validity."""

    id: str
    subject: str
    predicate: str
    object: str
    text: str
    score: float
    valid_from: str | None = None
    invalid_at: str | None = None
    cosine: float | None = None  # raw embedding cosine with the question (``score`` is min-max normalized)


@dataclass
class Activation:
    """The PPR mass of one retrieval run, over the graph that run used (for explaining a ranking)."""

    node_ids: list[str]  # the graph's nodes, in the order of ``mass``
    mass: np.ndarray  # PPR score of every node (sums to 1)
    graph: Any = field(repr=False, default=None)  # the run's ``GraphMatrix`` (adjacency, index)


@dataclass
class RetrievalResult:
    """What ``Memory.retrieve`` returns: ranked units, the facts that seeded them, and why."""

    question: str
    mode: str
    passages: list[RetrievedUnit] = field(default_factory=list)
    facts: list[LinkedFact] = field(default_factory=list)
    seeds: dict[str, float] = field(default_factory=dict)  # entity id -> seed weight
    fallback: str | None = None  # why hippo mode fell back to dense, if it did
    timings_ms: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds (index, encode, ...)
    activation: Activation | None = field(default=None, repr=False)  # hippo mode: the PPR run's mass
    as_of: str | None = None  # the date facts and units were filtered at (given, or from "before X")
    reference_date: str | None = None  # the date the question is asked at: as_of, else now
    notes: list[dict[str, Any]] = field(default_factory=list)  # entity notes asked for (``EntityNote.as_dict``)

    def as_dict(self, id: str | None = None) -> dict[str, Any]:
        out = {
            "id": id,
            "question": self.question,
            "mode": self.mode,
            "as_of": self.as_of,
            "reference_date": self.reference_date,
            "passages": [asdict(p) for p in self.passages],
            "facts": [asdict(f) for f in self.facts],
        }
        if self.fallback:
            out["fallback"] = self.fallback
        if self.notes:
            out["notes"] = self.notes
        return out
