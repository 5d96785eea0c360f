"""The Neo4j store's reads (query path, inspection, export) as a mixin: every method goes through
``_read`` (an auto-commit read routed to a reader) in the object's namespace."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..records import (
    MENTION_WEIGHT,
    NEXT_WEIGHT,
    SUPPORT_WEIGHT,
    ChangeSet,
    Citation,
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
from .store import VECTOR_KINDS

LABEL = {"passage": "Passage", "episode": "Episode", "entity": "Entity", "fact": "Fact"}
_EDGE_WEIGHT = {
    "mention": MENTION_WEIGHT,
    "mention_episode": MENTION_WEIGHT,
    "support": SUPPORT_WEIGHT,
    "synonym": 1.0,
    "next": NEXT_WEIGHT,
}


def _array(values: list[float] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=np.float32)


def fact_of(r: Any) -> Fact:
    """A ``Fact`` from a row of ``cypher.FACTS``-shaped columns."""
    return Fact(
        r["id"], r["subject"], r["predicate"], r["object"], r["text"], r["valid_from"], r["invalid_at"], r["created_at"]
    )


def entities_named_by(read: Callable[..., Iterable[Any]], first_words: Iterable[str]) -> dict[str, set[str]]:
    """First word -> the stored entity ids an alias rule can pair with it (``StoreWriter.entities_named``),
    through ``read(query, **params)``: a read transaction or the write transaction's own reads."""
    words = sorted(set(first_words))
    if not words:
        return {}
    exact = {r["id"] for r in read(q.ENTITIES_NAMED, words=words)}
    longer = [r["id"] for r in read(q.ENTITIES_NAMED_PREFIX, prefixes=[w + " " for w in words])]
    return {w: {w} & exact | {i for i in longer if i.startswith(w + " ")} for w in words}


