"""The embedded default store: SQLite (stdlib), WAL, one transaction per document, one file for
every namespace."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, StoreError
from ..ids import DEFAULT_NAMESPACE, check_namespace, is_full_name
from ..records import (
    MENTION_WEIGHT,
    NEXT_WEIGHT,
    SUPPORT_WEIGHT,
    ChangeRecord,
    ChangeSet,
    DocumentBatch,
    DocumentInfo,
    Episode,
    Fact,
    GraphEdges,
    Passage,
    StoreStats,
    SynonymEdge,
)
from . import sqlite_thoughts as thoughts
from . import sqlite_writes as w
from .sqlite_export import EPISODE_COLUMNS as _EPISODE
from .sqlite_export import FACT_COLUMNS as _FACT
from .sqlite_export import PASSAGE_COLUMNS as _PASSAGE
from .sqlite_export import export_document
from .sqlite_schema import FIRST_WORD, FULL_NAME, SCHEMA_VERSION, Connection
from .store import VECTOR_KINDS, GraphStore, Supersede

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

_TABLE = {"passage": "passages", "episode": "episodes", "entity": "entities", "fact": "facts"}


class SQLiteStore(GraphStore):
    """A ``GraphStore`` in one SQLite file. Safe to re-open; the schema is versioned and migrated."""

    def __init__(self, path: str | Path, namespace: str = DEFAULT_NAMESPACE, *, _connection: Connection | None = None):
        self.path = str(path)
        self.uri = f"sqlite:///{self.path}"
        self.namespace = check_namespace(namespace)
        self._conn = _connection or Connection(self.path)

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r}, namespace={self.namespace!r})"

    def in_namespace(self, namespace: str) -> SQLiteStore:
        return SQLiteStore(self.path, namespace, _connection=self._conn)

    def _query(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> list[tuple[Any, ...]]:
        return self._conn.query(sql, params)

    def _write(self, what: str, work: Callable[[sqlite3.Connection, ChangeRecord], Any]) -> Any:
        """Run ``work(db, change)`` in one transaction and log its change; ``StoreError`` on failure."""
        change = ChangeRecord()
        try:
            with self._conn.transaction() as db:
                result = work(db, change)
                if not change.empty:
                    w.log_change(db, self.namespace, change)
                return result
        except sqlite3.Error as exc:
            raise StoreError(f"could not {what} in {self.path}: {exc}") from exc

    # -- writing -----------------------------------------------------------------
    def write_document(self, batch: DocumentBatch, supersede: Supersede | None = None) -> None:
        doc = batch.document

        def work(db: sqlite3.Connection, change: ChangeRecord) -> None:
            if supersede is None:
                w.write_document(db, self.namespace, batch, change)
                return
            # BEGIN IMMEDIATE holds the file's write lock: no other writer (thread or process) can
            # change the subject's facts between this read and the commit.
            given, batch.supersessions = batch.supersessions, []
            try:
                w.write_document(db, self.namespace, batch, change)
            finally:
                batch.supersessions = given
            batch.supersessions = supersede(batch, self)
            w.supersede(db, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)

        self._write(f"write document {doc.id} ({doc.source})", work)

    def delete_document(self, document_id: str) -> bool:
        def work(db: sqlite3.Connection, change: ChangeRecord) -> bool:
            if not self._owns(db, document_id):
                return False
            w.remove_units(db, document_id, change)
            w.remove_orphans(db, change)
            return True

        return bool(self._write(f"delete document {document_id}", work))

    def _owns(self, db: sqlite3.Connection, document_id: str) -> bool:
        return (
            db.execute("SELECT 1 FROM documents WHERE id=? AND namespace=?", (document_id, self.namespace)).fetchone()
            is not None
        )

    def add_synonyms(self, edges: Sequence[SynonymEdge], resolved: Iterable[str] = ()) -> int:
        resolved = list(resolved)
        if not edges and not resolved:
            return 0
        return int(self._write("add synonym edges", lambda db, change: w.add_synonyms(db, edges, resolved, change)))

    def pending_synonym_entities(self) -> list[str]:
        return [
            r[0]
            for r in self._query(
                "SELECT id FROM entities WHERE namespace=? AND synonyms_pending=1 ORDER BY id", (self.namespace,)
            )
        ]

    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        return {r[0] for r in self._rows_by_id(f"SELECT id FROM {self._table(kind)}", list(ids))}

    def facts_about(self, subject_id: str) -> list[Fact]:
        return self._facts_where("subject", subject_id)

    def facts_with_object(self, object_id: str) -> list[Fact]:
        return self._facts_where("object", object_id)

    def _facts_where(self, column: str, entity_id: str) -> list[Fact]:
        """Facts whose ``column`` (subject or object, both indexed) is ``entity_id``, oldest first."""
        rows = self._query(
            f"SELECT {_FACT} FROM facts WHERE {column}=? AND +namespace=? ORDER BY valid_from, created_at",
            (entity_id, self.namespace),
        )
        return [Fact(*row) for row in rows]

    def entities_named(self, first_words: Sequence[str]) -> list[str]:
        found: set[str] = set()
        for word in sorted(set(first_words)):
            found.update(
                r[0]
                for r in self._query(
                    "SELECT id FROM entities WHERE id = ? AND embedding IS NOT NULL AND +namespace=?",
                    (word, self.namespace),
                )
            )
            found.update(self._full_names_after(word))
        return sorted(found)

    def _full_names_after(self, word: str, enough: int = 2, page: int = 64) -> list[str]:
        """Full names continuing ``word`` (one or two more words with no digit), in id order, until
        ``enough`` qualify: read through the partial index ``entities_full_name``, so a first word
        shared by a million ids with digits ("entity 1", "entity 2", ...) costs one index probe."""
        out: list[str] = []
        after = ""
        while True:
            rows = self._query(
                f"SELECT id FROM entities WHERE namespace=? AND {FIRST_WORD}=? AND id > ? AND {FULL_NAME} "
                "ORDER BY id LIMIT ?",
                (self.namespace, word, after, page),
            )
            for (entity_id,) in rows:
                if is_full_name(entity_id):
                    out.append(entity_id)
                    if len(out) >= enough:
                        return out
            if len(rows) < page:
                return out
            after = rows[-1][0]

    # -- reading (the query path) -------------------------------------------------
    def generation(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key='generation'")[0][0])

    def changes_since(self, generation: int) -> ChangeSet | None:
        current = self.generation()
        changes = ChangeSet(since=generation, generation=current)
        if generation >= current:
            return changes
        oldest = self._query("SELECT MIN(generation) FROM change_log")[0][0]
        if oldest is None or oldest > generation + 1:
            return None
        for (payload,) in self._query(
            "SELECT payload FROM change_log WHERE generation > ? AND generation <= ? "
            "AND namespace=? ORDER BY generation",
            (generation, current, self.namespace),
        ):
            changes.merge(json.loads(payload))
        return changes

    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        select = f"SELECT id, embedding FROM {self._table(kind)}"
        if ids is None:
            rows = self._query(f"{select} WHERE embedding IS NOT NULL AND namespace=? ORDER BY id", (self.namespace,))
        else:
            rows = sorted(r for r in self._rows_by_id(select, sorted(set(ids))) if r[1] is not None)
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return [r[0] for r in rows], matrix.copy()

    def node_ids(self, kind: str) -> list[str]:
        return [
            r[0]
            for r in self._query(
                f"SELECT id FROM {self._table(kind)} WHERE embedding IS NOT NULL AND namespace=? ORDER BY id",
                (self.namespace,),
            )
        ]

    def graph_edges(self) -> GraphEdges:
        edges = GraphEdges([], [], [])
        queries = [
            f"SELECT m.unit_id, m.entity_id, {MENTION_WEIGHT} FROM mentions m JOIN entities e ON e.id = m.entity_id "
            "WHERE e.namespace = :ns",
            f"SELECT f.subject, f.object, {SUPPORT_WEIGHT} * COUNT(s.unit_id) FROM facts f "
            "JOIN supports s ON s.fact_id = f.id WHERE f.subject <> f.object AND f.namespace = :ns GROUP BY f.id",
            "SELECT s.source, s.target, s.score FROM synonyms s JOIN entities e ON e.id = s.source "
            "WHERE e.namespace = :ns",
            f"SELECT n.source, n.target, {NEXT_WEIGHT} FROM next_edges n JOIN episodes e ON e.id = n.source "
            "WHERE e.namespace = :ns",
        ]
        for sql in queries:
            for s, t, weight in self._query(sql, {"ns": self.namespace}):
                edges.sources.append(s)
                edges.targets.append(t)
                edges.weights.append(float(weight))
        return edges

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        return [Passage(*row) for row in self._rows_by_id(f"SELECT {_PASSAGE} FROM passages", ids)]

    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        return [Episode(*row) for row in self._rows_by_id(f"SELECT {_EPISODE} FROM episodes", ids)]

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        return [Fact(*row) for row in self._rows_by_id(f"SELECT {_FACT} FROM facts", ids)]

    def thought_sources(self, unit_ids: Sequence[str]) -> dict[str, list[str]]:
        return thoughts.thought_sources(self._query, self.namespace, unit_ids)

    # -- inspection and housekeeping ----------------------------------------------
    def document_hashes(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        if ids is not None:
            return {r[0]: r[1] for r in self._rows_by_id("SELECT id, content_hash FROM documents", list(ids))}
        return dict(self._query("SELECT id, content_hash FROM documents WHERE namespace=?", (self.namespace,)))

    def documents(self) -> list[DocumentInfo]:
        rows = self._query(
            "SELECT d.id, d.source, d.title, "
            "(SELECT COUNT(*) FROM passages p WHERE p.document_id=d.id), "
            "(SELECT COUNT(*) FROM episodes e WHERE e.document_id=d.id), d.content_hash, d.ingested_at "
            "FROM documents d WHERE d.namespace=? ORDER BY d.source, d.id",
            (self.namespace,),
        )
        return [DocumentInfo(*row) for row in rows]

    def stats(self) -> StoreStats:
        ns = {"ns": self.namespace}

        def count(sql: str) -> int:
            return int(self._query(sql, ns)[0][0])

        n_facts = count("SELECT COUNT(*) FROM facts WHERE namespace=:ns")
        edges = {
            "HAS_PASSAGE": count("SELECT COUNT(*) FROM passages WHERE namespace=:ns"),
            "HAS_EPISODE": count("SELECT COUNT(*) FROM episodes WHERE namespace=:ns"),
            "MENTIONS": count(
                "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id=m.entity_id WHERE e.namespace=:ns"
            ),
            "SUPPORTS": count("SELECT COUNT(*) FROM supports s JOIN facts f ON f.id=s.fact_id WHERE f.namespace=:ns"),
            "RELATES": n_facts,
            "SUBJECT": n_facts,
            "OBJECT": n_facts,
            "SYNONYM": count("SELECT COUNT(*) FROM synonyms s JOIN entities e ON e.id=s.source WHERE e.namespace=:ns"),
            "NEXT": count("SELECT COUNT(*) FROM next_edges n JOIN episodes e ON e.id=n.source WHERE e.namespace=:ns"),
            "SUPERSEDED_BY": count(
                "SELECT COUNT(*) FROM superseded s JOIN facts f ON f.id=s.old_fact WHERE f.namespace=:ns"
            ),
        }
        return StoreStats(
            documents=count("SELECT COUNT(*) FROM documents WHERE namespace=:ns"),
            passages=edges["HAS_PASSAGE"],
            episodes=edges["HAS_EPISODE"],
            entities=count("SELECT COUNT(*) FROM entities WHERE namespace=:ns"),
            facts=n_facts,
            edges=sum(edges.values()),
            edges_by_type=edges,
        )

    def document_units(self, document_id: str) -> list[Passage | Episode]:
        args = (document_id, self.namespace)
        passages = self._query(
            f"SELECT {_PASSAGE} FROM passages WHERE document_id=? AND +namespace=? ORDER BY position", args
        )
        episodes = self._query(
            f"SELECT {_EPISODE} FROM episodes WHERE document_id=? AND +namespace=? ORDER BY position", args
        )
        return [*(Passage(*row) for row in passages), *(Episode(*row) for row in episodes)]

    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {u: [] for u in unit_ids}
        fields = ", ".join(f"f.{c.strip()}" for c in _FACT.split(","))
        ids = list(unit_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._query(
                f"SELECT s.unit_id, {fields} FROM supports s JOIN facts f ON f.id = s.fact_id "
                f"WHERE +f.namespace=? AND s.unit_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY s.unit_id, f.subject, f.predicate, f.object",
                [self.namespace, *chunk],
            )
            for unit, *fact in rows:
                out[unit].append(Fact(*fact))
        return out

    def fact_units(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for fact, unit in self._query(
            "SELECT s.fact_id, s.unit_id FROM supports s JOIN facts f ON f.id=s.fact_id "
            "WHERE f.namespace=? ORDER BY s.fact_id, s.unit_id",
            (self.namespace,),
        ):
            out.setdefault(fact, []).append(unit)
        return out

    def export_document(self, document_id: str) -> DocumentBatch | None:
        return export_document(self._query, self._rows_by_id, self.namespace, document_id)

    def synonym_edges(self) -> list[SynonymEdge]:
        return [
            SynonymEdge(*row)
            for row in self._query(
                "SELECT s.source, s.target, s.score FROM synonyms s JOIN entities e ON e.id = s.source "
                "WHERE e.namespace=? ORDER BY s.source, s.target",
                (self.namespace,),
            )
        ]

    def namespaces(self) -> list[str]:
        return [r[0] for r in self._query("SELECT DISTINCT namespace FROM documents ORDER BY namespace")]

    def delete_namespace(self) -> int:
        return sum(self.delete_document(d.id) for d in self.documents())

    def close(self) -> None:
        self._conn.close()

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _table(kind: str) -> str:
        if kind not in VECTOR_KINDS:
            raise ConfigError(f"unknown node kind {kind!r}; expected one of {', '.join(VECTOR_KINDS)}")
        return _TABLE[kind]

    def _rows_by_id(self, select: str, ids: Sequence[str]) -> list[tuple]:
        """Rows of ``select`` (which has no WHERE) for ``ids`` in this namespace, in the order asked."""
        # ``+namespace``: without statistics SQLite may pick the (unselective) namespace index and
        # scan every row of the namespace instead of looking the ids up by primary key.
        found: dict[str, tuple] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"{select} WHERE +namespace=? AND id IN ({marks})", [self.namespace, *chunk]):
                found[row[0]] = row
        return [found[i] for i in ids if i in found]
