"""The ``GraphStore`` interface every store implements (embedded SQLite, Neo4j)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

import numpy as np

from ..records import (
    DocumentBatch,
    DocumentInfo,
    Episode,
    Fact,
    GraphEdges,
    Passage,
    StoreStats,
    SynonymEdge,
)

VECTOR_KINDS = ("passage", "episode", "entity", "fact")


class StoreError(RuntimeError):
    """A store operation failed; nothing of the failing document was written."""


class GraphStore(ABC):
    """Durable home of documents, passages, episodes, entities, facts and their edges.

    A document is written or deleted in one transaction: it lands whole or not at all.
    Implementations never expose their query language to callers.
    """

    uri: str

    # -- writing -----------------------------------------------------------------
    @abstractmethod
    def write_document(self, batch: DocumentBatch) -> None:
        """Write one document with everything it contributes, replacing an older version."""

    @abstractmethod
    def delete_document(self, document_id: str) -> bool:
        """Delete a document and cascade: units, mentions, provenance, and entities/facts
        no other document supports. Returns False when the document was absent."""

    @abstractmethod
    def add_synonyms(self, edges: Sequence[SynonymEdge]) -> int:
        """Add SYNONYM edges (idempotent); returns how many are new."""

    # -- reading -----------------------------------------------------------------
    @abstractmethod
    def document_hashes(self) -> dict[str, str]:
        """Map document id -> content hash of every stored document."""

    @abstractmethod
    def documents(self) -> list[DocumentInfo]:
        """All documents with their passage and episode counts."""

    @abstractmethod
    def stats(self) -> StoreStats:
        """Counts of nodes by label and relationships by type."""

    @abstractmethod
    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` already exist as nodes of ``kind`` (``entity`` or ``fact``)."""

    @abstractmethod
    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Ids (sorted) and embedding matrix (float32, one row each) of every node of ``kind``
        that has a vector, or of those among ``ids``."""

    @abstractmethod
    def node_ids(self, kind: str) -> list[str]:
        """Sorted ids of every node of ``kind`` that has a vector (cheap: no vectors read)."""

    @abstractmethod
    def graph_edges(self) -> GraphEdges:
        """Undirected weighted edges for PPR: unit-entity mentions, entity-entity facts
        (weight = number of supporting units), synonyms (weight = score), episode NEXT."""

    @abstractmethod
    def passages(self, ids: Sequence[str]) -> list[Passage]:
        """Passages by id, in the order asked (missing ids are left out)."""

    @abstractmethod
    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        """Episodes by id, in the order asked (missing ids are left out)."""

    @abstractmethod
    def facts(self, ids: Sequence[str]) -> list[Fact]:
        """Facts by id, in the order asked (missing ids are left out)."""

    @abstractmethod
    def document_units(self, document_id: str) -> list[Passage | Episode]:
        """A document's passages and episodes, in position order."""

    @abstractmethod
    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        """The facts each given passage/episode supports (its provenance), by unit id."""

    @abstractmethod
    def facts_about(self, subject_id: str) -> list[Fact]:
        """Every fact whose subject is the given entity id (current and superseded)."""

    @abstractmethod
    def fact_units(self) -> dict[str, list[str]]:
        """Map fact id -> ids of the passages/episodes that support it."""

    @abstractmethod
    def generation(self) -> int:
        """A counter that changes whenever the stored graph changes (for cache refresh)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(uri: str) -> GraphStore:
    """Open a store by URI: ``sqlite:///path.db`` (or a plain path) or ``bolt://``/``neo4j://``."""
    if uri.startswith(("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")):
        from .neo4j_store import Neo4jStore

        return Neo4jStore.from_uri(uri)
    from .sqlite_store import SQLiteStore

    path = uri[len("sqlite:///") :] if uri.startswith("sqlite:///") else uri
    if uri.startswith("sqlite://") and not uri.startswith("sqlite:///"):
        raise ValueError(f"store URI {uri!r}: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
    return SQLiteStore(path)
