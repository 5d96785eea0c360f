"""The Neo4j store's write transactions; each records its change for the change feed.

Functions take an open managed transaction (``tx``), the namespace, and a ``ChangeRecord``;
the store logs the record as a ``ChangeLog`` node in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import StoreError
from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, DocumentBatch, SynonymEdge
from . import cypher as q
from .cypher import mechanisms as qm


def _vector(v: np.ndarray | None) -> list[float] | None:
    return None if v is None else [float(x) for x in np.asarray(v, dtype=np.float32)]


def _run(tx: Any, query: str, **params: Any) -> Any:
    return tx.run(query, params)


def _ids(tx: Any, query: str, **params: Any) -> list[str]:
    record = _run(tx, query, **params).single()
    return list(record["ids"]) if record else []


def write_document(tx: Any, namespace: str, batch: DocumentBatch, change: ChangeRecord) -> None:
    """Replace the document's older version (if any) by ``batch``."""
    doc = batch.document
    ns = {"namespace": namespace}
    touched = _run(tx, q.TOUCHED_BY_DOCUMENT, doc=doc.id, **ns).single()
    if touched["exists"]:
        _remove_units(tx, namespace, doc.id, change)
    _run(
        tx,
        q.CREATE_DOCUMENT,
        row={
            "id": doc.id,
            "source": doc.source,
            "title": doc.title,
            "content_hash": doc.content_hash,
            "ingested_at": doc.ingested_at,
            "metadata_json": doc.metadata_json,
            "namespace": namespace,
        },
    ).consume()
    statements: list[tuple[str, dict[str, Any]]] = [
        (
            q.CREATE_PASSAGES,
            {
                "doc": doc.id,
                "rows": [
                    {
                        "id": p.id,
                        "document_id": doc.id,
                        "text": p.text,
                        "title": p.title,
                        "position": p.position,
                        "source_id": p.source_id,
                        "occurred_at": p.occurred_at,
                        "embedding": _vector(p.embedding),
                        "namespace": namespace,
                    }
                    for p in batch.passages
                ],
            },
        ),
        (
            q.CREATE_EPISODES,
            {
                "doc": doc.id,
                "rows": [
                    {
                        "id": e.id,
                        "document_id": doc.id,
                        "text": e.text,
                        "occurred_at": e.occurred_at,
                        "speaker": e.speaker,
                        "position": e.position,
                        "source_id": e.source_id,
                        "embedding": _vector(e.embedding),
                        "namespace": namespace,
                    }
                    for e in batch.episodes
                ],
            },
        ),
    ]
    ordered = sorted(batch.episodes, key=lambda e: e.position)
    next_rows = [{"a": a.id, "b": b.id} for a, b in zip(ordered, ordered[1:])]
    statements.append((q.CREATE_NEXT, {"rows": next_rows}))
    entity_ids = sorted({e.id for e in batch.entities})
    new_entities = (
        set(_run(tx, q.missing_ids("Entity"), ids=entity_ids, **ns).single()["missing"]) if entity_ids else set()
    )
    fact_ids = sorted({f.id for f in batch.facts})
    new_facts = set(_run(tx, q.missing_ids("Fact"), ids=fact_ids, **ns).single()["missing"]) if fact_ids else set()
    statements.append(
        (
            q.MERGE_ENTITIES,
            {
                "rows": [
                    {"id": e.id, "name": e.name, "type": e.type, "embedding": _vector(e.embedding)}
                    for e in batch.entities
                ]
            },
        )
    )
    statements.append(
        (
            q.MERGE_FACTS,
            {
                "rows": [
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
                    }
                    for f in batch.facts
                ]
            },
        )
    )
    unit_kind = {p.id: "Passage" for p in batch.passages} | {e.id: "Episode" for e in batch.episodes}
    for label in ("Passage", "Episode"):
        statements.append(
            (
                q.create_mentions(label),
                {
                    "rows": [
                        {"unit": m.unit_id, "entity": m.entity_id, "count": m.count}
                        for m in batch.mentions
                        if unit_kind.get(m.unit_id) == label
                    ]
                },
            )
        )
        statements.append(
            (
                q.create_supports(label),
                {
                    "rows": [
                        {"unit": s.unit_id, "fact": s.fact_id}
                        for s in batch.supports
                        if unit_kind.get(s.unit_id) == label
                    ]
                },
            )
        )
    for query, params in statements:
        # An UNWIND over an empty list does nothing: save the round trip.
        if not any(isinstance(v, list) and not v for v in params.values()):
            _run(tx, query, **params, **ns).consume()
    referenced = sorted(
        {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {f.object for f in batch.facts}
    )
    missing = _run(tx, q.missing_ids("Entity"), ids=referenced, **ns).single()["missing"] if referenced else []
    supported = sorted({s.fact_id for s in batch.supports})
    missing += _run(tx, q.missing_ids("Fact"), ids=supported, **ns).single()["missing"] if supported else []
    if missing:
        raise StoreError(
            f"could not write document {doc.id} ({doc.source}): edges point at unknown nodes "
            f"(or nodes of another namespace) {sorted(missing)[:5]}"
        )
    if batch.citations:
        rows = [{"thought": c.thought_id, "unit": c.unit_id} for c in dict.fromkeys(batch.citations)]
        if _run(tx, qm.CREATE_CITES, rows=rows, **ns).single()["n"] != len(rows):
            raise StoreError(
                f"could not write document {doc.id} ({doc.source}): a thought cites units that are not "
                "stored in this namespace"
            )
    if batch.facts:
        _run(tx, q.SET_RELATES_WEIGHTS, facts=fact_ids).consume()
    change.upsert("passage", unit_kind.keys() & {p.id for p in batch.passages})
    change.upsert("episode", unit_kind.keys() & {e.id for e in batch.episodes})
    change.upsert("entity", new_entities)
    change.upsert("fact", new_facts)
    for row in next_rows:
        change.edge(row["a"], row["b"], NEXT_WEIGHT)
    for m in batch.mentions:
        change.edge(m.unit_id, m.entity_id, MENTION_WEIGHT)
    ends = {f.id: (f.subject, f.object) for f in batch.facts}
    for s in batch.supports:
        subject, obj = ends.get(s.fact_id, (None, None))
        if subject is not None and subject != obj:
            change.edge(subject, obj, SUPPORT_WEIGHT)  # type: ignore[arg-type]
    if touched["units"]:
        remove_orphans(tx, namespace, touched["facts"], touched["entities"], change)
    supersede(tx, namespace, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)


def _remove_units(tx: Any, namespace: str, document_id: str, change: ChangeRecord) -> None:
    ns = {"doc": document_id, "namespace": namespace}
    # Thoughts built from these units go first, with their own cascade (their CITES edges go
    # with the DETACH DELETE of the units).
    for thought_document in _ids(tx, qm.CITING_DOCUMENTS, **ns):
        delete_document(tx, namespace, thought_document, change)
    for r in _run(tx, q.OLD_MENTIONS, **ns):
        change.edge(r["s"], r["t"], -MENTION_WEIGHT)
    for r in _run(tx, q.OLD_SUPPORTS, **ns):
        change.edge(r["s"], r["t"], -SUPPORT_WEIGHT)
    for r in _run(tx, q.OLD_NEXT, **ns):
        change.edge(r["s"], r["t"], -NEXT_WEIGHT)
    units = [(r["id"], r["passage"]) for r in _run(tx, q.OLD_UNITS, **ns)]
    change.remove("passage", (i for i, is_passage in units if is_passage))
    change.remove("episode", (i for i, is_passage in units if not is_passage))
    _run(tx, q.REMOVE_UNITS, **ns).consume()
    _run(tx, q.REMOVE_DOCUMENT_NODE, **ns).consume()


def delete_document(tx: Any, namespace: str, document_id: str, change: ChangeRecord) -> bool:
    touched = _run(tx, q.TOUCHED_BY_DOCUMENT, doc=document_id, namespace=namespace).single()
    if not touched["exists"]:
        return False
    _remove_units(tx, namespace, document_id, change)
    remove_orphans(tx, namespace, touched["facts"], touched["entities"], change)
    return True


def remove_orphans(
    tx: Any, namespace: str, facts: Iterable[str], entities: Iterable[str | None], change: ChangeRecord
) -> None:
    """Drop touched facts no unit supports and touched entities nothing refers to."""
    fact_ids = sorted(set(facts))
    entity_ids = sorted({e for e in entities if e is not None})
    if fact_ids:
        _run(tx, q.REMOVE_ORPHAN_RELATES, facts=fact_ids).consume()
        gone = _ids(tx, q.ORPHAN_FACTS, facts=fact_ids)
        if gone:
            _run(tx, q.REMOVE_FACTS, facts=gone).consume()
            change.remove("fact", gone)
        restored = _ids(tx, q.INVALID_WITHOUT_SUCCESSOR, namespace=namespace)
        if restored:
            _run(tx, q.RESTORE_VALIDITY, facts=restored).consume()
            change.upsert("fact", restored)
        _run(tx, q.SET_RELATES_WEIGHTS, facts=fact_ids).consume()
    if entity_ids:
        orphans = _ids(tx, q.ORPHAN_ENTITIES, entities=entity_ids)
        if orphans:
            for r in _run(tx, q.SYNONYMS_OF, entities=orphans):
                change.edge(r["s"], r["t"], -float(r["w"]))
            _run(tx, q.REMOVE_ENTITIES, entities=orphans).consume()
            change.remove("entity", orphans)


def supersede(
    tx: Any, namespace: str, supersessions: Sequence[tuple[str, str, str | None]], change: ChangeRecord
) -> None:
    """Link each old fact to its replacement and end its validity (when still valid)."""
    if not supersessions:
        return
    valid = _ids(tx, q.STILL_VALID, facts=sorted({old for old, _, _ in supersessions}))
    _run(
        tx,
        q.SUPERSEDE,
        namespace=namespace,
        rows=[{"old": old, "new": new, "at": at or ""} for old, new, at in supersessions],
    ).consume()
    change.upsert("fact", valid)


def add_synonyms(
    tx: Any, namespace: str, edges: Sequence[SynonymEdge], resolved: Sequence[str], change: ChangeRecord
) -> int:
    rows = [
        {"a": min(e.source, e.target), "b": max(e.source, e.target), "score": float(e.score)}
        for e in edges
        if e.source != e.target
    ]
    added = 0
    for i in range(0, len(rows), 1000):
        for r in _run(tx, q.MERGE_SYNONYMS, rows=rows[i : i + 1000], namespace=namespace):
            change.edge(r["a"], r["b"], float(r["score"]))
            added += 1
    for i in range(0, len(resolved), 1000):
        _run(tx, q.RESOLVE_SYNONYMS, ids=list(resolved[i : i + 1000]), namespace=namespace).consume()
    return added
