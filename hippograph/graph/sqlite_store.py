"""The embedded default store: SQLite (stdlib), WAL, one transaction per document."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

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
from .store import VECTOR_KINDS, GraphStore, StoreError

SCHEMA_VERSION = 2
# Statements that bring a store from version N-1 to N.
_MIGRATIONS = {
    2: ["ALTER TABLE passages ADD COLUMN source_id TEXT NOT NULL DEFAULT ''"],
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL,
    content_hash TEXT NOT NULL, ingested_at TEXT NOT NULL, metadata_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    text TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL, source_id TEXT NOT NULL,
    embedding BLOB);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE TABLE IF NOT EXISTS episodes (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    text TEXT NOT NULL, occurred_at TEXT, speaker TEXT NOT NULL, position INTEGER NOT NULL,
    source_id TEXT NOT NULL, embedding BLOB);
CREATE INDEX IF NOT EXISTS episodes_document ON episodes(document_id);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, embedding BLOB);
CREATE TABLE IF NOT EXISTS facts (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL,
    text TEXT NOT NULL, valid_from TEXT, invalid_at TEXT, created_at TEXT NOT NULL, embedding BLOB);
CREATE INDEX IF NOT EXISTS facts_subject ON facts(subject);
CREATE INDEX IF NOT EXISTS facts_object ON facts(object);
CREATE TABLE IF NOT EXISTS mentions (
    unit_id TEXT NOT NULL, entity_id TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (unit_id, entity_id));
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions(entity_id);
CREATE TABLE IF NOT EXISTS supports (
    unit_id TEXT NOT NULL, fact_id TEXT NOT NULL, PRIMARY KEY (unit_id, fact_id));
CREATE INDEX IF NOT EXISTS supports_fact ON supports(fact_id);
CREATE TABLE IF NOT EXISTS synonyms (
    source TEXT NOT NULL, target TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (source, target));
CREATE INDEX IF NOT EXISTS synonyms_target ON synonyms(target);
CREATE TABLE IF NOT EXISTS next_edges (
    source TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (source, target));
CREATE TABLE IF NOT EXISTS superseded (
    old_fact TEXT NOT NULL, new_fact TEXT NOT NULL, at TEXT, PRIMARY KEY (old_fact, new_fact));
"""

_TABLE = {"passage": "passages", "episode": "episodes", "entity": "entities", "fact": "facts"}


