"""Temporal facts: what a newer fact, an end event or a new role holder makes no longer true.

Three rules, all order-independent (the timeline is rebuilt from stored and new facts, so a
document ingested late but dated early lands in its place):

- functional relations (works at, lives in, married to, works as, costs, and
  ``Settings.functional_relations``): a subject has one value at a time; a later fact with
  another value supersedes the earlier one;
- end events ("left", "quit", "moved away from", "divorced", "no longer <relation>") end the
  subject's matching fact and are closed at their own date, so they never read as a current
  positive fact;
- roles with one holder at a time ("is the mayor of", "is CEO of", "leads", "coaches"): a new
  holder of the same role of the same thing ends the previous holder's fact.

Subjects are grouped through unambiguous aliases ("Priya" -> "Priya Shah", see ``aliases``).
"""

from __future__ import annotations

from ..dates import sort_key
from ..extract.aliases import alias_groups, first_words
from ..extract.relations import DEFAULT_RULES, TemporalRules, relation_family
from ..graph.store import GraphStore
from ..llm import parse_number_list
from ..records import DocumentBatch, Fact, Supersession

__all__ = ["DEFAULT_RULES", "LLMContradictionJudge", "TemporalRules", "relation_family", "supersessions_for"]


def _when(fact: Fact) -> tuple:
    return (*sort_key(fact.valid_from or fact.created_at), fact.id)


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
        prompt = _JUDGE_PROMPT.format(
            subject=new.subject,
            when=new.valid_from,
            new=new.text,
            old="\n".join(f"{i}. {f.text}" for i, f in enumerate(candidates, 1)),
        )
        reply = self.llm.invoke(prompt)
        chosen = parse_number_list(getattr(reply, "content", reply)) or set()
        return [f for i, f in enumerate(candidates, 1) if i in chosen]


def supersessions_for(
    store: GraphStore,
    batch: DocumentBatch,
    judge: LLMContradictionJudge | None = None,
    rules: TemporalRules = DEFAULT_RULES,
) -> list[Supersession]:
    """Supersessions the batch's facts cause, against stored facts and among themselves."""
    new_ids = {f.id for f in batch.facts}
    names = [e.id for e in batch.entities]
    groups = alias_groups(store.entities_named(first_words(names)), names)
    out: list[Supersession] = []
    seen_groups: set[frozenset[str]] = set()
    for fact in batch.facts:
        group = groups.get(fact.subject, frozenset({fact.subject}))
        if group in seen_groups:
            continue
        seen_groups.add(group)
        # A fact already stored keeps its stored validity (a restatement does not re-date it).
        known = {f.id: f for f in batch.facts if f.subject in group}
        known |= {f.id: f for member in sorted(group) for f in store.facts_about(member)}
        out += _subject_timeline(list(known.values()), new_ids, rules)
    out += _holder_timeline(store, batch, new_ids, rules, groups)
    if judge is not None:
        out += _judged(store, batch, judge, rules)
    return list(dict.fromkeys(out))


def _subject_timeline(facts: list[Fact], new_ids: set[str], rules: TemporalRules) -> list[Supersession]:
    """Functional-relation succession and end events among one subject's facts."""
    out: list[Supersession] = []
    ends = [(f, family) for f in facts for is_end, family in [rules.end_family(f.predicate)] if is_end]
    by_family: dict[str, list[Fact]] = {}
    for fact in facts:
        family = rules.family(fact.predicate) or (("holder:" + r) if (r := rules.holder_role(fact.predicate)) else None)
        if family and fact.valid_from:
            by_family.setdefault(family, []).append(fact)
    for family, members in by_family.items():
        if family.startswith("holder:"):
            continue  # role holders succeed each other per role and object, below
        current: Fact | None = None
        for fact in sorted(members, key=_when):
            if current is not None and fact.object != current.object and (fact.id in new_ids or current.id in new_ids):
                out.append(Supersession(current.id, fact.id, fact.valid_from))
            current = fact
    for end, family in ends:
        if end.id in new_ids:
            # An end event is an event, not a state: closed at its own date.
            out.append(Supersession(end.id, end.id, end.valid_from))
        for family_name, members in by_family.items():
            if family is not None and family != family_name:
                continue
            for fact in members:
                if (
                    fact.object == end.object
                    and fact.id != end.id
                    and (fact.id in new_ids or end.id in new_ids)
                    and _when(fact)[:2] <= _when(end)[:2]
                ):
                    out.append(Supersession(fact.id, end.id, end.valid_from))
    return out


def _holder_timeline(
    store: GraphStore, batch: DocumentBatch, new_ids: set[str], rules: TemporalRules, groups: dict[str, frozenset[str]]
) -> list[Supersession]:
    """A new holder of a one-holder role of the same object ends the previous holder's fact."""
    keys = {(f.object, rules.holder_role(f.predicate)) for f in batch.facts if f.valid_from}
    keys = {k for k in keys if k[1]}
    if not keys:
        return []
    stored = [f for obj in sorted({obj for obj, _ in keys}) for f in store.facts_with_object(obj)]
    candidates = {f.id: f for f in stored + batch.facts}
    out: list[Supersession] = []
    for obj, role in keys:
        holders = sorted(
            (
                f
                for f in candidates.values()
                if f.object == obj and f.valid_from and rules.holder_role(f.predicate) == role
            ),
            key=_when,
        )
        current: Fact | None = None
        for fact in holders:
            same = current is not None and fact.subject in groups.get(current.subject, frozenset({current.subject}))
            if current is not None and not same and (fact.id in new_ids or current.id in new_ids):
                out.append(Supersession(current.id, fact.id, fact.valid_from))
            current = fact
    return out


def _judged(
    store: GraphStore, batch: DocumentBatch, judge: LLMContradictionJudge, rules: TemporalRules
) -> list[Supersession]:
    out = []
    for fact in batch.facts:
        if not fact.valid_from or rules.family(fact.predicate) or rules.end_family(fact.predicate)[0]:
            continue
        earlier_in_batch = [
            f for f in batch.facts if f.subject == fact.subject and f.valid_from and _when(f) < _when(fact)
        ]
        known = {f.id: f for f in store.facts_about(fact.subject) + earlier_in_batch}
        current = sorted(
            (f for f in known.values() if f.id != fact.id and f.invalid_at is None and _when(f) <= _when(fact)),
            key=_when,
        )
        out += [Supersession(old.id, fact.id, fact.valid_from) for old in judge.replaced(fact, current)]
    return out
