"""Time in retrieval: as-of filtering of units, demotion of superseded units, "before X" questions.

Everything here reads the ``RetrievalIndex`` and a per-generation ``TimeView`` (unit dates and
which units only state superseded facts); ``HippoRetriever`` calls ``time_filter``/``demote``
on its scores, so the ranking itself stays in ``hippo.py``.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from ..dates import day_before, parse_as_of, sort_key
from ..extract.relations import DEFAULT_RULES, TemporalRules
from ..ids import normalize_name
from .index import RetrievalIndex
from .linking import FactLink
from .timeview import TimeView

_PAST = re.compile(
    r"\b(did|was|were|had|used to|before|previously|formerly|ago|as of|back in|in \d{4}|earlier|"
    r"first|originally|former)\b",
    re.IGNORECASE,
)
BEFORE_PHRASE = re.compile(
    r"\bbefore\s+(?:(?:joining|moving to|becoming|marrying|working at|living in|"
    r"taking over)\s+)?"
    r"(?:the\s+)?([A-Z$0-9][\w$.&'-]*(?:\s+[A-Z0-9][\w.&'-]*)*)"
)


# What a question asks for, by the relation family of the facts that answer it.
_ASKED = (
    ("role", re.compile(r"\bwork(?:s|ed|ing)?\s+as\b|\b(?:role|title|position|job title)\b", re.IGNORECASE)),
    ("employer", re.compile(r"\b(?:work|works|worked|working|job|employer|employed|company)\b", re.IGNORECASE)),
    ("residence", re.compile(r"\b(?:live|lives|lived|living|reside|resides|city|home|based)\b", re.IGNORECASE)),
    ("spouse", re.compile(r"\b(?:married|marry|wife|husband|spouse)\b", re.IGNORECASE)),
    ("price", re.compile(r"\b(?:cost|costs|price|priced)\b|\bhow much\b", re.IGNORECASE)),
)


def asked_relations(question: str) -> set[str]:
    """Relation families the question asks about ("where does X work" -> employer)."""
    found = {family for family, pattern in _ASKED if pattern.search(question)}
    return {"role"} if "role" in found else found  # "work as" asks for the role, not the employer


def prefer_asked_relation(
    links: list[FactLink], question: str, keep: int, bonus: float = 0.5, rules: TemporalRules = DEFAULT_RULES
) -> list[FactLink]:
    """Linked facts reordered so those of the asked relation come first: each ranks as if it
    scored ``bonus`` more (scores are min-max normalized, so 0.5 lifts a fact over most others
    but not over a far better one); scores themselves are unchanged. One-holder roles match when
    the question names the role ("who is the mayor of ...")."""
    asked = asked_relations(question)
    words = {w.rstrip("s") for w in normalize_name(question).split()}

    def matches(fact) -> bool:
        if rules.family(fact.predicate) in asked:
            return True
        role = rules.holder_role(fact.predicate)
        if not role:
            return False
        return any(w.rstrip("s") in words for w in role.split() if w not in ("of", "at", "for"))

    return sorted(links, key=lambda link: -(link.score + (bonus if matches(link.fact) else 0.0)))[:keep]


def is_present_tense(question: str) -> bool:
    """A question about how things are now (no past-tense or dated wording)."""
    return not _PAST.search(question)


def before_as_of(question: str, index: RetrievalIndex) -> str | None:
    """For "... before X?" the day before X began: the earliest fact naming X (best matching the
    question's other words) sets it; "before 2020" uses the date itself. None when not asked."""
    m = BEFORE_PHRASE.search(question)
    if not m:
        return None
    target = m.group(1).strip(" ?.!,")
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", target):
        return day_before(target)
    key = normalize_name(target)
    words = set(normalize_name(question.replace(m.group(0), " ")).split())
    best: tuple | None = None
    for fact in index.fact_records:
        if not fact.valid_from:
            continue
        sides = [_plain(fact.subject), _plain(fact.object)]
        if key not in sides:
            continue
        other = sides[1] if sides[0] == key else sides[0]
        rank = (-len(words & set(other.split())), sort_key(fact.valid_from))
        if best is None or rank < best[0]:
            best = (rank, fact.valid_from)
    return day_before(best[1]) if best else None


def _plain(entity_id: str) -> str:
    return entity_id.rpartition(":")[2]


def reference_instant(as_of: str | None, now: dt.datetime) -> dt.datetime:
    """The instant a question is asked at: ``as_of`` (checked ISO) or now."""
    return parse_as_of(as_of) if as_of is not None else now


def time_filter(view: TimeView, as_of: str | None, valid_facts: np.ndarray | None = None) -> np.ndarray:
    """Units a question as of ``as_of`` may see: undated ones, those dated at or before it, and
    later ones that state a fact valid then (``valid_facts``: a note updated in 2022 saying
    where someone worked since 2015 answers "as of 2017" with that fact, not with its news)."""
    if as_of is None:
        return np.ones(len(view.starts), dtype=bool)
    limit = parse_as_of(as_of).timestamp()
    with np.errstate(invalid="ignore"):
        seen = ~(view.starts > limit)
    if valid_facts is not None and valid_facts.any():
        for n in np.flatnonzero(~seen):
            seen[n] = view.supports_valid(int(n), valid_facts)
    return seen


def demote(scores: np.ndarray, view: TimeView, penalty: float) -> np.ndarray:
    """Scores with units that only state superseded facts scaled down by ``penalty``."""
    if not view.superseded.any():
        return scores
    out = scores.astype(float, copy=True)
    hit = view.superseded
    out[hit] = np.where(out[hit] > 0, out[hit] * penalty, out[hit] / max(penalty, 1e-9))
    return out


def rank_in_time(
    scores: np.ndarray,
    seen: np.ndarray,
    view: TimeView,
    as_of: str | None,
    present: bool,
    penalty: float,
    linked: list[str] | tuple[str, ...] = (),
) -> np.ndarray:
    """Final unit scores under time: units not ``seen`` at ``as_of`` removed (-inf); for a
    present-tense question, units stating only superseded facts are scaled by ``penalty`` and
    ranked below every unit that states one of the ``linked`` (currently valid) facts: the
    memory knows what holds now, so what held before comes after it."""
    out = scores.astype(float, copy=True)
    if present and as_of is None and view.superseded.any():
        out = demote(out, view, penalty)
        current = np.zeros(len(out), dtype=bool)
        for fact in linked:
            current[view.rows_supporting(fact)] = True
        current &= ~view.superseded
        if current.any():
            floor = out[current].min()
            stale = view.superseded & (out >= floor)
            out[stale] = floor - np.abs(floor) * 1e-3 - 1e-9
    out[~seen] = -np.inf
    return out
