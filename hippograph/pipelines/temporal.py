"""Temporal facts: a newer fact about the same subject and exclusive relation supersedes the old one."""

from __future__ import annotations

from ..graph.store import GraphStore
from ..ids import normalize_name
from ..records import DocumentBatch, Fact, Supersession

# Relations a subject has at most one of at a time, by normalized predicate.
_EXCLUSIVE = {
    "residence": {"lives in", "live in", "living in", "resides in", "reside in", "moved to", "move to", "moves to",
                  "relocated to", "relocate to", "is based in", "based in", "lives at", "live at"},
    "employer": {"works at", "work at", "works for", "work for", "employed by", "is employed by", "joined", "join",
                 "is employed at"},
    "spouse": {"is married to", "married to", "married", "marry", "is the wife of", "is the husband of"},
    "role": {"current role", "has role", "is ceo of", "works as", "work as", "has job", "job is", "current job"},
}
_FAMILY = {predicate: family for family, predicates in _EXCLUSIVE.items() for predicate in predicates}


def relation_family(predicate: str) -> str | None:
    """The exclusive relation family of a predicate, or None when facts of it can coexist."""
    return _FAMILY.get(normalize_name(predicate))


def _when(fact: Fact) -> str:
    return fact.valid_from or fact.created_at or ""


def supersessions_for(store: GraphStore, batch: DocumentBatch) -> list[Supersession]:
    """Supersessions the batch's facts cause, against stored facts and among themselves.

    The later fact (by ``valid_from``) wins; a fact ingested late but older than the stored
    current one is itself marked superseded.
    """
    out: list[Supersession] = []
    by_key: dict[tuple[str, str], list[Fact]] = {}
    for fact in batch.facts:
        family = relation_family(fact.predicate)
        if family and fact.valid_from:
            by_key.setdefault((fact.subject, family), []).append(fact)
    for (subject, family), new_facts in by_key.items():
        stored = [f for f in store.facts_about(subject) if relation_family(f.predicate) == family
                  and f.invalid_at is None and f.valid_from]
        new_ids = {f.id for f in new_facts}
        timeline = sorted({f.id: f for f in stored + new_facts}.values(), key=_when)
        current: Fact | None = None
        for fact in timeline:
            if current is not None and fact.object != current.object and (fact.id in new_ids or current.id in new_ids):
                out.append(Supersession(current.id, fact.id, fact.valid_from))
            current = fact
    return out
