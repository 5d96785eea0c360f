"""What a running server holds: warm models, one writer, non-blocking readers, per namespace.

A write (remember, forget) runs on the writer's store connection under one lock; reads run on
a second connection, so on SQLite (WAL) they read the last committed state while a write
transaction is open instead of waiting for it. The retrieval index a read uses is an immutable
snapshot: a refresh applies the change feed to a copy and swaps the copy in, so a read never waits
for a refresh that another request started and never sees an index half-updated.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

from ..config import Settings
from ..embedding import Embedder
from ..errors import ConfigError, InputError
from ..graph.open import open_store
from ..graph.store import StoreReader
from ..ids import DEFAULT_NAMESPACE
from ..ids import check_namespace as check_namespace_name
from ..memory import Memory
from ..retrieve.index import IndexCache, RetrievalIndex

__all__ = ["DEFAULT_NAMESPACE", "MemoryService", "NamespaceMemory", "SnapshotIndexCache", "check_namespace"]


def check_namespace(name: str) -> str:
    """A namespace a request names; an invalid name is bad input (422), not a bad setting."""
    try:
        return check_namespace_name(name)
    except ConfigError as exc:
        raise InputError(str(exc)) from exc


def _detached(index: RetrievalIndex) -> RetrievalIndex | None:
    """A private copy of ``index`` for the change feed to update in place (None: reload in full).

    ``RetrievalIndex.refresh`` changes vectors, records, graph and chains in place; readers may be
    using this snapshot right now, so the next one starts from a copy.
    """
    try:
        return copy.deepcopy(index)
    except (TypeError, RuntimeError, copy.Error):  # e.g. an ANN backend that cannot be copied
        return None


class SnapshotIndexCache(IndexCache):
    """An ``IndexCache`` safe for concurrent readers: snapshots are swapped, never mutated."""

    def __init__(self, store: StoreReader, backend: str = "exact"):
        super().__init__(store, backend)
        self._refreshing = threading.Lock()

    def get(self) -> RetrievalIndex:
        current = self._index
        if current is not None and current.generation == self.store.generation():
            return current
        if current is None:
            return self.refresh()
        # Someone else is building the next snapshot: answer from this one rather than wait.
        if not self._refreshing.acquire(blocking=False):
            return current
        try:
            return self._build(current)
        finally:
            self._refreshing.release()

    def refresh(self) -> RetrievalIndex:
        """Bring the snapshot up to the store's generation, waiting for a refresh in progress."""
        with self._refreshing:
            current = self._index
            if current is not None and current.generation == self.store.generation():
                return current
            return self._build(current)

    def _build(self, current: RetrievalIndex | None) -> RetrievalIndex:
        previous = _detached(current) if current is not None else None
        self._index = RetrievalIndex.load(self.store, self.backend, previous=previous)
        return self._index


@dataclass
class NamespaceMemory:
    """The two faces of one namespace: ``reader`` for queries, ``writer`` for changes."""

    name: str
    reader: Memory
    writer: Memory

    def refresh(self) -> None:
        """Make the next read see the last write (called before a write request returns)."""
        self.reader.retriever.indexes.refresh()  # type: ignore[attr-defined]


class MemoryService:
    """Warm models and the per-namespace memories of one store, shared by HTTP and MCP."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, llm: object | None = None):
        self.settings = settings
        # The store opens first: an unreachable or refused store is reported before a model loads.
        self.writer = Memory(settings, embedder=embedder, llm=llm, namespace=DEFAULT_NAMESPACE)  # type: ignore[arg-type]
        # Loaded now, once: every namespace and both connections share this one model.
        embedder = self.writer.embedder
        self.embedder = embedder
        # A second connection for reads: on SQLite (WAL) it never waits for the writer's transaction.
        # (Neo4j's driver pools connections itself: one store object serves both.)
        reader_store = open_store(settings.store) if _is_sqlite(settings.store) else self.writer.store
        self.reader = Memory(
            settings, store=reader_store, embedder=embedder, llm=self.writer.llm, namespace=DEFAULT_NAMESPACE
        )
        self.write_lock = threading.Lock()  # one writer at a time: ingestion is not re-entrant
        self._namespaces: dict[str, NamespaceMemory] = {}
        self._guard = threading.Lock()

    def warm(self) -> None:
        """Load the embedder (shared by every namespace) and the default namespace's index."""
        self.embedder.encode(["warm up"])
        self.namespace(DEFAULT_NAMESPACE).reader.retriever.indexes.get()

    def namespace(self, name: str = DEFAULT_NAMESPACE) -> NamespaceMemory:
        check_namespace(name)
        with self._guard:
            found = self._namespaces.get(name)
            if found is None:
                reader, writer = self.reader.in_namespace(name), self.writer.in_namespace(name)
                retriever = reader.retriever
                retriever.indexes = SnapshotIndexCache(retriever.store, retriever.settings.vector_index)
                found = self._namespaces[name] = NamespaceMemory(name, reader, writer)
            return found

    def close(self) -> None:
        if self.reader.store is not self.writer.store:
            self.reader.close()
        self.writer.close()


def _is_sqlite(uri: str) -> bool:
    return not uri.startswith(("bolt", "neo4j")) and ":memory:" not in uri