def _blob(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


class SQLiteStore(GraphStore):
    """A ``GraphStore`` in one SQLite file. Safe to re-open; the schema is versioned."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.uri = f"sqlite:///{self.path}"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            # A served flow and a CLI may write at once: wait for the other writer, don't fail.
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a hippograph SQLite store: {exc}") from exc

    def _migrate(self) -> None:
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
            version = int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]) \
                if exists else None
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this hippograph "
                    f"({SCHEMA_VERSION}): upgrade hippograph"
                )
            for target in range(version + 1 if version else SCHEMA_VERSION + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target]:
                    db.execute(statement)
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            if version is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta VALUES ('generation', '0')")
            else:
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    # -- transactions ------------------------------------------------------------
    class _Tx:
        def __init__(self, store: "SQLiteStore"):
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            self.store._lock.acquire()
            self.store._db.execute("BEGIN IMMEDIATE")
            return self.store._db

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                if exc_type is None:
                    self.store._db.execute("COMMIT")
                else:
                    self.store._db.execute("ROLLBACK")
            finally:
                self.store._lock.release()

    def _tx(self) -> "_Tx":
        return SQLiteStore._Tx(self)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- writing -----------------------------------------------------------------
    def write_document(self, batch: DocumentBatch) -> None:
        doc = batch.document
        try:
            with self._tx() as db:
                # Old version's units go first; orphan cleanup runs after the new version is
                # in, so entities and facts both versions share are kept (with their vectors).
                replaced = self._remove_units(db, doc.id)
                db.execute(
                    "INSERT INTO documents VALUES (?,?,?,?,?,?)",
                    (doc.id, doc.source, doc.title, doc.content_hash, doc.ingested_at, doc.metadata_json),
                )
                db.executemany(
                    "INSERT INTO passages (id, document_id, text, title, position, source_id, embedding) "
                    "VALUES (?,?,?,?,?,?,?)",
                    [(p.id, doc.id, p.text, p.title, p.position, p.source_id, _blob(p.embedding))
                     for p in batch.passages],
                )
                db.executemany(
                    "INSERT INTO episodes VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (e.id, doc.id, e.text, e.occurred_at, e.speaker, e.position, e.source_id, _blob(e.embedding))
                        for e in batch.episodes
                    ],
                )
                ordered = sorted(batch.episodes, key=lambda e: e.position)
                db.executemany(
                    "INSERT OR IGNORE INTO next_edges VALUES (?,?)",
                    [(a.id, b.id) for a, b in zip(ordered, ordered[1:])],
                )
                db.executemany(
                    "INSERT OR IGNORE INTO entities VALUES (?,?,?,?)",
                    [(e.id, e.name, e.type, _blob(e.embedding)) for e in batch.entities],
                )
                db.executemany(
                    "INSERT OR IGNORE INTO facts VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        (f.id, f.subject, f.predicate, f.object, f.text, f.valid_from, f.invalid_at,
                         f.created_at, _blob(f.embedding))
                        for f in batch.facts
                    ],
                )
                db.executemany(
                    "INSERT INTO mentions VALUES (?,?,?)",
                    [(m.unit_id, m.entity_id, m.count) for m in batch.mentions],
                )
                db.executemany("INSERT INTO supports VALUES (?,?)", [(s.unit_id, s.fact_id) for s in batch.supports])
                self._check_references(db, batch)
                if replaced:
                    self._remove_orphans(db)
                self._supersede(db, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions])
                self._bump(db)
        except sqlite3.Error as exc:
            raise StoreError(f"could not write document {doc.id} ({doc.source}): {exc}") from exc

    def _check_references(self, db: sqlite3.Connection, batch: DocumentBatch) -> None:
        # Mentions, supports and facts must point at nodes that exist; a dangling edge
        # would corrupt the graph, so the whole document is refused.
        entity_ids = {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {
            f.object for f in batch.facts
        }
        missing = entity_ids - self._existing(db, "entities", entity_ids)
        fact_ids = {s.fact_id for s in batch.supports}
        missing |= fact_ids - self._existing(db, "facts", fact_ids)
        if missing:
            raise sqlite3.IntegrityError(f"edges point at unknown nodes: {sorted(missing)[:5]}")

    @staticmethod
    def _existing(db: sqlite3.Connection, table: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in db.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk))
        return found

    def delete_document(self, document_id: str) -> bool:
        with self._tx() as db:
            deleted = self._remove_units(db, document_id)
            if deleted:
                self._remove_orphans(db)
                self._bump(db)
            return deleted

    def _remove_units(self, db: sqlite3.Connection, document_id: str) -> bool:
        """Remove a document, its units and their edges; remember what they touched."""
        if db.execute("SELECT 1 FROM documents WHERE id=?", (document_id,)).fetchone() is None:
            return False
        units = "(SELECT id FROM passages WHERE document_id=:d UNION SELECT id FROM episodes WHERE document_id=:d)"
        params = {"d": document_id}
        db.execute("CREATE TEMP TABLE IF NOT EXISTS touched_facts (id TEXT PRIMARY KEY)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS touched_entities (id TEXT PRIMARY KEY)")
        db.execute("DELETE FROM touched_facts")
        db.execute("DELETE FROM touched_entities")
        db.execute(f"INSERT OR IGNORE INTO touched_facts SELECT fact_id FROM supports WHERE unit_id IN {units}", params)
        db.execute(
            f"INSERT OR IGNORE INTO touched_entities SELECT entity_id FROM mentions WHERE unit_id IN {units}", params
        )
        db.execute(
            "INSERT OR IGNORE INTO touched_entities "
            "SELECT subject FROM facts WHERE id IN (SELECT id FROM touched_facts)"
            " UNION SELECT object FROM facts WHERE id IN (SELECT id FROM touched_facts)"
        )
        db.execute(f"DELETE FROM supports WHERE unit_id IN {units}", params)
        db.execute(f"DELETE FROM mentions WHERE unit_id IN {units}", params)
        db.execute(
            "DELETE FROM next_edges WHERE source IN (SELECT id FROM episodes WHERE document_id=:d)"
            " OR target IN (SELECT id FROM episodes WHERE document_id=:d)",
            params,
        )
        db.execute("DELETE FROM passages WHERE document_id=:d", params)
        db.execute("DELETE FROM episodes WHERE document_id=:d", params)
        db.execute("DELETE FROM documents WHERE id=:d", params)
        return True

    @staticmethod
    def _remove_orphans(db: sqlite3.Connection) -> None:
        """Drop touched facts no unit supports and touched entities nothing refers to."""
        # Facts no unit supports any more go, with their history links.
        orphan_facts = "(SELECT id FROM touched_facts WHERE id NOT IN (SELECT fact_id FROM supports))"
        db.execute(f"DELETE FROM superseded WHERE old_fact IN {orphan_facts} OR new_fact IN {orphan_facts}")
        db.execute(
            "UPDATE facts SET invalid_at = NULL WHERE invalid_at IS NOT NULL AND id NOT IN "
            "(SELECT old_fact FROM superseded)"
        )
        db.execute(f"DELETE FROM facts WHERE id IN {orphan_facts}")
        # Entities neither mentioned nor part of a remaining fact go, with their synonyms.
        orphan_entities = (
            "(SELECT id FROM touched_entities WHERE id NOT IN (SELECT entity_id FROM mentions)"
            " AND id NOT IN (SELECT subject FROM facts) AND id NOT IN (SELECT object FROM facts))"
        )
        db.execute(f"DELETE FROM synonyms WHERE source IN {orphan_entities} OR target IN {orphan_entities}")
        db.execute(f"DELETE FROM entities WHERE id IN {orphan_entities}")

    def add_synonyms(self, edges: Sequence[SynonymEdge]) -> int:
        rows = [(min(e.source, e.target), max(e.source, e.target), float(e.score))
                for e in edges if e.source != e.target]
        with self._tx() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO synonyms VALUES (?,?,?)", rows)
            added = db.total_changes - before
            if added:
                self._bump(db)
            return added

    @staticmethod
    def _supersede(db: sqlite3.Connection, supersessions: Sequence[tuple[str, str, str | None]]) -> None:
        for old, new, at in supersessions:
            db.execute("INSERT OR IGNORE INTO superseded VALUES (?,?,?)", (old, new, at))
            db.execute("UPDATE facts SET invalid_at=? WHERE id=? AND invalid_at IS NULL", (at or "", old))

    # -- reading -----------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        return dict(self._query("SELECT id, content_hash FROM documents"))

    def documents(self) -> list[DocumentInfo]:
        rows = self._query(
            "SELECT d.id, d.source, d.title, "
            "(SELECT COUNT(*) FROM passages p WHERE p.document_id=d.id), "
            "(SELECT COUNT(*) FROM episodes e WHERE e.document_id=d.id), d.content_hash, d.ingested_at "
            "FROM documents d ORDER BY d.source, d.id"
        )
        return [DocumentInfo(*row) for row in rows]

    def stats(self) -> StoreStats:
        def count(sql: str) -> int:
            return int(self._query(sql)[0][0])

        n_facts = count("SELECT COUNT(*) FROM facts")
        edges = {
            "HAS_PASSAGE": count("SELECT COUNT(*) FROM passages"),
            "HAS_EPISODE": count("SELECT COUNT(*) FROM episodes"),
            "MENTIONS": count("SELECT COUNT(*) FROM mentions"),
            "SUPPORTS": count("SELECT COUNT(*) FROM supports"),
            "RELATES": n_facts,
            "SUBJECT": n_facts,
            "OBJECT": n_facts,
            "SYNONYM": count("SELECT COUNT(*) FROM synonyms"),
            "NEXT": count("SELECT COUNT(*) FROM next_edges"),
            "SUPERSEDED_BY": count("SELECT COUNT(*) FROM superseded"),
        }
        return StoreStats(
            documents=count("SELECT COUNT(*) FROM documents"),
            passages=edges["HAS_PASSAGE"],
            episodes=edges["HAS_EPISODE"],
            entities=count("SELECT COUNT(*) FROM entities"),
            facts=n_facts,
            edges=sum(edges.values()),
            edges_by_type=edges,
        )

    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        with self._lock:
            return self._existing(self._db, _TABLE[kind], ids)

    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        if kind not in VECTOR_KINDS:
            raise ValueError(f"unknown vector kind {kind!r}; expected one of {VECTOR_KINDS}")
        select = f"SELECT id, embedding FROM {_TABLE[kind]}"
        if ids is None:
            rows = self._query(f"{select} WHERE embedding IS NOT NULL ORDER BY id")
        else:
            rows = sorted(r for r in self._rows_by_id(select, sorted(set(ids))) if r[1] is not None)
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return ids, matrix.copy()

    def node_ids(self, kind: str) -> list[str]:
        if kind not in VECTOR_KINDS:
            raise ValueError(f"unknown vector kind {kind!r}; expected one of {VECTOR_KINDS}")
        return [r[0] for r in self._query(f"SELECT id FROM {_TABLE[kind]} WHERE embedding IS NOT NULL ORDER BY id")]

    def graph_edges(self) -> GraphEdges:
        sources: list[str] = []
        targets: list[str] = []
        weights: list[float] = []
        queries = [
            "SELECT unit_id, entity_id, 1.0 FROM mentions",
            "SELECT f.subject, f.object, COUNT(s.unit_id) FROM facts f JOIN supports s ON s.fact_id=f.id "
            "WHERE f.subject <> f.object GROUP BY f.id",
            "SELECT source, target, score FROM synonyms",
            "SELECT source, target, 1.0 FROM next_edges",
        ]
        for sql in queries:
            for s, t, w in self._query(sql):
                sources.append(s)
                targets.append(t)
                weights.append(float(w))
        return GraphEdges(sources, targets, weights)

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        rows = self._rows_by_id("SELECT id, document_id, text, title, position, source_id FROM passages", ids)
        return [Passage(*row) for row in rows]

    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        rows = self._rows_by_id(
            "SELECT id, document_id, text, occurred_at, speaker, position, source_id FROM episodes", ids
        )
        return [Episode(*row) for row in rows]

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        rows = self._rows_by_id(
            "SELECT id, subject, predicate, object, text, valid_from, invalid_at, created_at FROM facts", ids
        )
        return [Fact(*row) for row in rows]

    def document_units(self, document_id: str) -> list[Passage | Episode]:
        passages = self._query("SELECT id, document_id, text, title, position, source_id FROM passages "
                               "WHERE document_id=? ORDER BY position", (document_id,))
        episodes = self._query("SELECT id, document_id, text, occurred_at, speaker, position, source_id "
                               "FROM episodes WHERE document_id=? ORDER BY position", (document_id,))
        return [Passage(*row) for row in passages] + [Episode(*row) for row in episodes]

    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {u: [] for u in unit_ids}
        ids = list(unit_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self._query(
                "SELECT s.unit_id, f.id, f.subject, f.predicate, f.object, f.text, f.valid_from, f.invalid_at, "
                f"f.created_at FROM supports s JOIN facts f ON f.id = s.fact_id WHERE s.unit_id IN "
                f"({','.join('?' * len(chunk))}) ORDER BY s.unit_id, f.subject, f.predicate, f.object", chunk)
            for unit, *fact in rows:
                out[unit].append(Fact(*fact))
        return out

    def facts_about(self, subject_id: str) -> list[Fact]:
        rows = self._query(
            "SELECT id, subject, predicate, object, text, valid_from, invalid_at, created_at FROM facts "
            "WHERE subject=? ORDER BY valid_from, created_at",
            (subject_id,),
        )
        return [Fact(*row) for row in rows]

    def _rows_by_id(self, select: str, ids: Sequence[str]) -> list[tuple]:
        found: dict[str, tuple] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"{select} WHERE id IN ({marks})", chunk):
                found[row[0]] = row
        return [found[i] for i in ids if i in found]

    def fact_units(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for fact, unit in self._query("SELECT fact_id, unit_id FROM supports ORDER BY fact_id, unit_id"):
            out.setdefault(fact, []).append(unit)
        return out

    def generation(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key='generation'")[0][0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
