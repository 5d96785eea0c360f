"""What a running server holds: warm models, one writer, non-blocking readers, per namespace.

A write (remember, forget) runs on the writer's store connection under one lock; reads run on
a second connection, so on SQLite (WAL) they read the last committed state while a write
transaction is open instead of waiting for it. The retrieval index is kept as two copies
(left-right): readers use the active one, a refresh applies the change feed to the other one and
swaps them, so a read never waits for a refresh, never sees an index half-updated, and no change
copies the whole index (each change is applied once to each copy, at the cost of what changed).
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Settings
from ..embedding import Embedder
from ..errors import ConfigError, InputError
from ..graph.open import open_store
from ..graph.store import StoreReader
from ..ids import DEFAULT_NAMESPACE
from ..ids import check_namespace as check_namespace_name
from ..memory import Memory
from ..retrieve.index import IndexCache, RetrievalIndex
from ..retrieve.timeview import attach_time_view

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Read = Callable[..., dict]

__all__ = [
    "DEFAULT_NAMESPACE",
    "MemoryService",
    "NamespaceMemory",
    "SnapshotIndexCache",
    "check_namespace",
    "one_snapshot",
]


def check_namespace(name: str) -> str:
    """A namespace a request names; an invalid name is bad input (422), not a bad setting."""
    try:
        return check_namespace_name(name)
    except ConfigError as exc:
        raise InputError(str(exc)) from exc


class SnapshotIndexCache(IndexCache):
    """An ``IndexCache`` safe for concurrent readers, as two copies of the index (left-right).

    ``reading()`` pins the active copy for the request (``get()`` inside it returns that copy).
    A refresh brings the standby copy up to the store through the change feed (it lags one
    refresh behind, so it replays the last two change sets), then makes it the active one. The
    standby is only changed once no request pinned to it is still running; readers never wait.
    The second copy is made once, on the first refresh (a deep copy, or a load from the store
    when the index cannot be copied).
    """

    def __init__(self, store: StoreReader, backend: str = "exact", next_weight: float = 1.0):
        super().__init__(store, backend, next_weight)
        self._standby: RetrievalIndex | None = None
        self._refreshing = threading.Lock()  # one refresh at a time
        self._pins = threading.Condition()  # guards the swap and the reader counts
        self._readers: Counter[int] = Counter()  # id(copy) -> requests pinned to it
        self._local = threading.local()

    @contextmanager
    def reading(self) -> Iterator[RetrievalIndex]:
        """The index one request reads from start to end (nested calls share it)."""
        pinned = getattr(self._local, "index", None)
        if pinned is not None:
            yield pinned
            return
        if self._index is None:
            self.refresh()
        elif self._index.generation != self.store.generation() and self._refreshing.acquire(blocking=False):
            # Another process wrote: catch up, unless a refresh is under way (then read the last one).
            try:
                self._catch_up()
            finally:
                self._refreshing.release()
        with self._pins:
            index = self._index
            assert index is not None
            self._readers[id(index)] += 1
        self._local.index = index
        try:
            yield index
        finally:
            self._local.index = None
            with self._pins:
                self._readers[id(index)] -= 1
                if not self._readers[id(index)]:
                    del self._readers[id(index)]
                    self._pins.notify_all()

    def get(self) -> RetrievalIndex:
        pinned = getattr(self._local, "index", None)
        if pinned is not None:
            return pinned
        with self.reading() as index:  # outside a request: the active copy, caught up
            return index

    def refresh(self) -> RetrievalIndex:
        """Bring the index up to the store's generation, waiting for a refresh in progress."""
        with self._refreshing:
            return self._catch_up()

    def _catch_up(self) -> RetrievalIndex:
        """(Holding ``_refreshing``.) Load the first index, or bring the standby up and swap."""
        current = self._index
        if current is None:
            self._index = RetrievalIndex.load(self.store, self.backend, next_weight=self.next_weight)
            attach_time_view(self.store, self._index)
            return self._index
        if current.generation == self.store.generation():
            return current
        standby = self._standby
        if standby is None:
            standby = self._second_copy(current)
        else:
            with self._pins:  # requests still reading the standby (pinned before the last swap)
                self._pins.wait_for(lambda: not self._readers[id(standby)])
        following = RetrievalIndex.load(self.store, self.backend, previous=standby, next_weight=self.next_weight)
        # The time view too, while no request reads this copy (readers never patch shared state).
        attach_time_view(self.store, following)
        with self._pins:
            self._index, self._standby = following, current
        return following

    def _second_copy(self, current: RetrievalIndex) -> RetrievalIndex:
        try:
            return copy.deepcopy(current)
        except (TypeError, RuntimeError, copy.Error):  # e.g. an ANN backend that cannot be copied
            return RetrievalIndex.load(self.store, self.backend, next_weight=self.next_weight)


@dataclass
class NamespaceMemory:
    """The two faces of one namespace: ``reader`` for queries, ``writer`` for changes."""

    name: str
    reader: Memory
    writer: Memory

    def refresh(self) -> None:
        """Make the next read see the last write (called before a write request returns)."""
        self.indexes.refresh()

    @property
    def indexes(self) -> SnapshotIndexCache:
        return self.reader.retriever.indexes  # type: ignore[return-value]

    def reading(self):
        """Pin one index snapshot for a whole request (retrieval, annotation, explain)."""
        return self.indexes.reading()


class MemoryService:
    """Warm models and the per-namespace memories of one store, shared by HTTP and MCP."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, llm: BaseChatModel | None = None):
        self.settings = settings
        # The store opens first: an unreachable or refused store is reported before a model loads.
        self.writer = Memory(settings, embedder=embedder, llm=llm, namespace=DEFAULT_NAMESPACE)
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
                retriever.indexes = SnapshotIndexCache(
                    retriever.store, retriever.settings.vector_index, retriever.settings.next_weight
                )
                found = self._namespaces[name] = NamespaceMemory(name, reader, writer)
            return found

    def close(self) -> None:
        if self.reader.store is not self.writer.store:
            self.reader.close()
        self.writer.close()


def one_snapshot(read: Read) -> Read:
    """Run a read operation ``read(service, namespace, ...)`` on one pinned index snapshot, so
    every index access it makes (retrieval, annotation, explain) sees the same generation."""

    @functools.wraps(read)
    def pinned(service: MemoryService, namespace: str, *args, **kwargs) -> dict:
        with service.namespace(namespace).reading():
            return read(service, namespace, *args, **kwargs)

    return pinned


def _is_sqlite(uri: str) -> bool:
    return not uri.startswith(("bolt", "neo4j")) and ":memory:" not in uri
