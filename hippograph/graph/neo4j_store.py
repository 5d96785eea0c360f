"""``Neo4jStore``: the GraphStore contract on Neo4j 5 (or any Bolt server speaking its Cypher).

Every statement is parameterized; a document is one managed write transaction, retried on
transient errors by the driver, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

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
from . import cypher as q
from .store import VECTOR_KINDS, GraphStore, StoreError

_LABEL = {"passage": "Passage", "episode": "Episode", "entity": "Entity", "fact": "Fact"}


def _vector(v: np.ndarray | None) -> list[float] | None:
    return None if v is None else [float(x) for x in np.asarray(v, dtype=np.float32)]


class Neo4jStore(GraphStore):
    """A ``GraphStore`` in a Neo4j database reached over Bolt."""

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, database: str | None = None,
                 **driver_config):
        """``driver_config`` goes to ``neo4j.GraphDatabase.driver`` (e.g. ``max_transaction_retry_time``)."""
        import neo4j

        self.uri = uri
        self.database = database
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=(user, password or ""), **driver_config)
            self._driver.verify_connectivity()
            self.agent = self._driver.get_server_info().agent
        except Exception as exc:  # never echo the password: the message names URI and user only
            raise StoreError(f"cannot connect to {uri} as {user!r}: {type(exc).__name__}: {exc}. "
                             "Check NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE") from exc
        self._ensure_schema()

    @classmethod
    def from_uri(cls, uri: str) -> "Neo4jStore":
        """Credentials from NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE."""
        return cls(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD"),
                   os.environ.get("NEO4J_DATABASE") or None)

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r})"

    # -- plumbing ------------------------------------------------------------------
    def _read(self, query: str, **params) -> list:
        records, _, _ = self._driver.execute_query(query, params, database_=self.database, routing_="r")
        return records

    def _write(self, work: Callable) -> object:
        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _ensure_schema(self) -> None:
        for statement in q.CONSTRAINTS:
            self._driver.execute_query(statement, database_=self.database)
        self._write(lambda tx: tx.run(q.INIT_META).consume())

    def ensure_vector_indexes(self, dimensions: int) -> bool:
        """Create Neo4j vector indexes on embeddings (for Browser/GDS users; retrieval does not
        need them). Servers that reject Neo4j's vector-index DDL are skipped; returns success."""
        if "arcadedb" in (self.agent or "").lower():
            return False  # ArcadeDB creates vector indexes in its own SQL, not in Cypher
        for label in _LABEL.values():
            self._driver.execute_query(q.vector_index(label, dimensions), database_=self.database)
        return True

    # -- writing -------------------------------------------------------------------
    def write_document(self, batch: DocumentBatch) -> None:
        try:
            self._write(lambda tx: self._write_tx(tx, batch))
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"could not write document {batch.document.id} ({batch.document.source}): "
                             f"{type(exc).__name__}: {exc}") from exc

    def _write_tx(self, tx, batch: DocumentBatch) -> None:
        for query, params in self._document_statements(tx, batch):
            # An UNWIND over an empty list does nothing: save the round trip.
            if any(isinstance(v, list) and not v for v in params.values()):
                continue
            tx.run(query, params).consume()

    def _document_statements(self, tx, batch: DocumentBatch):
        """The statements of one document write, in order (run inside one transaction)."""
        doc = batch.document
        touched = tx.run(q.TOUCHED_BY_DOCUMENT, {"doc": doc.id}).single()
        if touched["exists"]:
            yield q.REMOVE_UNITS, {"doc": doc.id}
            yield q.REMOVE_DOCUMENT_NODE, {"doc": doc.id}
        yield q.CREATE_DOCUMENT, {"row": {
            "id": doc.id, "source": doc.source, "title": doc.title, "content_hash": doc.content_hash,
            "ingested_at": doc.ingested_at, "metadata_json": doc.metadata_json}}
        yield q.CREATE_PASSAGES, {"doc": doc.id, "rows": [
            {"id": p.id, "document_id": doc.id, "text": p.text, "title": p.title, "position": p.position,
             "source_id": p.source_id, "embedding": _vector(p.embedding)} for p in batch.passages]}
        yield q.CREATE_EPISODES, {"doc": doc.id, "rows": [
            {"id": e.id, "document_id": doc.id, "text": e.text, "occurred_at": e.occurred_at, "speaker": e.speaker,
             "position": e.position, "source_id": e.source_id, "embedding": _vector(e.embedding)}
            for e in batch.episodes]}
        ordered = sorted(batch.episodes, key=lambda e: e.position)
        yield q.CREATE_NEXT, {"rows": [{"a": a.id, "b": b.id} for a, b in zip(ordered, ordered[1:])]}
        yield q.MERGE_ENTITIES, {"rows": [
            {"id": e.id, "name": e.name, "type": e.type, "embedding": _vector(e.embedding)} for e in batch.entities]}
        yield q.MERGE_FACTS, {"rows": [
            {"id": f.id, "subject": f.subject, "predicate": f.predicate, "object": f.object, "text": f.text,
             "valid_from": f.valid_from, "invalid_at": f.invalid_at, "created_at": f.created_at,
             "embedding": _vector(f.embedding)} for f in batch.facts]}
        unit_kind = {p.id: "Passage" for p in batch.passages} | {e.id: "Episode" for e in batch.episodes}
        for label in ("Passage", "Episode"):
            yield q.create_mentions(label), {"rows": [
                {"unit": m.unit_id, "entity": m.entity_id, "count": m.count}
                for m in batch.mentions if unit_kind.get(m.unit_id) == label]}
            yield q.create_supports(label), {"rows": [
                {"unit": s.unit_id, "fact": s.fact_id} for s in batch.supports if unit_kind.get(s.unit_id) == label]}
        entity_ids = {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {
            f.object for f in batch.facts}
        missing = tx.run(q.missing_ids("Entity"), {"ids": sorted(entity_ids)}).single()["missing"]
        fact_ids = sorted({s.fact_id for s in batch.supports})
        missing += tx.run(q.missing_ids("Fact"), {"ids": fact_ids}).single()["missing"]
        if missing:
            raise StoreError(f"could not write document {doc.id} ({doc.source}): edges point at unknown nodes "
                             f"{sorted(missing)[:5]}")
        yield q.SET_RELATES_WEIGHTS, {"facts": [f.id for f in batch.facts]}
        if touched["units"]:
            yield from self._orphan_statements(touched["facts"], touched["entities"])
        if batch.supersessions:
            yield q.SUPERSEDE, {"rows": [{"old": s.old_fact_id, "new": s.new_fact_id, "at": s.at or ""}
                                         for s in batch.supersessions]}
        yield q.BUMP_GENERATION, {}

    @staticmethod
    def _orphan_statements(facts: list[str], entities: list[str]):
        facts = sorted(set(facts))
        entities = sorted({e for e in entities if e is not None})
        yield q.REMOVE_ORPHAN_RELATES, {"facts": facts}
        yield q.REMOVE_ORPHAN_FACTS, {"facts": facts}
        yield q.RESTORE_VALIDITY, {}
        yield q.SET_RELATES_WEIGHTS, {"facts": facts}
        yield q.REMOVE_ORPHAN_ENTITIES, {"entities": entities}

    def delete_document(self, document_id: str) -> bool:
        def work(tx) -> bool:
            touched = tx.run(q.TOUCHED_BY_DOCUMENT, {"doc": document_id}).single()
            if not touched["exists"]:
                return False
            tx.run(q.REMOVE_UNITS, {"doc": document_id}).consume()
            tx.run(q.REMOVE_DOCUMENT_NODE, {"doc": document_id}).consume()
            for query, params in self._orphan_statements(touched["facts"], touched["entities"]):
                tx.run(query, params).consume()
            tx.run(q.BUMP_GENERATION).consume()
            return True

        return bool(self._write(work))

    def add_synonyms(self, edges: Sequence[SynonymEdge]) -> int:
        rows = [{"a": min(e.source, e.target), "b": max(e.source, e.target), "score": float(e.score)}
                for e in edges if e.source != e.target]
        if not rows:
            return 0

        def work(tx) -> int:
            added = 0
            for i in range(0, len(rows), 1000):
                added += tx.run(q.MERGE_SYNONYMS, {"rows": rows[i : i + 1000]}).single()["added"]
            if added:
                tx.run(q.BUMP_GENERATION).consume()
            return added

        return int(self._write(work))

    # -- reading -------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
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

    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        return {r["id"] for r in self._read(q.existing_ids(_LABEL[kind]), ids=ids)}

    def vectors(self, kind: str, ids: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        if kind not in VECTOR_KINDS:
            raise ValueError(f"unknown vector kind {kind!r}; expected one of {VECTOR_KINDS}")
        if ids is None:
            records = self._read(q.vectors(_LABEL[kind]))
        else:
            records = self._read(q.vectors_of(_LABEL[kind]), ids=sorted(set(ids)))
        if not records:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [r["id"] for r in records], np.asarray([r["embedding"] for r in records], dtype=np.float32)

    def node_ids(self, kind: str) -> list[str]:
        if kind not in VECTOR_KINDS:
            raise ValueError(f"unknown vector kind {kind!r}; expected one of {VECTOR_KINDS}")
        return [r["id"] for r in self._read(q.node_ids(_LABEL[kind]))]

    def graph_edges(self) -> GraphEdges:
        edges = GraphEdges([], [], [])
        for query in q.GRAPH_EDGE_QUERIES:
            for r in self._read(query):
                edges.sources.append(r["s"])
                edges.targets.append(r["t"])
                edges.weights.append(float(r["w"]))
        return edges

    def passages(self, ids: Sequence[str]) -> list[Passage]:
        found = {r["id"]: Passage(r["id"], r["document_id"], r["text"], r["title"], r["position"],
                                         r["source_id"] or "")
                 for r in self._read(q.PASSAGES, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        found = {r["id"]: Episode(r["id"], r["document_id"], r["text"], r["occurred_at"], r["speaker"],
                                  r["position"], r["source_id"])
                 for r in self._read(q.EPISODES, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    @staticmethod
    def _fact(r) -> Fact:
        return Fact(r["id"], r["subject"], r["predicate"], r["object"], r["text"], r["valid_from"],
                    r["invalid_at"], r["created_at"])

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        found = {r["id"]: self._fact(r) for r in self._read(q.FACTS, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    def document_units(self, document_id: str) -> list[Passage | Episode]:
        passages = [Passage(r["id"], r["document_id"], r["text"], r["title"], r["position"], r["source_id"] or "")
                    for r in self._read(q.DOCUMENT_PASSAGES, doc=document_id)]
        episodes = [Episode(r["id"], r["document_id"], r["text"], r["occurred_at"], r["speaker"], r["position"],
                            r["source_id"]) for r in self._read(q.DOCUMENT_EPISODES, doc=document_id)]
        return passages + episodes

    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {u: [] for u in unit_ids}
        for label in ("Passage", "Episode"):
            for r in self._read(q.unit_facts(label), ids=list(unit_ids)):
                out[r["unit"]].append(self._fact(r))
        return out

    def facts_about(self, subject_id: str) -> list[Fact]:
        return [self._fact(r) for r in self._read(q.FACTS_ABOUT, subject=subject_id)]

    def fact_units(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._read(q.FACT_UNITS):
            out.setdefault(r["fact"], []).append(r["unit"])
        return out

    def generation(self) -> int:
        records = self._read(q.GENERATION)
        return int(records[0]["g"]) if records else 0

    def close(self) -> None:
        self._driver.close()
