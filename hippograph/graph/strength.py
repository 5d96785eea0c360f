"""Recall strength (MemoryBank): how often and how lately each unit was recalled, kept beside the store.

Recall counts are written by reads, so they must never cost a read the store's write lock nor move
its generation (the change feed would make every reader reload after every query). They live in a
side store with its own transactions: for SQLite a second file next to the store (``<store>.recalls``,
its own WAL and lock), for Neo4j ``(:UnitRecall)`` nodes outside the memory graph, written in their
own transaction and never through the change log. Recalls are buffered in memory and written in
batches; a batch that cannot be written now (the side file busy) stays buffered for the next flush.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, StoreError
from .store import GraphStore

__all__ = ["RecallStats", "SQLiteStrength", "StrengthStore", "open_strength", "side_file"]

FLUSH_EVERY = 32  # buffered recalls written together (one transaction of the side store)
_CHUNK = 500


@dataclass(frozen=True)
class RecallStats:
    """How often a unit was recalled and when last (ISO datetime, UTC)."""

    unit_id: str
    recalls: int
    last_recalled: str | None


class StrengthStore(ABC):
    """Recall counts of one namespace. ``record`` buffers; ``flush`` writes the buffer in one batch."""

    def __init__(self, namespace: str, flush_every: int = FLUSH_EVERY):
        self.namespace = namespace
        self.flush_every = flush_every
        self._buffer: dict[str, tuple[int, str]] = {}  # unit id -> (recalls not yet written, latest time)
        self._lock = threading.Lock()

    def record(self, unit_ids: Iterable[str], at: str) -> None:
        """Count one recall of each unit at ``at`` (ISO datetime); written with the next batch."""
        with self._lock:
            for unit in dict.fromkeys(unit_ids):
                n, last = self._buffer.get(unit, (0, at))
                self._buffer[unit] = (n + 1, max(last, at))
            due = sum(n for n, _ in self._buffer.values()) >= self.flush_every
        if due:
            self.flush(strict=False)

    def flush(self, strict: bool = True) -> int:
        """Write buffered recalls in one transaction; returns how many units were written. With
        ``strict=False`` a failure keeps the buffer for the next flush instead of raising."""
        with self._lock:
            rows, self._buffer = self._buffer, {}
        if not rows:
            return 0
        try:
            self._write([(unit, n, at) for unit, (n, at) in sorted(rows.items())])
        except StoreError:
            with self._lock:  # put them back, merged with what arrived meanwhile
                for unit, (n, at) in rows.items():
                    m, last = self._buffer.get(unit, (0, at))
                    self._buffer[unit] = (m + n, max(last, at))
            if strict:
                raise
            return 0
        return len(rows)

    def stats(self, unit_ids: Sequence[str] | None = None) -> dict[str, RecallStats]:
        """Recall stats of ``unit_ids`` (or of every recalled unit), written and buffered together."""
        stored = self._read(None if unit_ids is None else list(unit_ids))
        with self._lock:
            pending = dict(self._buffer)
        wanted = None if unit_ids is None else set(unit_ids)
        for unit, (n, at) in pending.items():
            if wanted is not None and unit not in wanted:
                continue
            old = stored.get(unit)
            last = max(old.last_recalled or at, at) if old else at
            stored[unit] = RecallStats(unit, (old.recalls if old else 0) + n, last)
        return stored

    def purge(self, keep: Iterable[str]) -> int:
        """Drop the stats of units not in ``keep`` (units deleted since); returns how many went."""
        self.flush(strict=False)
        gone = sorted(set(self._read(None)) - set(keep))
        for i in range(0, len(gone), _CHUNK):
            self._delete(gone[i : i + _CHUNK])
        return len(gone)

    def close(self) -> None:
        """Write what is buffered (best effort) and release the side store."""
        self.flush(strict=False)

    @abstractmethod
    def _write(self, rows: list[tuple[str, int, str]]) -> None:
        """Add (unit id, recalls, time) rows in one transaction; ``StoreError`` on failure."""

    @abstractmethod
    def _read(self, unit_ids: list[str] | None) -> dict[str, RecallStats]:
        """Stored stats of ``unit_ids`` (None: all of this namespace)."""

    @abstractmethod
    def _delete(self, unit_ids: list[str]) -> None:
        """Remove the stored stats of ``unit_ids``."""


def side_file(store_path: str) -> str:
    """The recall side file of a SQLite store file (``:memory:`` stays in memory)."""
    return store_path if store_path == ":memory:" else store_path + ".recalls"


class SQLiteStrength(StrengthStore):
    """Recall stats in their own SQLite file: its lock and WAL are not the store's, so recording
    recalls never waits for, nor blocks, a writer of the memory."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS recalls (namespace TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "recalls INTEGER NOT NULL, last_recalled TEXT NOT NULL, PRIMARY KEY (namespace, unit_id))"
    )

    def __init__(self, path: str, namespace: str, flush_every: int = FLUSH_EVERY, timeout: float = 2.0):
        super().__init__(namespace, flush_every)
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._timeout = timeout
        self._db_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        # Opened on first use: a read-only command that records nothing creates no file.
        if self._db is None:
            try:
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self._timeout)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(self.SCHEMA)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the recall file {self.path}: {exc}") from exc
            self._db = db
        return self._db

    def _exists(self) -> bool:
        return self._db is not None or self.path == ":memory:" or Path(self.path).is_file()

    def _write(self, rows: list[tuple[str, int, str]]) -> None:
        with self._db_lock:
            try:
                db = self._connect()
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.executemany(
                        "INSERT INTO recalls VALUES (?,?,?,?) ON CONFLICT (namespace, unit_id) DO UPDATE SET "
                        "recalls = recalls + excluded.recalls, "
                        "last_recalled = max(last_recalled, excluded.last_recalled)",
                        [(self.namespace, unit, n, at) for unit, n, at in rows],
                    )
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"could not record recalls in {self.path}: {exc}") from exc

    def _read(self, unit_ids: list[str] | None) -> dict[str, RecallStats]:
        if not self._exists():
            return {}
        with self._db_lock:
            try:
                db = self._connect()
                select = "SELECT unit_id, recalls, last_recalled FROM recalls WHERE namespace=?"
                if unit_ids is None:
                    rows = db.execute(select, (self.namespace,)).fetchall()
                else:
                    rows = []
                    for i in range(0, len(unit_ids), _CHUNK):
                        chunk = unit_ids[i : i + _CHUNK]
                        marks = ",".join("?" * len(chunk))
                        rows += db.execute(f"{select} AND unit_id IN ({marks})", (self.namespace, *chunk)).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"could not read recalls from {self.path}: {exc}") from exc
        return {u: RecallStats(u, int(n), last) for u, n, last in rows}

    def _delete(self, unit_ids: list[str]) -> None:
        with self._db_lock:
            try:
                marks = ",".join("?" * len(unit_ids))
                self._connect().execute(
                    f"DELETE FROM recalls WHERE namespace=? AND unit_id IN ({marks})", (self.namespace, *unit_ids)
                )
            except sqlite3.Error as exc:
                raise StoreError(f"could not purge recalls in {self.path}: {exc}") from exc

    def close(self) -> None:
        super().close()
        with self._db_lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def open_strength(store: GraphStore, flush_every: int = FLUSH_EVERY) -> StrengthStore:
    """The recall side store of ``store`` (same namespace): a side SQLite file, or ``UnitRecall``
    nodes on Neo4j. ``ConfigError`` for a store kind that has none."""
    from .neo4j_store import Neo4jStore
    from .sqlite_store import SQLiteStore

    if isinstance(store, SQLiteStore):
        return SQLiteStrength(side_file(store.path), store.namespace, flush_every)
    if isinstance(store, Neo4jStore):
        from .neo4j_strength import Neo4jStrength

        return Neo4jStrength(store, flush_every)
    raise ConfigError(
        f"{type(store).__name__} keeps no recall counts: use a SQLite or Neo4j store, or leave "
        "track_recalls and strength_weight off"
    )
