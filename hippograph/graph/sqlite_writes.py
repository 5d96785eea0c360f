"""The SQLite store's write transactions: a document in, a document out, synonyms, the change log.

Every function runs inside an open transaction and appends what it changes to a ``ChangeRecord``,
which ``log_change`` writes in the same transaction (so the change feed never misses a write).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, DocumentBatch, SynonymEdge
from .sqlite_schema import blob
from .sqlite_thoughts import citing_documents, drop_citations, write_citations

CHANGE_LOG_KEEP = 10_000  # generations of change log kept; a reader further behind reloads
_CHUNK = 500


def existing(db: sqlite3.Connection, table: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are rows of ``table``."""
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk))
    return found


def write_document(db: sqlite3.Connection, namespace: str, batch: DocumentBatch, change: ChangeRecord) -> None:
    """Replace the document's older version (if any) by ``batch``."""
    doc = batch.document
    # Old version's units go first; orphan cleanup runs after the new version is in, so
    # entities and facts both versions share are kept (with their vectors).
    replaced = remove_units(db, doc.id, change)
    db.execute(
        "INSERT INTO documents (id, source, title, content_hash, ingested_at, metadata_json, namespace) "
        "VALUES (?,?,?,?,?,?,?)",
        (doc.id, doc.source, doc.title, doc.content_hash, doc.ingested_at, doc.metadata_json, namespace),
    )
    db.executemany(
        "INSERT INTO passages (id, document_id, text, title, position, source_id, occurred_at, embedding, namespace) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (p.id, doc.id, p.text, p.title, p.position, p.source_id, p.occurred_at, blob(p.embedding), namespace)
            for p in batch.passages
        ],
    )
    db.executemany(
        "INSERT INTO episodes (id, document_id, text, occurred_at, speaker, position, source_id, embedding, "
        "namespace) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (e.id, doc.id, e.text, e.occurred_at, e.speaker, e.position, e.source_id, blob(e.embedding), namespace)
            for e in batch.episodes
        ],
    )
    change.upsert("passage", (p.id for p in batch.passages))
    change.upsert("episode", (e.id for e in batch.episodes))
    ordered = sorted(batch.episodes, key=lambda e: e.position)
    for a, b in zip(ordered, ordered[1:]):
        db.execute("INSERT OR IGNORE INTO next_edges VALUES (?,?)", (a.id, b.id))
        change.edge(a.id, b.id, NEXT_WEIGHT)
    new_entities = {e.id for e in batch.entities} - existing(db, "entities", (e.id for e in batch.entities))
    db.executemany(
        "INSERT OR IGNORE INTO entities (id, name, type, embedding, namespace, synonyms_pending) VALUES (?,?,?,?,?,1)",
        [(e.id, e.name, e.type, blob(e.embedding), namespace) for e in batch.entities if e.id in new_entities],
    )
    change.upsert("entity", new_entities)
    new_facts = {f.id for f in batch.facts} - existing(db, "facts", (f.id for f in batch.facts))
    db.executemany(
        "INSERT OR IGNORE INTO facts (id, subject, predicate, object, text, valid_from, invalid_at, created_at, "
        "embedding, namespace) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                f.id,
                f.subject,
                f.predicate,
                f.object,
                f.text,
                f.valid_from,
                f.invalid_at,
                f.created_at,
                blob(f.embedding),
                namespace,
            )
            for f in batch.facts
            if f.id in new_facts
        ],
    )
    change.upsert("fact", new_facts)
    db.executemany("INSERT INTO mentions VALUES (?,?,?)", [(m.unit_id, m.entity_id, m.count) for m in batch.mentions])
    for m in batch.mentions:
        change.edge(m.unit_id, m.entity_id, MENTION_WEIGHT)
    db.executemany("INSERT INTO supports VALUES (?,?)", [(s.unit_id, s.fact_id) for s in batch.supports])
    check_references(db, namespace, batch)
    write_citations(db, namespace, batch)
    _support_edges(db, [s.fact_id for s in batch.supports], SUPPORT_WEIGHT, change)
    if replaced:
        remove_orphans(db, change)
    supersede(db, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)


