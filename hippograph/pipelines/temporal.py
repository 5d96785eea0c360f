"""Temporal facts: a newer fact about the same subject and exclusive relation supersedes the old one."""

from __future__ import annotations

from ..graph.store import StoreWriter
from ..ids import normalize_name
from ..llm import parse_number_list
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


_JUDGE_PROMPT = """A memory holds facts about "{subject}". A newer statement arrived at {when}:
NEW: {new}
Older facts still believed true, numbered:
{old}
Which older facts can no longer be true if NEW is true (NEW replaces them)? Facts that can hold
together with NEW are not replaced. Reply with a JSON list of their numbers, e.g. [2], or [] if none."""


class LLMContradictionJudge:
    """AriGraph-style: a chat model decides which current facts a newer fact replaces,
    for relations the rules do not know. An unreadable reply replaces nothing."""

    def __init__(self, llm, max_candidates: int = 10):
        self.llm = llm
        self.max_candidates = max_candidates

    def replaced(self, new: Fact, current: list[Fact]) -> list[Fact]:
        candidates = current[: self.max_candidates]
        if not candidates:
            return []
        prompt = _JUDGE_PROMPT.format(subject=new.subject, when=new.valid_from, new=new.text,
                                      old="\n".join(f"{i}. {f.text}" for i, f in enumerate(candidates, 1)))
        reply = self.llm.invoke(prompt)
        chosen = parse_number_list(getattr(reply, "content", reply)) or set()
        return [f for i, f in enumerate(candidates, 1) if i in chosen]


def supersessions_for(store: StoreWriter, batch: DocumentBatch,
                      judge: LLMContradictionJudge | None = None) -> list[Supersession]:
    """Supersessions the batch's facts cause, against stored facts and among themselves.

    Exclusive relations follow the rules above: the later fact (by ``valid_from``) wins, and a
    fact ingested late but older than the stored current one is itself marked superseded.
    Other dated facts are put to ``judge`` (when given) against the subject's current facts.
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
    if judge is not None:
        out += _judged(store, batch, judge)
    return out


def _judged(store: StoreWriter, batch: DocumentBatch, judge: LLMContradictionJudge) -> list[Supersession]:
    out = []
    for fact in batch.facts:
        if not fact.valid_from or relation_family(fact.predicate):
            continue
        earlier_in_batch = [f for f in batch.facts if f.subject == fact.subject and f.valid_from
                            and f.valid_from < fact.valid_from]
        known = {f.id: f for f in store.facts_about(fact.subject) + earlier_in_batch}
        current = sorted((f for f in known.values()
                          if f.id != fact.id and f.invalid_at is None and _when(f) <= fact.valid_from), key=_when)
        out += [Supersession(old.id, fact.id, fact.valid_from) for old in judge.replaced(fact, current)]
    return out
