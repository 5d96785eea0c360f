"""Neo4j document writes, a group of documents per transaction (a single document is a group of
one): one UNWIND statement per kind of record for the whole group, the old versions of replaced
documents removed in the same transaction, then supersession under a lock on the subjects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Any

from ..errors import StoreError, StoreUnavailable
from ..records import MENTION_WEIGHT, NEXT_WEIGHT, SUPPORT_WEIGHT, ChangeRecord, DocumentBatch, Fact
from . import cypher as q
from .neo4j_reads import entities_named_by, fact_of
from .neo4j_writes import _vector, remove_documents, remove_orphans, supersede, touched_by
from .store import Supersede

GROUP_SIZE = 128  # documents written per transaction by ``write_documents``


class TxFactReader:
    """Fact reads through an open transaction (they see its own writes and wait on its locks).

    The rules ask for the facts of each subject and for the entities a name may alias; within
    the supersession step of one transaction no fact or entity is added, so answers are kept (and
    the facts of all the group's subjects are fetched in one statement by ``prefetch``).
    Supersessions applied meanwhile are mirrored into the kept facts."""

    def __init__(self, tx: Any, namespace: str):
        self.tx = tx
        self.namespace = namespace
        self._about: dict[str, list[Fact]] = {}
        self._named: dict[str, set[str]] = {}  # first word -> entity ids it can pair with

    def prefetch(self, subjects: Sequence[str]) -> None:
        todo = sorted(set(subjects) - self._about.keys())
        if not todo:
            return
        for subject in todo:
            self._about[subject] = []
        for r in self.tx.run(q.FACTS_ABOUT_ANY, {"subjects": todo, "namespace": self.namespace}):
            self._about[r["subject"]].append(fact_of(r))

    def facts_about(self, subject_id: str) -> list[Fact]:
        self.prefetch([subject_id])
        return list(self._about[subject_id])

    def facts(self, ids: Sequence[str]) -> list[Fact]:
        found = {r["id"]: fact_of(r) for r in self.tx.run(q.FACTS, {"ids": list(ids), "namespace": self.namespace})}
        return [found[i] for i in ids if i in found]

    def facts_with_object(self, object_id: str) -> list[Fact]:
        params = {"object": object_id, "namespace": self.namespace}
        return [fact_of(r) for r in self.tx.run(q.FACTS_WITH_OBJECT, params)]

    def entities_named(self, first_words: Sequence[str]) -> list[str]:
        def read(query: str, **params: Any) -> Any:
            return self.tx.run(query, {**params, "namespace": self.namespace})

        self._named |= entities_named_by(read, set(first_words) - self._named.keys())
        return sorted(set().union(*(self._named[w] for w in set(first_words))))

    def superseded(self, rows: Sequence[tuple[str, str, str | None]]) -> None:
        """Mirror ``neo4j_writes.supersede``: an old fact still valid ends at the replacement's time."""
        ends = {old: at or "" for old, _, at in rows}
        for facts in self._about.values():
            for i, f in enumerate(facts):
                if f.id in ends and f.invalid_at is None:
                    facts[i] = replace(f, invalid_at=ends[f.id])


def lock_and_supersede(tx: Any, namespace: str, batches: Sequence[DocumentBatch], rule, change: ChangeRecord) -> None:
    """Lock the subject entities of the batches' facts (a SET on each, in id order, so a concurrent
    writer of the same subject waits and writers never deadlock), then let ``rule`` decide each batch's
    supersessions against what the store holds now, and apply them."""
    subjects = sorted({f.subject for b in batches for f in b.facts})
    if subjects:
        tx.run(q.LOCK_ENTITIES, {"ids": subjects, "namespace": namespace}).consume()
    reader = TxFactReader(tx, namespace)
    reader.prefetch(subjects)
    for batch in batches:
        batch.supersessions = rule(batch, reader)
        rows = [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions]
        supersede(tx, namespace, rows, change)
        reader.superseded(rows)


def _rows(batches: Sequence[DocumentBatch], namespace: str) -> dict[str, list[dict]]:
    """The statement rows of a group, from every document (entities and facts once each: the first
    document, in order, carrying a node decides its name and vector, as one by one)."""
    rows: dict[str, list[dict]] = {k: [] for k in ("documents", "Passage", "Episode", "next")}
    entities: dict[str, dict] = {}
    facts: dict[str, dict] = {}
    for label in ("Passage", "Episode"):
        rows[f"mentions:{label}"] = []
        rows[f"supports:{label}"] = []
    for batch in batches:
        doc = batch.document
        rows["documents"].append(
            {
                "id": doc.id,
                "source": doc.source,
                "title": doc.title,
                "content_hash": doc.content_hash,
                "ingested_at": doc.ingested_at,
                "metadata_json": doc.metadata_json,
                "namespace": namespace,
            }
        )
        rows["Passage"] += [
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
        ]
        rows["Episode"] += [
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
        ]
        ordered = sorted(batch.episodes, key=lambda e: e.position)
        rows["next"] += [{"a": a.id, "b": b.id} for a, b in pairwise(ordered)]
        for e in batch.entities:
            if e.id not in entities:
                entities[e.id] = {"id": e.id, "name": e.name, "type": e.type, "embedding": _vector(e.embedding)}
        for f in batch.facts:
            if f.id not in facts:
                facts[f.id] = {
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
        unit_kind = {p.id: "Passage" for p in batch.passages} | {e.id: "Episode" for e in batch.episodes}
        for m in batch.mentions:
            if m.unit_id in unit_kind:
                rows[f"mentions:{unit_kind[m.unit_id]}"].append(
                    {"unit": m.unit_id, "entity": m.entity_id, "count": m.count}
                )
        for s in batch.supports:
            if s.unit_id in unit_kind:
                rows[f"supports:{unit_kind[s.unit_id]}"].append({"unit": s.unit_id, "fact": s.fact_id})
    rows["entities"] = list(entities.values())
    rows["facts"] = list(facts.values())
    return rows


def _stored(tx: Any, label: str, ids: set[str], namespace: str) -> set[str]:
    """Which of ``ids`` are stored in ``namespace``; a node of another namespace is an error."""
    if not ids:
        return set()
    found = {r["id"]: r["namespace"] for r in tx.run(q.namespaces_of(label), {"ids": sorted(ids)})}
    foreign = sorted(i for i, ns in found.items() if ns != namespace)
    if foreign:
        raise StoreError(f"{label} ids {foreign[:5]} belong to another namespace")
    return set(found)


def write_new(tx: Any, namespace: str, batches: Sequence[DocumentBatch], change: ChangeRecord) -> None:
    """Write documents the store does not hold (any old version is already removed)."""
    ns = {"namespace": namespace}
    rows = _rows(batches, namespace)
    entity_ids = {r["id"] for r in rows["entities"]}
    fact_ids = {r["id"] for r in rows["facts"]}
    # Edges may point at nodes the group does not carry: those must be stored already. Checked
    # with the group's own nodes in one statement per label (what is new goes to the change feed).
    outside_entities = (
        {m.entity_id for b in batches for m in b.mentions}
        | {r[k] for r in rows["facts"] for k in ("subject", "object")}
    ) - entity_ids
    outside_facts = {s.fact_id for b in batches for s in b.supports} - fact_ids
    stored_entities = _stored(tx, "Entity", entity_ids | outside_entities, namespace)
    stored_facts = _stored(tx, "Fact", fact_ids | outside_facts, namespace)
    missing = sorted((outside_entities - stored_entities) | (outside_facts - stored_facts))
    if missing:
        raise StoreError(
            f"could not write {_which(batches)}: edges point at unknown nodes "
            f"(or nodes of another namespace) {missing[:5]}"
        )
    statements = [
        (q.CREATE_DOCUMENTS, rows["documents"]),
        (q.CREATE_UNITS["Passage"], rows["Passage"]),
        (q.CREATE_UNITS["Episode"], rows["Episode"]),
        (q.CREATE_NEXT, rows["next"]),
        (q.MERGE_ENTITIES, rows["entities"]),
        (q.MERGE_FACTS, rows["facts"]),
    ]
    for label in ("Passage", "Episode"):
        statements += [
            (q.create_mentions(label), rows[f"mentions:{label}"]),
            (q.create_supports(label), rows[f"supports:{label}"]),
        ]
    for query, statement_rows in statements:
        if statement_rows:  # an UNWIND over nothing does nothing: save the round trip
            tx.run(query, {"rows": statement_rows, **ns}).consume()
    cites = [{"thought": c.thought_id, "unit": c.unit_id} for b in batches for c in dict.fromkeys(b.citations)]
    if cites and tx.run(q.CREATE_CITES, {"rows": cites, **ns}).single()["n"] != len(cites):
        raise StoreError(
            f"could not write {_which(batches)}: a thought cites units that are not stored in this namespace"
        )
    if fact_ids:
        tx.run(q.SET_RELATES_WEIGHTS, {"facts": sorted(fact_ids)}).consume()
    change.upsert("passage", (r["id"] for r in rows["Passage"]))
    change.upsert("episode", (r["id"] for r in rows["Episode"]))
    change.upsert("entity", entity_ids - stored_entities)
    change.upsert("fact", fact_ids - stored_facts)
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


def _which(batches: Sequence[DocumentBatch]) -> str:
    if len(batches) == 1:
        return f"document {batches[0].document.id} ({batches[0].document.source})"
    return f"{len(batches)} documents"


def write_group(
    tx: Any, namespace: str, group: Sequence[DocumentBatch], rule: Supersede | None, change: ChangeRecord
) -> None:
    """Write ``group`` in ``tx``: remove the stored versions of its documents, write them all,
    drop what the old versions alone held, then supersede (``rule`` decides, or each batch's own)."""
    touched = touched_by(tx, namespace, [b.document.id for b in group])
    if touched:
        remove_documents(tx, namespace, sorted(touched), change)
    write_new(tx, namespace, group, change)
    replaced = [t for t in touched.values() if t["units"]]
    if replaced:
        facts = [f for t in replaced for f in t["facts"]]
        remove_orphans(tx, namespace, facts, [e for t in replaced for e in t["entities"]], change)
    if rule is None:
        for batch in group:
            supersede(tx, namespace, [(s.old_fact_id, s.new_fact_id, s.at) for s in batch.supersessions], change)
    else:
        lock_and_supersede(tx, namespace, group, rule, change)


def write_documents(store: Any, batches: Sequence[DocumentBatch], rule: Supersede | None) -> list[StoreError | None]:
    """``Neo4jStore.write_documents``: ``GROUP_SIZE`` documents per transaction; a group that fails
    is written again one document per transaction, so only the bad documents are refused."""
    outcome: list[StoreError | None] = []
    for start in range(0, len(batches), GROUP_SIZE):
        group = list(batches[start : start + GROUP_SIZE])
        try:
            _write(store, group, rule)
            outcome += [None] * len(group)
        except StoreUnavailable:
            raise
        except StoreError as exc:
            if len(group) == 1:
                outcome.append(exc)
                continue
            for batch in group:
                try:
                    _write(store, [batch], rule)
                    outcome.append(None)
                except StoreUnavailable:
                    raise
                except StoreError as one:
                    outcome.append(one)
    return outcome


def _write(store: Any, group: list[DocumentBatch], rule: Supersede | None) -> None:
    what = f"write {_which(group)}"
    given = [b.supersessions for b in group]
    try:
        store._write(what, lambda tx, change: write_group(tx, store.namespace, group, rule, change))
    except Exception:
        for batch, supersessions in zip(group, given):  # a failed try leaves each batch as given
            batch.supersessions = supersessions
        raise
