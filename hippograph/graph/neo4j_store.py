"""``Neo4jStore``: the GraphStore contract on Neo4j 5 (or any Bolt server speaking its Cypher).

Every statement is parameterized; a document is one managed write transaction, retried on
transient errors by the driver, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import numpy as np

from ..errors import ConfigError, StoreError, StoreUnavailable
from ..ids import DEFAULT_NAMESPACE, check_namespace
from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, DocumentBatch, SynonymEdge
from . import cypher as q
from . import neo4j_batch as wb
from . import neo4j_writes as w
from .neo4j_reads import LABEL, Neo4jReads
from .store import GraphStore, Supersede
from .synonyms import synonym_groups

__all__ = ["Neo4jStore"]

_LABEL = {"passage": "Passage", "episode": "Episode", "entity": "Entity", "fact": "Fact"}
_EDGE_WEIGHT = {
    "mention": MENTION_WEIGHT,
    "mention_episode": MENTION_WEIGHT,
    "support": SUPPORT_WEIGHT,
    "synonym": 1.0,
    "next": NEXT_WEIGHT,
}
CHANGE_LOG_KEEP = 10_000  # generations of change log kept; a reader further behind reloads
_CONSTRAINT_RETRIES = 3
# Fail fast when the server is gone: the caller (the ingest writer) retries up to its own deadline,
# so the driver's own retries must stay short. Transient errors (deadlocks) still get seconds.
_DRIVER_DEFAULTS = {
    "connection_timeout": 5.0,
    "max_transaction_retry_time": 5.0,
    "connection_acquisition_timeout": 10.0,
}


def _array(values: list[float] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=np.float32)


class Neo4jStore(Neo4jReads, GraphStore):
    """A ``GraphStore`` in a Neo4j database reached over Bolt; one namespace per object."""

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str | None = None,
        database: str | None = None,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        _driver: Any = None,
        **driver_config: Any,
    ):
        """``driver_config`` goes to ``neo4j.GraphDatabase.driver`` (e.g. ``max_transaction_retry_time``)."""
        import neo4j

        self.uri = uri
        self.database = database
        self.namespace = check_namespace(namespace)
        self._user = user
        if _driver is not None:
            self._driver = _driver
            return
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri, auth=(user, password or ""), **(_DRIVER_DEFAULTS | driver_config)
            )
            self._driver.verify_connectivity()
        except Exception as exc:  # never echo the password: the message names URI and user only
            raise StoreUnavailable(
                f"cannot connect to {uri} as {user!r}: {type(exc).__name__}: {exc}. "
                "Check the server and NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE"
            ) from exc
        self._ensure_schema()

    @classmethod
    def from_uri(cls, uri: str, namespace: str = DEFAULT_NAMESPACE) -> Neo4jStore:
        """Credentials from ``bolt://user:password@host`` or else NEO4J_USER, NEO4J_PASSWORD; the
        database from NEO4J_DATABASE. The password never appears in ``uri`` or in a message."""
        parts = urlsplit(uri)
        try:
            _ = parts.port  # raises on a malformed port
        except ValueError as exc:  # 'bolt://host:abc': say which URI, never its password
            from .open import redact_uri

            raise ConfigError(f"store URI {redact_uri(uri)!r}: {exc}; use bolt://host:7687") from None
        user = unquote(parts.username) if parts.username else os.environ.get("NEO4J_USER", "neo4j")
        password = unquote(parts.password) if parts.password is not None else os.environ.get("NEO4J_PASSWORD")
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port:
            netloc += f":{parts.port}"
        bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        return cls(bare, user, password, os.environ.get("NEO4J_DATABASE") or None, namespace)

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, namespace={self.namespace!r})"

    @property
    def agent(self) -> str:
        return str(self._driver.get_server_info().agent)

    def in_namespace(self, namespace: str) -> Neo4jStore:
        return Neo4jStore(self.uri, self._user, None, self.database, namespace, _driver=self._driver)

    # -- plumbing ------------------------------------------------------------------
    def _read(self, query: str, **params: Any) -> list:
        records, _, _ = self._driver.execute_query(
            query, {"namespace": self.namespace, **params}, database_=self.database, routing_="r"
        )
        return list(records)

    def _write(self, what: str, work: Callable[[Any, ChangeRecord], Any]) -> Any:
        """Run ``work(tx, change)`` in one managed transaction that also logs the change."""

        def tx_work(tx: Any) -> Any:
            change = ChangeRecord()
            result = work(tx, change)
            if not change.empty:
                generation = tx.run(
                    q.LOG_CHANGE, {"namespace": self.namespace, "payload": json.dumps(change.as_payload())}
                ).single()["g"]
                if generation % 100 == 0:  # prune now and then, not on every write
                    tx.run(q.PRUNE_CHANGE_LOG, {"floor": generation - CHANGE_LOG_KEEP}).consume()
            return result

        import neo4j.exceptions as ne

        try:
            for attempt in range(_CONSTRAINT_RETRIES + 1):
                try:
                    with self._driver.session(database=self.database) as session:
                        return session.execute_write(tx_work)
                except ne.ConstraintError:
                    # Two writers MERGE-creating the same new node: the loser's commit breaks the
                    # unique constraint (Neo4j would have made it wait). Run it again: it matches now.
                    if attempt == _CONSTRAINT_RETRIES:
                        raise
                    time.sleep(0.05 * 2**attempt)
            raise AssertionError("unreachable")
        except StoreError:
            raise
        except (ne.ServiceUnavailable, ne.SessionExpired, ConnectionError, OSError) as exc:
            raise StoreUnavailable(f"cannot reach {self.uri} to {what}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise StoreError(f"could not {what} in {self.uri}: {type(exc).__name__}: {exc}") from exc

    def _ensure_schema(self) -> None:
        for statement in q.CONSTRAINTS:
            self._driver.execute_query(statement, database_=self.database)
        self._driver.execute_query(q.INIT_META, database_=self.database)
        records, _, _ = self._driver.execute_query(q.SCHEMA_VERSION_OF_STORE, database_=self.database)
        version = int(records[0]["v"] or 1) if records else q.SCHEMA_VERSION
        if version > q.SCHEMA_VERSION:
            raise StoreError(
                f"{self.uri} holds hippograph schema version {version}, newer than this hippograph "
                f"({q.SCHEMA_VERSION}): upgrade hippograph"
            )
        if version < 2:  # namespaces: everything stored so far is in "default"
            for label in q.NAMESPACED_LABELS:
                while self._driver.execute_query(q.default_namespace_batch(label), database_=self.database)[0][0]["n"]:
                    pass
        if version < q.SCHEMA_VERSION:
            self._driver.execute_query(q.SET_SCHEMA_VERSION, {"version": q.SCHEMA_VERSION}, database_=self.database)

    def ensure_vector_indexes(self, dimensions: int) -> bool:
        """Create Neo4j vector indexes on embeddings (for Browser/GDS users; retrieval does not
        need them). Servers that reject Neo4j's vector-index DDL are skipped; returns success."""
        if "arcadedb" in self.agent.lower():
            return False  # ArcadeDB creates vector indexes in its own SQL, not in Cypher
        for label in LABEL.values():
            self._driver.execute_query(q.vector_index(label, dimensions), database_=self.database)
        return True

    def write_synonym_groups(self) -> dict[str, list[str]]:
        """Store each entity's synonym group (connected component of SYNONYM edges) as
        ``synonym_group`` (the group's smallest entity id) and ``synonym_group_size``, for Browser
        queries (docs/neo4j.md); retrieval does not read them, so no change is logged. Entities
        that left every group lose the properties. Returns representative -> members."""
        groups = synonym_groups([(e.source, e.target) for e in self.synonym_edges()])
        rows = [{"id": e, "group": g, "size": len(members)} for g, members in groups.items() for e in members]

        def work(tx: Any, change: ChangeRecord) -> None:
            tx.run(q.CLEAR_SYNONYM_GROUPS, {"namespace": self.namespace, "keep": [r["id"] for r in rows]}).consume()
            for i in range(0, len(rows), 1000):
                tx.run(q.SET_SYNONYM_GROUPS, {"namespace": self.namespace, "rows": rows[i : i + 1000]}).consume()

        self._write("write synonym groups", work)
        return groups

    # -- writing -------------------------------------------------------------------
    def write_document(self, batch: DocumentBatch, supersede: Supersede | None = None) -> None:
        error = wb.write_documents(self, [batch], supersede)[0]
        if error is not None:
            raise error

    def write_documents(
        self, batches: Sequence[DocumentBatch], supersede: Supersede | None = None
    ) -> list[StoreError | None]:
        """``neo4j_batch.GROUP_SIZE`` documents to a transaction (one UNWIND per statement for the
        whole group, stored versions replaced in it); a group that fails is written again one
        document at a time: a bad document is refused alone, every document all-or-nothing."""
        return wb.write_documents(self, batches, supersede)

    def delete_document(self, document_id: str) -> bool:
        return bool(
            self._write(
                f"delete document {document_id}",
                lambda tx, change: w.delete_document(tx, self.namespace, document_id, change),
            )
        )

    def add_synonyms(self, edges: Sequence[SynonymEdge], resolved: Iterable[str] = ()) -> int:
        resolved = sorted(set(resolved))
        if not edges and not resolved:
            return 0
        return int(
            self._write(
                "add synonym edges", lambda tx, change: w.add_synonyms(tx, self.namespace, edges, resolved, change)
            )
        )

    def delete_namespace(self) -> int:
        return sum(self.delete_document(d.id) for d in self.documents())

    def close(self) -> None:
        self._driver.close()
