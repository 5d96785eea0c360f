"""Typed records of the hippograph data model (see README, "Data model")."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class SynonymEdge:
    source: str
    target: str
    score: float


@dataclass
class StoreStats:
    documents: int
    passages: int
    episodes: int
    entities: int
    facts: int
    edges: int
    edges_by_type: dict[str, int]

    def as_dict(self) -> dict:
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
    id: str
    source: str
    title: str
    passages: int
    episodes: int
    content_hash: str
    ingested_at: str


@dataclass
class GraphEdges:
    """The weighted undirected graph PPR runs on, as parallel arrays of node ids."""

    sources: list[str]
    targets: list[str]
    weights: list[float]
