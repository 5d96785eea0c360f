"""Thoughts in the SQLite store: a thought episode's CITES edges (table ``cites``) and the cascade
that deletes a thought with any unit it cites (run inside the deleting transaction)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from ..records import Citation, DocumentBatch

_CHUNK = 500


def write_citations(db: sqlite3.Connection, namespace: str, batch: DocumentBatch) -> None:
    """Insert the batch's CITES edges; a citation of a unit absent from this namespace (or of a
    unit of the same document) refuses the whole document."""
    if not batch.citations:
        return
    own = {e.id for e in batch.episodes} | {p.id for p in batch.passages}
    cited = sorted({c.unit_id for c in batch.citations})
    found: set[str] = set()
    for i in range(0, len(cited), _CHUNK):
        chunk = cited[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for table in ("passages", "episodes"):
            found.update(
                r[0]
                for r in db.execute(
                    f"SELECT id FROM {table} WHERE namespace=? AND id IN ({marks})", [namespace, *chunk]
                )
            )
    missing = sorted(set(cited) - (found - own))
    if missing or any(c.thought_id not in own for c in batch.citations):
        raise sqlite3.IntegrityError(f"a thought cites units that are not stored in this namespace: {missing[:5]}")
    db.executemany("INSERT OR IGNORE INTO cites VALUES (?,?)", [(c.thought_id, c.unit_id) for c in batch.citations])


def citing_documents(db: sqlite3.Connection, document_id: str) -> list[str]:
    """Documents of the thoughts citing a unit of ``document_id`` (other than itself)."""
    units = "(SELECT id FROM passages WHERE document_id=:d UNION SELECT id FROM episodes WHERE document_id=:d)"
    rows = db.execute(
        f"SELECT DISTINCT e.document_id FROM cites c JOIN episodes e ON e.id = c.thought_id "
        f"WHERE c.unit_id IN {units} AND e.document_id <> :d ORDER BY e.document_id",
        {"d": document_id},
    )
    return [r[0] for r in rows]


def drop_citations(db: sqlite3.Connection, document_id: str) -> None:
    """Remove the CITES edges from or to the document's units."""
    units = "(SELECT id FROM passages WHERE document_id=:d UNION SELECT id FROM episodes WHERE document_id=:d)"
    db.execute(f"DELETE FROM cites WHERE thought_id IN {units} OR unit_id IN {units}", {"d": document_id})


def thought_sources(
    query: Callable[[str, Sequence[object]], list[tuple]], namespace: str, unit_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Which of ``unit_ids`` are thoughts, each with the units it cites (sorted)."""
    out: dict[str, list[str]] = {}
    ids = sorted(set(unit_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for thought, unit in query(
            f"SELECT c.thought_id, c.unit_id FROM cites c JOIN episodes e ON e.id = c.thought_id "
            f"WHERE e.namespace=? AND c.thought_id IN ({marks}) ORDER BY c.thought_id, c.unit_id",
            [namespace, *chunk],
        ):
            out.setdefault(thought, []).append(unit)
    return out


def document_citations(query: Callable[[str, Sequence[object]], list[tuple]], document_id: str) -> list[Citation]:
    """The CITES edges of a document's thoughts (for export)."""
    rows = query(
        "SELECT c.thought_id, c.unit_id FROM cites c JOIN episodes e ON e.id = c.thought_id "
        "WHERE e.document_id=? ORDER BY c.thought_id, c.unit_id",
        [document_id],
    )
    return [Citation(t, u) for t, u in rows]