class Neo4jReads:
    """The reading half of ``Neo4jStore`` (it supplies ``namespace`` and ``_read``)."""

    namespace: str

    if TYPE_CHECKING:  # supplied by Neo4jStore, which runs the query in a read transaction

        def _read(self, query: str, **params: Any) -> list: ...

    def pending_synonym_entities(self) -> list[str]:
        return [r["id"] for r in self._read(q.PENDING_SYNONYMS)]

    def existing_ids(self, kind: str, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        return {r["id"] for r in self._read(q.existing_ids(self._label(kind)), ids=ids)}

    def facts_about(self, subject_id: str) -> list[Fact]:
        return [fact_of(r) for r in self._read(q.FACTS_ABOUT, subject=subject_id)]

    def facts_with_object(self, object_id: str) -> list[Fact]:
        return [fact_of(r) for r in self._read(q.FACTS_WITH_OBJECT, object=object_id)]

    def entities_named(self, first_words: Sequence[str]) -> list[str]:
        named = entities_named_by(self._read, first_words)
        return sorted(set().union(*named.values()))

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
        found = {
            r["id"]: Passage(
                r["id"], r["document_id"], r["text"], r["title"], r["position"], r["source_id"] or "", r["occurred_at"]
            )
            for r in self._read(q.PASSAGES, ids=list(ids))
        }
        return [found[i] for i in ids if i in found]

    def episodes(self, ids: Sequence[str]) -> list[Episode]:
        found = {r["id"]: self._episode(r) for r in self._read(q.EPISODES, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    def thought_sources(self, unit_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._read(q.THOUGHT_SOURCES, ids=sorted(set(unit_ids))):
            out.setdefault(r["thought"], []).append(r["unit"])
        return out

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        found = {r["id"]: fact_of(r) for r in self._read(q.FACTS, ids=list(ids))}
        return [found[i] for i in ids if i in found]

    # -- inspection and housekeeping ----------------------------------------------------
    def document_hashes(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        if ids is not None:
            return {r["id"]: r["hash"] for r in self._read(q.DOCUMENT_HASHES_OF, ids=list(ids))}
        return {r["id"]: r["hash"] for r in self._read(q.DOCUMENT_HASHES)}

    def documents(self) -> list[DocumentInfo]:
        return [
            DocumentInfo(r["id"], r["source"], r["title"], r["passages"], r["episodes"], r["hash"], r["ingested_at"])
            for r in self._read(q.DOCUMENTS)
        ]

    def stats(self) -> StoreStats:
        nodes = {
            label: self._read(q.count_nodes(label))[0]["n"]
            for label in ("Document", "Passage", "Episode", "Entity", "Fact")
        }
        edges = {t: self._read(q.count_relationships(t))[0]["n"] for t in q.RELATIONSHIP_TYPES}
        return StoreStats(
            nodes["Document"],
            nodes["Passage"],
            nodes["Episode"],
            nodes["Entity"],
            nodes["Fact"],
            sum(edges.values()),
            edges,
        )

    def document_units(self, document_id: str) -> list[Passage | Episode]:
        passages = [
            Passage(
                r["id"], r["document_id"], r["text"], r["title"], r["position"], r["source_id"] or "", r["occurred_at"]
            )
            for r in self._read(q.DOCUMENT_PASSAGES, doc=document_id)
        ]
        episodes = [self._episode(r) for r in self._read(q.DOCUMENT_EPISODES, doc=document_id)]
        return [*passages, *episodes]

    def unit_facts(self, unit_ids: Sequence[str]) -> dict[str, list[Fact]]:
        out: dict[str, list[Fact]] = {u: [] for u in unit_ids}
        for label in ("Passage", "Episode"):
            for r in self._read(q.unit_facts(label), ids=list(unit_ids)):
                out[r["unit"]].append(fact_of(r))
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
        batch = DocumentBatch(
            Document(
                r["id"], r["source"], r["title"], r["content_hash"], r["ingested_at"] or "", r["metadata_json"] or "{}"
            )
        )
        batch.passages = [
            Passage(
                r["id"],
                r["document_id"],
                r["text"],
                r["title"],
                r["position"],
                r["source_id"] or "",
                r["occurred_at"],
                _array(r["embedding"]),
            )
            for r in self._read(q.EXPORT_PASSAGES, doc=document_id)
        ]
        batch.episodes = [
            Episode(
                r["id"],
                r["document_id"],
                r["text"],
                r["occurred_at"],
                r["speaker"],
                r["position"],
                r["source_id"] or "",
                _array(r["embedding"]),
            )
            for r in self._read(q.EXPORT_EPISODES, doc=document_id)
        ]
        batch.mentions = [
            Mention(r["unit"], r["entity"], int(r["count"] or 1))
            for r in self._read(q.EXPORT_MENTIONS, doc=document_id)
        ]
        batch.supports = [Support(r["unit"], r["fact"]) for r in self._read(q.EXPORT_SUPPORTS, doc=document_id)]
        batch.citations = [Citation(r["thought"], r["unit"]) for r in self._read(q.EXPORT_CITES, doc=document_id)]
        fact_ids = sorted({s.fact_id for s in batch.supports})
        batch.facts = [
            replace(fact_of(r), embedding=_array(r["embedding"])) for r in self._read(q.EXPORT_FACTS, ids=fact_ids)
        ]
        entity_ids = sorted(
            {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {f.object for f in batch.facts}
        )
        batch.entities = [
            Entity(r["id"], r["name"], r["type"] or "", _array(r["embedding"]))
            for r in self._read(q.EXPORT_ENTITIES, ids=entity_ids)
        ]
        # The store keeps an unknown supersession time as "": hand it back as unknown (None).
        batch.supersessions = [
            Supersession(r["old"], r["new"], r["at"] or None) for r in self._read(q.EXPORT_SUPERSESSIONS, ids=fact_ids)
        ]
        return batch

    def synonym_edges(self) -> list[SynonymEdge]:
        return [SynonymEdge(r["a"], r["b"], float(r["score"])) for r in self._read(q.SYNONYM_EDGES)]

    def namespaces(self) -> list[str]:
        return [r["namespace"] for r in self._read(q.NAMESPACES)]

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _label(kind: str) -> str:
        if kind not in VECTOR_KINDS:
            raise ConfigError(f"unknown node kind {kind!r}; expected one of {', '.join(VECTOR_KINDS)}")
        return LABEL[kind]

    @staticmethod
    def _episode(r: Any) -> Episode:
        return Episode(
            r["id"], r["document_id"], r["text"], r["occurred_at"], r["speaker"], r["position"], r["source_id"]
        )
