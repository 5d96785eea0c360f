"""The SQLite store's schema, its migrations, and the connection every namespace view shares."""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import numpy as np

from ..errors import StoreError, StoreUnavailable

SCHEMA_VERSION = 4
NODE_TABLES = ("documents", "passages", "episodes", "entities", "facts")
# Statements that bring a store from version N-1 to N.
MIGRATIONS = {
    2: ["ALTER TABLE passages ADD COLUMN source_id TEXT NOT NULL DEFAULT ''"],
    3: [
        *(f"ALTER TABLE {table} ADD COLUMN namespace TEXT NOT NULL DEFAULT 'default'" for table in NODE_TABLES),
        "ALTER TABLE passages ADD COLUMN occurred_at TEXT",
        "ALTER TABLE entities ADD COLUMN synonyms_pending INTEGER NOT NULL DEFAULT 0",
    ],
    4: [],  # thoughts: the cites table (created by SCHEMA below, like every table)
}

# The alias rule's read (``entities_named``): entities whose id is a first word followed by one
# or two more words with no digit, keyed by that first word. A partial index on expressions, so
# a store of a million "entity 123" ids answers "full names after 'entity'" without a scan; a
# query uses it only when it repeats these expressions exactly.
FIRST_WORD = "substr(id, 1, instr(id, ' ') - 1)"
FULL_NAME = (
    "instr(id, ' ') > 1 AND substr(id, instr(id, ' ')) NOT GLOB '*[0-9]*' "
    "AND substr(id, instr(id, ' ') + 1) NOT GLOB '* * *' AND embedding IS NOT NULL"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL,
    content_hash TEXT NOT NULL, ingested_at TEXT NOT NULL, metadata_json TEXT NOT NULL,
    namespace TEXT NOT NULL DEFAULT 'default');
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    text TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL, source_id TEXT NOT NULL,
    embedding BLOB, namespace TEXT NOT NULL DEFAULT 'default', occurred_at TEXT);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE TABLE IF NOT EXISTS episodes (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id),
    text TEXT NOT NULL, occurred_at TEXT, speaker TEXT NOT NULL, position INTEGER NOT NULL,
    source_id TEXT NOT NULL, embedding BLOB, namespace TEXT NOT NULL DEFAULT 'default');
CREATE INDEX IF NOT EXISTS episodes_document ON episodes(document_id);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, embedding BLOB,
    namespace TEXT NOT NULL DEFAULT 'default', synonyms_pending INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS facts (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL,
    text TEXT NOT NULL, valid_from TEXT, invalid_at TEXT, created_at TEXT NOT NULL, embedding BLOB,
    namespace TEXT NOT NULL DEFAULT 'default');
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
CREATE TABLE IF NOT EXISTS cites (
    thought_id TEXT NOT NULL, unit_id TEXT NOT NULL, PRIMARY KEY (thought_id, unit_id));
CREATE INDEX IF NOT EXISTS cites_unit ON cites(unit_id);
CREATE TABLE IF NOT EXISTS change_log (
    generation INTEGER PRIMARY KEY, namespace TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_namespace ON documents(namespace);
CREATE INDEX IF NOT EXISTS passages_namespace ON passages(namespace);
CREATE INDEX IF NOT EXISTS episodes_namespace ON episodes(namespace);
CREATE INDEX IF NOT EXISTS entities_namespace ON entities(namespace, synonyms_pending);
CREATE INDEX IF NOT EXISTS facts_namespace ON facts(namespace);
CREATE INDEX IF NOT EXISTS entities_full_name ON entities(namespace, FIRST_WORD, id) WHERE FULL_NAME;
""".replace("FIRST_WORD", FIRST_WORD).replace("FULL_NAME", FULL_NAME)


def blob(vector: np.ndarray | None) -> bytes | None:
    """A vector as the float32 bytes the store keeps."""
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


def vector(data: bytes | None) -> np.ndarray | None:
    """The float32 vector ``blob`` stored (None for none)."""
    return None if data is None else np.frombuffer(data, dtype=np.float32).copy()


def read_only(path: str) -> bool:
    """Whether an existing store file, or the folder its journals go to, cannot be written."""
    file = Path(path)
    try:
        if not file.is_file():
            return False
    except OSError:  # a name too long, a path through a file: not a permission problem
        return False
    try:
        with open(file, "r+b"):
            pass
        fd, probe = tempfile.mkstemp(dir=file.parent, prefix=".hippograph-write-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    return False


class Connection:
    """One SQLite connection (WAL) shared by every namespace view of a store file.

    A lock serializes its use across threads; ``transaction()`` is ``BEGIN IMMEDIATE``, so a
    second process waits for the writer (up to ``timeout`` seconds) instead of failing.
    """

    def __init__(self, path: str, timeout: float = 30.0):
        self.path = path
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(
                    f"cannot open SQLite store {path}: cannot create its folder ({exc.strerror or exc})"
                ) from exc
        self.lock = threading.RLock()
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=timeout)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            if read_only(path):
                raise StoreError(
                    f"SQLite store {path} is read-only ({exc}): make the file and its folder "
                    "writable, or copy the store somewhere writable"
                ) from exc
            if "locked" in str(exc) or "unable to open" in str(exc):
                raise StoreUnavailable(f"cannot open SQLite store {path}: {exc}") from exc
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(
                    f"SQLite store {path} is read-only ({exc}): make the file and its folder "
                    "writable, or copy the store somewhere writable"
                ) from exc
            if "disk is full" in str(exc) or "disk I/O" in str(exc):
                raise StoreError(f"cannot open SQLite store {path}: {exc}: free disk space") from exc
            raise StoreError(f"{path} is not a usable hippograph SQLite store: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a hippograph SQLite store: {exc}") from exc

    def transaction(self) -> Transaction:
        return Transaction(self)

    def query(self, sql: str, params: object = ()) -> list[tuple]:
        with self.lock:
            try:
                return self.db.execute(sql, params).fetchall()  # type: ignore[arg-type]
            except sqlite3.OperationalError as exc:  # locked past the timeout, I/O error, unreadable file
                raise StoreError(f"could not read {self.path}: {exc}") from exc

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def _migrate(self) -> None:
        with self.transaction() as db:
            exists = db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
            version = (
                int(db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]) if exists else None
            )
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {version}, newer than this hippograph "
                    f"({SCHEMA_VERSION}): upgrade hippograph"
                )
            if version is not None:
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[target]:
                        table = statement.split()[2]  # "ALTER TABLE <name> ..."; absent tables are created whole
                        if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone():
                            db.execute(statement)
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            if version is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta VALUES ('generation', '0')")
            else:
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))


class Transaction:
    """``with connection.transaction() as db:`` commits on success and rolls back on any error."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.lock.acquire()
        try:
            self.connection.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.connection.lock.release()
            raise
        return self.connection.db

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        db = self.connection.db
        try:
            if exc_type is None:
                try:
                    db.execute("COMMIT")
                except sqlite3.Error:  # e.g. the disk filled up at commit: leave no transaction open
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            elif db.in_transaction:
                db.execute("ROLLBACK")
        finally:
            self.connection.lock.release()