def _support_edges(db: sqlite3.Connection, fact_ids: Sequence[str], weight: float, change: ChangeRecord) -> None:
    """One fact-edge contribution per support (``fact_ids`` may repeat: one entry per unit)."""
    ends = _fact_ends(db, set(fact_ids))
    for fid in fact_ids:
        found = ends.get(fid)
        if found is not None and found[0] != found[1]:
            change.edge(found[0], found[1], weight)


def _fact_ends(db: sqlite3.Connection, fact_ids: set[str]) -> dict[str, tuple[str, str]]:
    ids = sorted(fact_ids)
    out: dict[str, tuple[str, str]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        out |= {
            r[0]: (r[1], r[2])
            for r in db.execute(f"SELECT id, subject, object FROM facts WHERE id IN ({marks})", chunk)
        }
    return out


def check_references(db: sqlite3.Connection, namespace: str, batch: DocumentBatch) -> None:
    """Mentions, supports and facts must point at nodes of this namespace; a dangling edge would
    corrupt the graph, so the whole document is refused."""
    entity_ids = (
        {m.entity_id for m in batch.mentions} | {f.subject for f in batch.facts} | {f.object for f in batch.facts}
    )
    found = {
        r[0]
        for chunk in _chunks(sorted(entity_ids))
        for r in db.execute(
            f"SELECT id FROM entities WHERE +namespace=? AND id IN ({','.join('?' * len(chunk))})", [namespace, *chunk]
        )
    }
    missing = entity_ids - found
    fact_ids = {s.fact_id for s in batch.supports}
    found = {
        r[0]
        for chunk in _chunks(sorted(fact_ids))
        for r in db.execute(
            f"SELECT id FROM facts WHERE +namespace=? AND id IN ({','.join('?' * len(chunk))})", [namespace, *chunk]
        )
    }
    missing |= fact_ids - found
    if missing:
        raise sqlite3.IntegrityError(
            f"edges point at unknown nodes (or nodes of another namespace): {sorted(missing)[:5]}"
        )


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def remove_units(db: sqlite3.Connection, document_id: str, change: ChangeRecord) -> bool:
    """Remove a document, its units and their edges; remember what they touched (temp tables)."""
    if db.execute("SELECT 1 FROM documents WHERE id=?", (document_id,)).fetchone() is None:
        return False
    # Thoughts built from these units go first, with their own cascade: a thought never outlives
    # (nor survives a change of) any unit it cites.
    for thought_document in citing_documents(db, document_id):
        remove_units(db, thought_document, change)
        remove_orphans(db, change)
    drop_citations(db, document_id)
    units = "(SELECT id FROM passages WHERE document_id=:d UNION SELECT id FROM episodes WHERE document_id=:d)"
    params = {"d": document_id}
    db.execute("CREATE TEMP TABLE IF NOT EXISTS touched_facts (id TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS touched_entities (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM touched_facts")
    db.execute("DELETE FROM touched_entities")
    db.execute(f"INSERT OR IGNORE INTO touched_facts SELECT fact_id FROM supports WHERE unit_id IN {units}", params)
    db.execute(
        f"INSERT OR IGNORE INTO touched_entities SELECT entity_id FROM mentions WHERE unit_id IN {units}", params
    )
    db.execute(
        "INSERT OR IGNORE INTO touched_entities "
        "SELECT subject FROM facts WHERE id IN (SELECT id FROM touched_facts)"
        " UNION SELECT object FROM facts WHERE id IN (SELECT id FROM touched_facts)"
    )
    for unit, entity in db.execute(f"SELECT unit_id, entity_id FROM mentions WHERE unit_id IN {units}", params):
        change.edge(unit, entity, -MENTION_WEIGHT)
    for subject, obj in db.execute(
        f"SELECT f.subject, f.object FROM supports s JOIN facts f ON f.id = s.fact_id "
        f"WHERE s.unit_id IN {units} AND f.subject <> f.object",
        params,
    ):
        change.edge(subject, obj, -SUPPORT_WEIGHT)
    episodes = "(SELECT id FROM episodes WHERE document_id=:d)"
    for a, b in db.execute(
        f"SELECT source, target FROM next_edges WHERE source IN {episodes} OR target IN {episodes}", params
    ):
        change.edge(a, b, -NEXT_WEIGHT)
    change.remove("passage", (r[0] for r in db.execute("SELECT id FROM passages WHERE document_id=:d", params)))
    change.remove("episode", (r[0] for r in db.execute("SELECT id FROM episodes WHERE document_id=:d", params)))
    db.execute(f"DELETE FROM supports WHERE unit_id IN {units}", params)
    db.execute(f"DELETE FROM mentions WHERE unit_id IN {units}", params)
    db.execute(f"DELETE FROM next_edges WHERE source IN {episodes} OR target IN {episodes}", params)
    db.execute("DELETE FROM passages WHERE document_id=:d", params)
    db.execute("DELETE FROM episodes WHERE document_id=:d", params)
    db.execute("DELETE FROM documents WHERE id=:d", params)
    return True


def remove_orphans(db: sqlite3.Connection, change: ChangeRecord) -> None:
    """Drop touched facts no unit supports and touched entities nothing refers to."""
    orphan_facts = "(SELECT id FROM touched_facts WHERE id NOT IN (SELECT fact_id FROM supports))"
    gone_facts = [r[0] for r in db.execute(orphan_facts[1:-1])]
    db.execute(f"DELETE FROM superseded WHERE old_fact IN {orphan_facts} OR new_fact IN {orphan_facts}")
    db.execute(f"DELETE FROM facts WHERE id IN {orphan_facts}")
    change.remove("fact", gone_facts)
    # A fact superseded only by a fact that just went is valid again.
    restored = [
        r[0]
        for r in db.execute(
            "SELECT id FROM facts WHERE invalid_at IS NOT NULL AND id NOT IN (SELECT old_fact FROM superseded)"
        )
    ]
    db.execute(
        "UPDATE facts SET invalid_at = NULL WHERE invalid_at IS NOT NULL AND id NOT IN "
        "(SELECT old_fact FROM superseded)"
    )
    change.upsert("fact", restored)
    orphan_entities = (
        "(SELECT id FROM touched_entities WHERE id NOT IN (SELECT entity_id FROM mentions)"
        " AND id NOT IN (SELECT subject FROM facts) AND id NOT IN (SELECT object FROM facts))"
    )
    for a, b, score in db.execute(
        f"SELECT source, target, score FROM synonyms WHERE source IN {orphan_entities} OR target IN {orphan_entities}"
    ):
        change.edge(a, b, -float(score))
    change.remove("entity", [r[0] for r in db.execute(orphan_entities[1:-1])])
    db.execute(f"DELETE FROM synonyms WHERE source IN {orphan_entities} OR target IN {orphan_entities}")
    db.execute(f"DELETE FROM entities WHERE id IN {orphan_entities}")


def supersede(
    db: sqlite3.Connection, supersessions: Sequence[tuple[str, str, str | None]], change: ChangeRecord
) -> None:
    """Link each old fact to its replacement and end its validity (when still valid)."""
    for old, new, at in supersessions:
        db.execute("INSERT OR IGNORE INTO superseded VALUES (?,?,?)", (old, new, at))
        if db.execute("UPDATE facts SET invalid_at=? WHERE id=? AND invalid_at IS NULL", (at or "", old)).rowcount:
            change.upsert("fact", [old])


def add_synonyms(
    db: sqlite3.Connection, edges: Sequence[SynonymEdge], resolved: Iterable[str], change: ChangeRecord
) -> int:
    """Insert new SYNONYM edges (stored once per unordered pair) and clear ``resolved`` marks."""
    added = 0
    for e in edges:
        if e.source == e.target:
            continue
        a, b = min(e.source, e.target), max(e.source, e.target)
        if db.execute("INSERT OR IGNORE INTO synonyms VALUES (?,?,?)", (a, b, float(e.score))).rowcount:
            change.edge(a, b, float(e.score))
            added += 1
    ids = sorted(set(resolved))
    for chunk in _chunks(ids):
        db.execute(f"UPDATE entities SET synonyms_pending=0 WHERE id IN ({','.join('?' * len(chunk))})", chunk)
    return added


def log_change(db: sqlite3.Connection, namespace: str, change: ChangeRecord) -> int:
    """Move the generation and log the change under it (same transaction); returns the generation."""
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
    generation = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    db.execute("INSERT INTO change_log VALUES (?,?,?)", (generation, namespace, json.dumps(change.as_payload())))
    db.execute("DELETE FROM change_log WHERE generation <= ?", (generation - CHANGE_LOG_KEEP,))
    return generation
