"""The Neo4j store's removals, supersessions and synonym writes (documents are written by
``neo4j_batch``); each records its change for the change feed.

Functions take an open managed transaction (``tx``), the namespace, and a ``ChangeRecord``;
the store logs the record as a ``ChangeLog`` node in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, SynonymEdge
from . import cypher as q


def _vector(v: np.ndarray | None) -> list[float] | None:
    return None if v is None else np.asarray(v, dtype=np.float32).tolist()  # floats, not numpy scalars


def _run(tx: Any, query: str, **params: Any) -> Any:
    return tx.run(query, params)


def _ids(tx: Any, query: str, **params: Any) -> list[str]:
    record = _run(tx, query, **params).single()
    return list(record["ids"]) if record else []


def remove_documents(tx: Any, namespace: str, document_ids: Sequence[str], change: ChangeRecord) -> None:
    """Remove the documents' nodes and units (with their edges); orphans are left to ``remove_orphans``."""
    ns = {"docs": list(document_ids), "namespace": namespace}
    # Thoughts built from these units go first, with their own cascade (their CITES edges go
    # with the DETACH DELETE of the units).
    for document_id in document_ids:
        for thought_document in _ids(tx, q.CITING_DOCUMENTS, doc=document_id, namespace=namespace):
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
    _run(tx, q.REMOVE_DOCUMENT_NODES, **ns).consume()


def touched_by(tx: Any, namespace: str, document_ids: Sequence[str]) -> dict[str, dict]:
    """Stored documents among ``document_ids``: id -> their unit count and the facts and entities they touch."""
    return {r["id"]: dict(r) for r in _run(tx, q.TOUCHED_BY_DOCUMENTS, docs=list(document_ids), namespace=namespace)}


def delete_document(tx: Any, namespace: str, document_id: str, change: ChangeRecord) -> bool:
    touched = touched_by(tx, namespace, [document_id]).get(document_id)
    if touched is None:
        return False
    remove_documents(tx, namespace, [document_id], change)
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
