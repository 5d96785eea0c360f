"""Neo4j writes of many documents per transaction (one UNWIND per statement for the whole group),
and the in-transaction reads supersession rules make after locking the subjects they read."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from ..errors import StoreError, StoreUnavailable
from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, DocumentBatch, Fact
from . import cypher as q
from .neo4j_writes import _vector, supersede
from .store import Supersede

_LABEL = {"passage": "Passage", "episode": "Episode", "entity": "Entity", "fact": "Fact"}
GROUP_SIZE = 64  # new documents written per transaction by ``write_documents``


def fact_of(r: Any) -> Fact:
    return Fact(
        r["id"], r["subject"], r["predicate"], r["object"], r["text"], r["valid_from"], r["invalid_at"], r["created_at"]
    )


class TxFactReader:
    """Fact reads through an open transaction (they see its own writes and wait on its locks)."""

    def __init__(self, tx: Any, namespace: str):
        self.tx = tx
        self.namespace = namespace

    def facts_about(self, subject_id: str) -> list[Fact]:
        return [fact_of(r) for r in self.tx.run(q.FACTS_ABOUT, {"subject": subject_id, "namespace": self.namespace})]

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        found = {r["id"]: fact_of(r) for r in self.tx.run(q.FACTS, {"ids": list(ids), "namespace": self.namespace})}
        return [found[i] for i in ids if i in found]

    def node_ids(self, kind: str) -> list[str]:
        return [r["id"] for r in self.tx.run(q.node_ids(_LABEL[kind]), {"namespace": self.namespace})]


def lock_and_supersede(tx: Any, namespace: str, batches: Sequence[DocumentBatch], rule, change: ChangeRecord) -> None:
    """Lock the subject entities of the batches' facts (a SET on each, in id order, so a concurrent
    writer of the same subject waits and writers never deadlock), then let ``rule`` decide each batch's
    supersessions against what the store holds now, and apply them."""
    subjects = sorted({f.subject for b in batches for f in b.facts})
    if subjects:
        tx.run(q.LOCK_ENTITIES, {"ids": subjects, "namespace": namespace}).consume()
    reader = TxFactReader(tx, namespace)
    for batch in batches:
        batch.supersessions = rule(batch, reader)
        supersede(tx, namespace, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)


def existing_documents(tx: Any, namespace: str, ids: list[str]) -> set[str]:
    return {r["id"] for r in tx.run(q.existing_ids("Document"), {"ids": ids, "namespace": namespace})}


def write_new_documents(tx: Any, namespace: str, batches: Sequence[DocumentBatch], change: ChangeRecord) -> None:
    """Write documents the store does not hold yet, all in this transaction, with one statement per
    kind of record for the whole group (rows from every document)."""
    ns = {"namespace": namespace}
    rows: dict[str, list[dict]] = {k: [] for k in ("passages", "episodes", "next")}
    entities: dict[str, dict] = {}
    facts: dict[str, dict] = {}
    mentions: dict[str, list[dict]] = {"Passage": [], "Episode": []}
    supports: dict[str, list[dict]] = {"Passage": [], "Episode": []}
    for batch in batches:
        doc = batch.document
        # Each unit row carries its document's row: the document node is created with its first unit.
        node = {
            "id": doc.id,
            "source": doc.source,
            "title": doc.title,
            "content_hash": doc.content_hash,
            "ingested_at": doc.ingested_at,
            "metadata_json": doc.metadata_json,
            "namespace": namespace,
        }
        rows["passages"] += [
            {
                "doc": node,
                "unit": {
                    "id": p.id,
                    "document_id": doc.id,
                    "text": p.text,
                    "title": p.title,
                    "position": p.position,
                    "source_id": p.source_id,
                    "occurred_at": p.occurred_at,
                    "embedding": _vector(p.embedding),
                    "namespace": namespace,
                },
            }
            for p in batch.passages
        ]
        rows["episodes"] += [
            {
                "doc": node,
                "unit": {
                    "id": e.id,
                    "document_id": doc.id,
                    "text": e.text,
                    "occurred_at": e.occurred_at,
                    "speaker": e.speaker,
                    "position": e.position,
                    "source_id": e.source_id,
                    "embedding": _vector(e.embedding),
                    "namespace": namespace,
                },
            }
            for e in batch.episodes
        ]
        ordered = sorted(batch.episodes, key=lambda e: e.position)
        rows["next"] += [{"a": a.id, "b": b.id} for a, b in pairwise(ordered)]
        # The first document (in order) carrying a node decides its name and vector, as when
        # the documents are written one by one.
        for e in batch.entities:
            entities.setdefault(e.id, {"id": e.id, "name": e.name, "type": e.type, "embedding": _vector(e.embedding)})
        for f in batch.facts:
            facts.setdefault(
                f.id,
                {
                    "id": f.id,
                    "subject": f.subject,
                    "predicate": f.predicate,
                    "object": f.object,
                    "text": f.text,
                    "valid_from": f.valid_from,
                    "invalid_at": f.invalid_at,
                    "created_at": f.created_at,
                    "embedding": _vector(f.embedding),
                },
            )
        unit_kind = {p.id: "Passage" for p in batch.passages} | {e.id: "Episode" for e in batch.episodes}
        for m in batch.mentions:
            if m.unit_id in unit_kind:
                mentions[unit_kind[m.unit_id]].append({"unit": m.unit_id, "entity": m.entity_id, "count": m.count})
        for s in batch.supports:
            if s.unit_id in unit_kind:
                supports[unit_kind[s.unit_id]].append({"unit": s.unit_id, "fact": s.fact_id})
    new_entities = set(_missing(tx, "Entity", sorted(entities), ns))
    new_facts = set(_missing(tx, "Fact", sorted(facts), ns))
    statements = [
        (q.NEW_UNITS["Passage"], rows["passages"]),
        (q.NEW_UNITS["Episode"], rows["episodes"]),
        (q.CREATE_NEXT, rows["next"]),
        (q.MERGE_ENTITIES, list(entities.values())),
        (q.MERGE_FACTS, list(facts.values())),
    ]
    for label in ("Passage", "Episode"):
        statements += [(q.create_mentions(label), mentions[label]), (q.create_supports(label), supports[label])]
    for query, statement_rows in statements:
        if statement_rows:  # an UNWIND over nothing does nothing: save the round trip
            tx.run(query, {"rows": statement_rows, **ns}).consume()
    referenced = sorted(
        {m.entity_id for b in batches for m in b.mentions}
        | {f[k] for f in facts.values() for k in ("subject", "object")}
    )
    missing = _missing(tx, "Entity", referenced, ns)
    missing += _missing(tx, "Fact", sorted({s.fact_id for b in batches for s in b.supports}), ns)
    if missing:
        raise StoreError(
            f"could not write {len(batches)} documents: edges point at unknown nodes "
            f"(or nodes of another namespace) {sorted(missing)[:5]}"
        )
    if facts:
        tx.run(q.SET_RELATES_WEIGHTS, {"facts": sorted(facts)}).consume()
    change.upsert("passage", (r["unit"]["id"] for r in rows["passages"]))
    change.upsert("episode", (r["unit"]["id"] for r in rows["episodes"]))
    change.upsert("entity", new_entities)
    change.upsert("fact", new_facts)
    for row in rows["next"]:
        change.edge(row["a"], row["b"], NEXT_WEIGHT)
    for batch in batches:
        for m in batch.mentions:
            change.edge(m.unit_id, m.entity_id, MENTION_WEIGHT)
        ends = {f.id: (f.subject, f.object) for f in batch.facts}
        for s in batch.supports:
            subject, obj = ends.get(s.fact_id, (None, None))
            if subject is not None and subject != obj:
                change.edge(subject, obj, SUPPORT_WEIGHT)  # type: ignore[arg-type]


def _missing(tx: Any, label: str, ids: list[str], ns: dict) -> list[str]:
    if not ids:
        return []
    return list(tx.run(q.missing_ids(label), {"ids": ids, **ns}).single()["missing"])


def write_group(
    tx: Any, namespace: str, group: Sequence[DocumentBatch], rule: Supersede | None, change: ChangeRecord
) -> set[str]:
    """Write the group's new documents in ``tx``; returns the ids of those that replace a stored
    version (left to one-by-one writes, which remove the old version first)."""
    # Thoughts (documents with citations) are written one by one, like replacements.
    replacing = existing_documents(tx, namespace, [b.document.id for b in group])
    replacing |= {b.document.id for b in group if b.citations}
    new = [b for b in group if b.document.id not in replacing]
    if new:
        write_new_documents(tx, namespace, new, change)
        if rule is None:
            for batch in new:
                supersede(tx, namespace, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)
        else:
            lock_and_supersede(tx, namespace, new, rule, change)
    return replacing


def write_documents(store: Any, batches: Sequence[DocumentBatch], rule: Supersede | None) -> list[StoreError | None]:
    """``Neo4jStore.write_documents``: groups of new documents in one transaction each, the rest
    (replacements, and the documents of a group that failed) one by one."""
    outcome: dict[str, StoreError | None] = {}
    for start in range(0, len(batches), GROUP_SIZE):
        group = list(batches[start : start + GROUP_SIZE])
        try:
            replacing = store._write(
                f"write {len(group)} documents",
                lambda tx, change, g=group: write_group(tx, store.namespace, g, rule, change),
            )
        except StoreUnavailable:
            raise
        except StoreError:
            replacing = {b.document.id for b in group}  # find the bad document: one by one
        for batch in group:
            outcome[batch.document.id] = _write_one(store, batch, rule) if batch.document.id in replacing else None
    return [outcome[b.document.id] for b in batches]


def _write_one(store: Any, batch: DocumentBatch, rule: Supersede | None) -> StoreError | None:
    try:
        store.write_document(batch, rule)
        return None
    except StoreUnavailable:
        raise
    except StoreError as exc:
        return exc
