"""Reading one whole document back out of the SQLite store (export, copy between stores)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..records import Document, DocumentBatch, Entity, Episode, Fact, Mention, Passage, Supersession, Support
from .sqlite_schema import vector
from .sqlite_thoughts import document_citations

Query = Callable[[str, Sequence[object] | Mapping[str, object]], list[tuple[Any, ...]]]
RowsById = Callable[[str, Sequence[str]], list[tuple]]

PASSAGE_COLUMNS = "id, document_id, text, title, position, source_id, occurred_at"
EPISODE_COLUMNS = "id, document_id, text, occurred_at, speaker, position, source_id"
FACT_COLUMNS = "id, subject, predicate, object, text, valid_from, invalid_at, created_at"


def export_document(query: Query, rows_by_id: RowsById, namespace: str, document_id: str) -> DocumentBatch | None:
    """Every record of one document, vectors included (what ``StoreAdmin.export_document`` returns)."""
    args = (document_id, namespace)
    found = query(
        "SELECT id, source, title, content_hash, ingested_at, metadata_json FROM documents WHERE id=? AND namespace=?",
        args,
    )
    if not found:
        return None
    batch = DocumentBatch(Document(*found[0]))
    batch.passages = [
        Passage(*row[:-1], embedding=vector(row[-1]))  # type: ignore[misc]
        for row in query(
            f"SELECT {PASSAGE_COLUMNS}, embedding FROM passages WHERE document_id=? AND +namespace=? ORDER BY position",
            args,
        )
    ]
    batch.episodes = [
        Episode(*row[:-1], embedding=vector(row[-1]))  # type: ignore[misc]
        for row in query(
            f"SELECT {EPISODE_COLUMNS}, embedding FROM episodes WHERE document_id=? AND +namespace=? ORDER BY position",
            args,
        )
    ]
    units = "(SELECT id FROM passages WHERE document_id=:d UNION SELECT id FROM episodes WHERE document_id=:d)"
    unit_args = {"d": document_id}
    batch.mentions = [
        Mention(*row)
        for row in query(
            f"SELECT unit_id, entity_id, count FROM mentions WHERE unit_id IN {units} ORDER BY unit_id, entity_id",
            unit_args,
        )
    ]
    batch.supports = [
        Support(*row)
        for row in query(
            f"SELECT unit_id, fact_id FROM supports WHERE unit_id IN {units} ORDER BY unit_id, fact_id", unit_args
        )
    ]
    batch.citations = document_citations(query, document_id)
    fact_ids = sorted({s.fact_id for s in batch.supports})
    batch.facts = [
        Fact(*row[:-1], embedding=vector(row[-1]))  # type: ignore[misc]
        for row in rows_by_id(f"SELECT {FACT_COLUMNS}, embedding FROM facts", fact_ids)
    ]
    entity_ids = sorted(
        {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {f.object for f in batch.facts}
    )
    batch.entities = [
        Entity(*row[:-1], embedding=vector(row[-1]))  # type: ignore[misc]
        for row in rows_by_id("SELECT id, name, type, embedding FROM entities", entity_ids)
    ]
    for i in range(0, len(fact_ids), 500):
        chunk = fact_ids[i : i + 500]
        batch.supersessions += [
            Supersession(*row)
            for row in query(
                f"SELECT old_fact, new_fact, at FROM superseded WHERE new_fact IN ({','.join('?' * len(chunk))}) "
                "ORDER BY old_fact, new_fact",
                chunk,
            )
        ]
    return batch
