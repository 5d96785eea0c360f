"""``Neo4jStore``: the GraphStore contract on Neo4j 5 (or any Bolt server speaking its Cypher).

Every statement is parameterized; a document is one managed write transaction, retried on
transient errors by the driver, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import numpy as np

from ..errors import ConfigError, StoreError, StoreUnavailable
from ..ids import DEFAULT_NAMESPACE, check_namespace
from ..records import (
    MENTION_WEIGHT,
    NEXT_WEIGHT,
    SUPPORT_WEIGHT,
    ChangeRecord,
    ChangeSet,
    Document,
    DocumentBatch,
    DocumentInfo,
    Entity,
    Episode,
    Fact,
    GraphEdges,
    Mention,
    Passage,
    StoreStats,
    Supersession,
    Support,
    SynonymEdge,
)
from . import cypher as q
from . import neo4j_batch as wb
from . import neo4j_writes as w
from .store import VECTOR_KINDS, GraphStore, Supersede
from .synonyms import synonym_groups

__all__ = ["Neo4jStore"]

_LABEL = {"passage": "Passage", "episode": "Episode", "entity": "Entity", "fact": "Fact"}
_EDGE_WEIGHT = {"mention": MENTION_WEIGHT, "mention_episode": MENTION_WEIGHT, "support": SUPPORT_WEIGHT,
                "synonym": 1.0, "next": NEXT_WEIGHT}
CHANGE_LOG_KEEP = 10_000  # generations of change log kept; a reader further behind reloads
_CONSTRAINT_RETRIES = 3
# Fail fast when the server is gone: the caller (the ingest writer) retries up to its own deadline,
# so the driver's own retries must stay short. Transient errors (deadlocks) still get seconds.
_DRIVER_DEFAULTS = {"connection_timeout": 5.0, "max_transaction_retry_time": 5.0,
                    "connection_acquisition_timeout": 10.0}


def _array(values: list[float] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=np.float32)


class Neo4jStore(GraphStore):
    """A ``GraphStore`` in a Neo4j database reached over Bolt; one namespace per object."""

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, database: str | None = None,
                 namespace: str = DEFAULT_NAMESPACE, *, _driver: Any = None, **driver_config: Any):
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
            self._driver = neo4j.GraphDatabase.driver(uri, auth=(user, password or ""),
                                                      **(_DRIVER_DEFAULTS | driver_config))
            self._driver.verify_connectivity()
        except Exception as exc:  # never echo the password: the message names URI and user only
            raise StoreUnavailable(f"cannot connect to {uri} as {user!r}: {type(exc).__name__}: {exc}. "
                                   "Check the server and NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE") from exc
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
        records, _, _ = self._driver.execute_query(query, {"namespace": self.namespace, **params},
                                                   database_=self.database, routing_="r")
        return list(records)

    def _write(self, what: str, work: Callable[[Any, ChangeRecord], Any]) -> Any:
        """Run ``work(tx, change)`` in one managed transaction that also logs the change."""
        def tx_work(tx: Any) -> Any:
            change = ChangeRecord()
            result = work(tx, change)
            if not change.empty:
                generation = tx.run(q.LOG_CHANGE, {"namespace": self.namespace,
                                                   "payload": json.dumps(change.as_payload())}).single()["g"]
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
                    time.sleep(0.05 * 2 ** attempt)
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
            raise StoreError(f"{self.uri} holds hippograph schema version {version}, newer than this hippograph "
                             f"({q.SCHEMA_VERSION}): upgrade hippograph")
        if version < 2:  # namespaces: everything stored so far is in "default"
            for label in q.NAMESPACED_LABELS:
                while self._driver.execute_query(q.default_namespace_batch(label),
                                                 database_=self.database)[0][0]["n"]:
                    pass
        if version < q.SCHEMA_VERSION:
            self._driver.execute_query(q.SET_SCHEMA_VERSION, {"version": q.SCHEMA_VERSION}, database_=self.database)

    def ensure_vector_indexes(self, dimensions: int) -> bool:
        """Create Neo4j vector indexes on embeddings (for Browser/GDS users; retrieval does not
        need them). Servers that reject Neo4j's vector-index DDL are skipped; returns success."""
        if "arcadedb" in self.agent.lower():
            return False  # ArcadeDB creates vector indexes in its own SQL, not in Cypher
        for label in _LABEL.values():
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
        doc = batch.document

        def work(tx: Any, change: ChangeRecord) -> None:
            if supersede is None:
                w.write_document(tx, self.namespace, batch, change)
                return
            given, batch.supersessions = batch.supersessions, []
            try:
                w.write_document(tx, self.namespace, batch, change)
            finally:
                batch.supersessions = given
            wb.lock_and_supersede(tx, self.namespace, [batch], supersede, change)

        self._write(f"write document {doc.id} ({doc.source})", work)

    def write_documents(self, batches: Sequence[DocumentBatch],
                        supersede: Supersede | None = None) -> list[StoreError | None]:
        """New documents go ``neo4j_batch.GROUP_SIZE`` to a transaction (one UNWIND per statement
        for the whole group); a group that fails, and documents replacing a stored version, are
        written one by one: a bad document is refused alone, every document all-or-nothing."""
        return wb.write_documents(self, batches, supersede)

    def delete_document(self, document_id: str) -> bool:
        return bool(self._write(f"delete document {document_id}",
                                lambda tx, change: w.delete_document(tx, self.namespace, document_id, change)))

    def add_synonyms(self, edges: Sequence[SynonymEdge], resolved: Iterable[str] = ()) -> int:
        resolved = sorted(set(resolved))
        if not edges and not resolved:
            return 0
        return int(self._write("add synonym edges",
                               lambda tx, change: w.add_synonyms(tx, self.namespace, edges, resolved, change)))

    def pending_synonym_entities(self) -> list[str]:
        return [r["id"] for r in self._read(q.PENDING_SYNONYMS)]

    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        return {r["id"] for r in self._read(q.existing_ids(self._label(kind)), ids=ids)}

    def facts_about(self, subject_id: str) -> list[Fact]:
        return [self._fact(r) for r in self._read(q.FACTS_ABOUT, subject=subject_id)]

    # -- reading (the query path) ----------------------------------------------------
    def generation(self) -> int:
        records = self._read(q.GENERATION)
        return int(records[0]["g"]) if records else 0

    def changes_since(self, generation: int) -> ChangeSet | None:
        current = self.generation()
        changes = ChangeSet(since=generation, generation=current)
        if generation >= current:
            return changes
        oldest = self._read(q.OLDEST_CHANGE)
        if not oldest or oldest[0]["g"] is None or oldest[0]["g"] > generation + 1:
            return None
        for r in self._read(q.CHANGES_SINCE, since=generation, until=current):
            changes.merge(json.loads(r["payload"]))
        return changes

    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        label = self._label(kind)
        if ids is None:
            records = self._read(q.vectors(label))
        else:
            records = self._read(q.vectors_of(label), ids=sorted(set(ids)))
        if not records:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [r["id"] for r in records], np.asarray([r["embedding"] for r in records], dtype=np.float32)

    def node_ids(self, kind: str) -> list[str]:
        return [r["id"] for r in self._read(q.node_ids(self._label(kind)))]

    def graph_edges(self) -> GraphEdges:
        edges = GraphEdges([], [], [])
        for kind, query in q.GRAPH_EDGE_QUERIES.items():
            for r in self._read(query):
                edges.sources.append(r["s"])
                edges.targets.append(r["t"])
                edges.weights.append(_EDGE_WEIGHT[kind] * float(r["n"]))
        return edges

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        found = {r["id"]: Passage(r["id"], r["document_id"], r["text"], r["title"], r["position"],
                                  r["source_id"] or "", r["occurred_at"])
                 for r in self._read(q.PASSAGES, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        found = {r["id"]: self._episode(r) for r in self._read(q.EPISODES, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        found = {r["id"]: self._fact(r) for r in self._read(q.FACTS, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    # -- inspection and housekeeping ----------------------------------------------------
    def document_hashes(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        if ids is not None:
            return {r["id"]: r["hash"] for r in self._read(q.DOCUMENT_HASHES_OF, ids=list(ids))}
        return {r["id"]: r["hash"] for r in self._read(q.DOCUMENT_HASHES)}

    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo(r["id"], r["source"], r["title"], r["passages"], r["episodes"], r["hash"],
                             r["ingested_at"]) for r in self._read(q.DOCUMENTS)]

    def stats(self) -> StoreStats:
        nodes = {label: self._read(q.count_nodes(label))[0]["n"]
                 for label in ("Document", "Passage", "Episode", "Entity", "Fact")}
        edges = {t: self._read(q.count_relationships(t))[0]["n"] for t in q.RELATIONSHIP_TYPES}
        return StoreStats(nodes["Document"], nodes["Passage"], nodes["Episode"], nodes["Entity"], nodes["Fact"],
                          sum(edges.values()), edges)

    def document_units(self, document_id: str) -> list[Passage | Episode]:
        passages = [Passage(r["id"], r["document_id"], r["text"], r["title"], r["position"], r["source_id"] or "",
                            r["occurred_at"]) for r in self._read(q.DOCUMENT_PASSAGES, doc=document_id)]
        episodes = [self._episode(r) for r in self._read(q.DOCUMENT_EPISODES, doc=document_id)]
        return [*passages, *episodes]

    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {u: [] for u in unit_ids}
        for label in ("Passage", "Episode"):
            for r in self._read(q.unit_facts(label), ids=list(unit_ids)):
                out[r["unit"]].append(self._fact(r))
        return out

    def fact_units(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._read(q.FACT_UNITS):
            out.setdefault(r["fact"], []).append(r["unit"])
        return out

    def export_document(self, document_id: str) -> DocumentBatch | None:
        found = self._read(q.EXPORT_DOCUMENT, doc=document_id)
        if not found:
            return None
        r = found[0]
        batch = DocumentBatch(Document(r["id"], r["source"], r["title"], r["content_hash"], r["ingested_at"] or "",
                                       r["metadata_json"] or "{}"))
        batch.passages = [Passage(r["id"], r["document_id"], r["text"], r["title"], r["position"], r["source_id"] or "",
                                  r["occurred_at"], _array(r["embedding"]))
                          for r in self._read(q.EXPORT_PASSAGES, doc=document_id)]
        batch.episodes = [Episode(r["id"], r["document_id"], r["text"], r["occurred_at"], r["speaker"], r["position"],
                                  r["source_id"] or "", _array(r["embedding"]))
                          for r in self._read(q.EXPORT_EPISODES, doc=document_id)]
        batch.mentions = [Mention(r["unit"], r["entity"], int(r["count"] or 1))
                          for r in self._read(q.EXPORT_MENTIONS, doc=document_id)]
        batch.supports = [Support(r["unit"], r["fact"]) for r in self._read(q.EXPORT_SUPPORTS, doc=document_id)]
        fact_ids = sorted({s.fact_id for s in batch.supports})
        batch.facts = [replace(self._fact(r), embedding=_array(r["embedding"]))
                       for r in self._read(q.EXPORT_FACTS, ids=fact_ids)]
        entity_ids = sorted({m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts}
                            | {f.object for f in batch.facts})
        batch.entities = [Entity(r["id"], r["name"], r["type"] or "", _array(r["embedding"]))
                          for r in self._read(q.EXPORT_ENTITIES, ids=entity_ids)]
        # The store keeps an unknown supersession time as "": hand it back as unknown (None).
        batch.supersessions = [Supersession(r["old"], r["new"], r["at"] or None)
                               for r in self._read(q.EXPORT_SUPERSESSIONS, ids=fact_ids)]
        return batch

    def synonym_edges(self) -> list[SynonymEdge]:
        return [SynonymEdge(r["a"], r["b"], float(r["score"])) for r in self._read(q.SYNONYM_EDGES)]

    def namespaces(self) -> list[str]:
        return [r["namespace"] for r in self._read(q.NAMESPACES)]

    def delete_namespace(self) -> int:
        return sum(self.delete_document(d.id) for d in self.documents())

    def close(self) -> None:
        self._driver.close()

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _label(kind: str) -> str:
        if kind not in VECTOR_KINDS:
            raise ConfigError(f"unknown node kind {kind!r}; expected one of {', '.join(VECTOR_KINDS)}")
        return _LABEL[kind]

    @staticmethod
    def _fact(r: Any) -> Fact:
        return Fact(r["id"], r["subject"], r["predicate"], r["object"], r["text"], r["valid_from"],
                    r["invalid_at"], r["created_at"])

    @staticmethod
    def _episode(r: Any) -> Episode:
        return Episode(r["id"], r["document_id"], r["text"], r["occurred_at"], r["speaker"], r["position"],
                       r["source_id"])
