"""The store interface, split by role: what ingestion writes, what retrieval reads, what admins inspect.

``GraphStore`` is all three. A store object is bound to one namespace; every read and write it
makes stays inside that namespace. Implementations never expose their query language.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

import numpy as np

from ..errors import StoreError
from ..ids import DEFAULT_NAMESPACE
from ..records import (
    ChangeSet,
    DocumentBatch,
    DocumentInfo,
    Episode,
    Fact,
    GraphEdges,
    Passage,
    StoreStats,
    Supersession,
    SynonymEdge,
)

__all__ = [
    "VECTOR_KINDS",
    "FactReader",
    "GraphStore",
    "StoreAdmin",
    "StoreError",
    "StoreReader",
    "StoreWriter",
    "Supersede",
]


class FactReader(Protocol):
    """What a supersession rule may read inside a write transaction."""

    def facts_about(self, subject_id: str) -> list[Fact]: ...

    def facts(self, ids: Sequence[str]) -> list[Fact]: ...

    def facts_with_object(self, object_id: str) -> list[Fact]: ...

    def entities_named(self, first_words: Sequence[str]) -> list[str]: ...


# Called inside a document's write transaction, once its records are in and its fact subjects
# are locked: returns the supersessions the document causes against what the store holds then.
Supersede = Callable[[DocumentBatch, FactReader], list[Supersession]]

VECTOR_KINDS = ("passage", "episode", "entity", "fact")
S = TypeVar("S", bound="GraphStore")


class StoreWriter(ABC):
    """What ingestion needs: write and delete documents, add synonym edges."""

    @abstractmethod
    def write_document(self, batch: DocumentBatch, supersede: Supersede | None = None) -> None:
        """Write one document with everything it contributes, replacing an older version, in one
        transaction (``StoreError`` and nothing written on failure). ``batch.citations`` make its
        episodes thoughts citing stored units: deleting or replacing a cited unit's document deletes
        the thought's document in the same transaction. New entities are marked as
        pending synonyms in the same transaction. ``supersede``, when given, decides
        ``batch.supersessions`` inside that transaction (so concurrent writers cannot race);
        otherwise ``batch.supersessions`` is applied as given."""

    def write_documents(
        self, batches: Sequence[DocumentBatch], supersede: Supersede | None = None
    ) -> list[StoreError | None]:
        """Write several documents, each all-or-nothing; returns, per document, None (written)
        or the ``StoreError`` that refused it. ``StoreUnavailable`` is raised, not returned.
        Stores may group documents into fewer transactions; this default writes one by one."""
        from ..errors import StoreUnavailable

        out: list[StoreError | None] = []
        for batch in batches:
            try:
                self.write_document(batch, supersede) if supersede else self.write_document(batch)
                out.append(None)
            except StoreUnavailable:
                raise
            except StoreError as exc:
                out.append(exc)
        return out

    @abstractmethod
    def delete_document(self, document_id: str) -> bool:
        """Delete a document and cascade: units, mentions, provenance, and entities/facts
        no other document supports. Returns False when the document was absent."""

    @abstractmethod
    def add_synonyms(self, edges: Sequence[SynonymEdge], resolved: Iterable[str] = ()) -> int:
        """Add SYNONYM edges (idempotent) and clear the pending mark of the ``resolved`` entities,
        in one transaction; returns how many edges are new."""

    @abstractmethod
    def pending_synonym_entities(self) -> list[str]:
        """Ids of entities written whose synonym edges are not computed yet (sorted)."""

    @abstractmethod
    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` already exist as nodes of ``kind`` (``entity`` or ``fact``)."""

    @abstractmethod
    def facts_about(self, subject_id: str) -> list[Fact]:
        """Every fact whose subject is the given entity id (current and superseded)."""

    @abstractmethod
    def facts_with_object(self, object_id: str) -> list[Fact]:
        """Every fact whose object is the given entity id (current and superseded)."""

    @abstractmethod
    def entities_named(self, first_words: Sequence[str]) -> list[str]:
        """Sorted ids of the entities (with a vector) whose id is one of ``first_words``, or one of
        them followed by a space and one or two more words with no digit: the stored names an
        alias rule can pair with a new one, read by index instead of listing every entity. A store
        may stop after two full names (``extract.aliases.is_full_name``) per word: two already make
        the first name ambiguous, so the alias decision is the same."""


class StoreReader(ABC):
    """What the query path reads: vectors, the PPR graph, records by id, and the change feed."""

    namespace: str = DEFAULT_NAMESPACE  # entity ids outside the default namespace carry it

    @abstractmethod
    def generation(self) -> int:
        """A counter that moves whenever the stored graph changes (in any namespace)."""

    @abstractmethod
    def changes_since(self, generation: int) -> ChangeSet | None:
        """What changed in this namespace after ``generation``, up to now; None when the change
        log no longer reaches back that far (reload from scratch)."""

    @abstractmethod
    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Ids (sorted) and embedding matrix (float32, one row each) of every node of ``kind``
        that has a vector, or of those among ``ids``."""

    @abstractmethod
    def node_ids(self, kind: str) -> list[str]:
        """Sorted ids of every node of ``kind`` that has a vector (cheap: no vectors read)."""

    @abstractmethod
    def graph_edges(self) -> GraphEdges:
        """Undirected weighted edges for PPR (weights as in ``hippograph.records``): unit-entity
        mentions, entity-entity facts (one per supporting unit), synonyms (their score), NEXT."""

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
    def thought_sources(self, unit_ids: Sequence[str]) -> dict[str, list[str]]:
        """Which of ``unit_ids`` are thoughts (answers written back), each with the ids of the
        units it cites (its CITES edges); units that are no thought are left out."""

    @abstractmethod
    def fact_units(self) -> dict[str, list[str]]:
        """Map fact id -> ids of the passages/episodes that support it (retrieval demotes units
        whose every fact is superseded)."""


class StoreAdmin(ABC):
    """Inspection and housekeeping: documents, provenance, counts, namespaces."""

    @abstractmethod
    def document_hashes(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """Map document id -> content hash of every stored document, or of those among ``ids``
        (a lookup by id: what planning an ingestion run reads)."""

    @abstractmethod
    def documents(self) -> list[DocumentInfo]:
        """All documents with their passage and episode counts."""

    @abstractmethod
    def stats(self) -> StoreStats:
        """Counts of nodes by label and relationships by type."""

    @abstractmethod
    def document_units(self, document_id: str) -> list[Passage | Episode]:
        """A document's passages and episodes, in position order."""

    @abstractmethod
    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        """The facts each given passage/episode supports (its provenance), by unit id."""

    @abstractmethod
    def export_document(self, document_id: str) -> DocumentBatch | None:
        """Everything the document contributes, vectors included, as the ``DocumentBatch`` that
        ``write_document`` would take (facts with their current validity; the supersessions of
        facts it supports); None when absent. Copies a store without re-extracting or re-embedding."""

    @abstractmethod
    def synonym_edges(self) -> list[SynonymEdge]:
        """Every SYNONYM edge of this namespace (source < target), sorted."""

    @abstractmethod
    def namespaces(self) -> list[str]:
        """Every namespace holding at least one document (sorted)."""

    @abstractmethod
    def delete_namespace(self) -> int:
        """Delete every document of this namespace (cascading); returns how many."""


class GraphStore(StoreWriter, StoreReader, StoreAdmin):
    """Durable home of documents, passages, episodes, entities, facts and their edges."""

    uri: str

    @abstractmethod
    def in_namespace(self: S, namespace: str) -> S:
        """A view of the same store (same connection) bound to ``namespace``."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection (every view of it)."""

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
