"""Time in retrieval: as-of filtering of units, demotion of superseded units, "before X" questions.

Everything here reads the ``RetrievalIndex`` and a per-generation ``TimeView`` (unit dates and
which units only state superseded facts); ``HippoRetriever`` calls ``time_filter``/``demote``
on its scores, so the ranking itself stays in ``hippo.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..dates import day_before, interval, parse_as_of, sort_key
from ..extract.relations import DEFAULT_RULES, TemporalRules
from ..graph.store import StoreReader
from ..ids import normalize_name
from .index import RetrievalIndex
from .keys import support_matrix
from .linking import FactLink

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


@dataclass
class TimeView:
    """Per-unit time facts of one index generation, aligned with ``index.units.ids``."""

    generation: int
    starts: np.ndarray  # float POSIX seconds where each unit's date starts; NaN when undated
    dates: dict[str, str]  # unit id -> its date as stored
    superseded: np.ndarray  # bool: the unit states facts and every one of them is superseded
    unit_fact_rows: list[list[int]]  # per unit: rows of ``index.fact_records`` it supports
    fact_units: dict[str, list[int]]  # fact id -> positions of the units supporting it

    @classmethod
    def load(cls, store: StoreReader, index: RetrievalIndex) -> TimeView:
        ids = index.units.ids
        passage_ids = [i for i in ids if index.unit_kind.get(i) == "passage"]
        episode_ids = [i for i in ids if index.unit_kind.get(i) == "episode"]
        dates = {
            u.id: u.occurred_at  # type: ignore[attr-defined]
            for u in [*store.passages(passage_ids), *store.episodes(episode_ids)]
            if getattr(u, "occurred_at", None)
        }
        starts = np.full(len(ids), np.nan)
        for n, unit in enumerate(ids):
            span = interval(dates.get(unit))
            if span is not None:
                starts[n] = span[0].timestamp()
        row_of = {f.id: n for n, f in enumerate(index.fact_records)}
        position = {unit: n for n, unit in enumerate(ids)}
        rows: list[list[int]] = [[] for _ in ids]
        supporters: dict[str, list[int]] = {}
        for fact, units in store.fact_units().items():
            if fact in row_of:
                for unit in units:
                    if unit in position:
                        rows[position[unit]].append(row_of[fact])
                        supporters.setdefault(fact, []).append(position[unit])
        current = [f.invalid_at is None for f in index.fact_records]
        superseded = np.array([bool(r) and not any(current[i] for i in r) for r in rows], dtype=bool)
        return cls(index.generation, starts, dates, superseded, rows, supporters)

    def support(self, facts: int) -> sp.csr_matrix:
        """Units x facts incidence of this generation (built once, for fact-augmented keys)."""
        cached = getattr(self, "_support", None)
        if cached is None or cached.shape[1] != facts:
            cached = support_matrix(self.unit_fact_rows, facts)
            self._support = cached
        return cached


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
            seen[n] = any(valid_facts[i] for i in view.unit_fact_rows[n])
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
            current[view.fact_units.get(fact, [])] = True
        current &= ~view.superseded
        if current.any():
            floor = out[current].min()
            stale = view.superseded & (out >= floor)
            out[stale] = floor - np.abs(floor) * 1e-3 - 1e-9
    out[~seen] = -np.inf
    return out
