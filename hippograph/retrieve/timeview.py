"""Per-unit time facts (dates, supported facts, superseded units) kept current from the change feed.

A ``TimeView`` belongs to one index generation. The next generation's view is the previous one
patched with the store's change feed: only changed units' records and supports are read, and
only units touching a changed fact are re-judged, so a query after adding one document costs what
the document changed, not what is stored. Unit-aligned arrays are rebuilt from the dated and the
superseded units only (undated, current units cost nothing beyond the array itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..dates import interval
from ..graph.store import StoreAdmin, StoreReader
from ..records import Episode, Passage
from .index import UNIT_KINDS, RetrievalIndex
from .keys import support_matrix


@dataclass
class TimeView:
    """Time facts of the units of ``index`` (one generation); arrays aligned with ``index.units.ids``."""

    generation: int
    index: RetrievalIndex
    starts: np.ndarray  # float POSIX seconds where each unit's date starts; NaN when undated
    superseded: np.ndarray  # bool: the unit states facts and every one of them is superseded
    dates: dict[str, str]  # unit id -> its date as stored
    unit_facts: dict[str, set[str]]  # unit id -> ids of the facts it supports
    fact_units: dict[str, set[str]]  # fact id -> ids of the units supporting it
    start_of: dict[str, float] = field(default_factory=dict)  # dated unit id -> POSIX start
    stale: set[str] = field(default_factory=set)  # ids of the superseded units
    _derived: dict = field(default_factory=dict, repr=False)  # built on demand, per generation

    @classmethod
    def load(cls, store: StoreReader, index: RetrievalIndex, previous: TimeView | None = None) -> TimeView:
        """The view of ``index``; from ``previous`` through the change feed when it reaches back."""
        changes = store.changes_since(previous.generation) if previous is not None else None
        if previous is None or changes is None:
            view = cls(index.generation, index, np.zeros(0), np.zeros(0, dtype=bool), {}, {}, {})
            units = list(index.units.ids)
            view._read_units(store, units)
            for fact, supporters in store.fact_units().items():
                for unit in supporters:
                    if unit in index.unit_kind:
                        view.unit_facts.setdefault(unit, set()).add(fact)
                        view.fact_units.setdefault(fact, set()).add(unit)
            view._judge(set(view.unit_facts))
        else:
            view = previous
            view.generation, view.index = index.generation, index
            view._apply(store, changes)
        view._arrays()
        return view

    def _apply(self, store: StoreReader, changes) -> None:
        gone = set().union(*(changes.removed[k] for k in UNIT_KINDS))
        fresh = set().union(*(changes.upserted[k] for k in UNIT_KINDS))
        touched_facts = changes.upserted["fact"] | changes.removed["fact"]
        for fact in changes.removed["fact"]:
            for unit in self.fact_units.pop(fact, set()):
                self.unit_facts.get(unit, set()).discard(fact)
                touched_facts.add(fact)
                self._judge({unit})
        for unit in gone | fresh:  # upserted units are re-read whole
            self.dates.pop(unit, None)
            self.start_of.pop(unit, None)
            self.stale.discard(unit)
            for fact in self.unit_facts.pop(unit, set()):
                touched_facts.add(fact)
                holders = self.fact_units.get(fact)
                if holders is not None:
                    holders.discard(unit)
                    if not holders:
                        del self.fact_units[fact]
        fresh = {u for u in fresh if u in self.index.unit_kind}
        self._read_units(store, sorted(fresh))
        if isinstance(store, StoreAdmin):  # the new units' supports, read by unit id
            supports = {u: [f.id for f in facts] for u, facts in store.unit_facts(sorted(fresh)).items()}
        else:  # a store offering reads only: every support, keeping the new units'
            supports = {}
            for fact, units in store.fact_units().items():
                for unit in fresh.intersection(units):
                    supports.setdefault(unit, []).append(fact)
        for unit, fact_ids in supports.items() if fresh else ():
            for fact_id in fact_ids:
                self.unit_facts.setdefault(unit, set()).add(fact_id)
                self.fact_units.setdefault(fact_id, set()).add(unit)
        self._judge(fresh | {u for f in touched_facts for u in self.fact_units.get(f, ())})

    def _read_units(self, store: StoreReader, units: list[str]) -> None:
        kinds = self.index.unit_kind
        records: list[Passage | Episode] = [
            *store.passages([u for u in units if kinds.get(u) == "passage"]),
            *store.episodes([u for u in units if kinds.get(u) == "episode"]),
        ]
        for unit in records:
            when = getattr(unit, "occurred_at", None)
            span = interval(when) if when else None
            if when:
                self.dates[unit.id] = when
            if span is not None:
                self.start_of[unit.id] = span[0].timestamp()

    def _judge(self, units: set[str]) -> None:
        """Re-decide which of ``units`` only state superseded facts (validity from the index)."""
        position, valid = self.index.facts.position, self.index.fact_valid
        for unit in units:
            facts = [position[f] for f in self.unit_facts.get(unit, ()) if f in position]
            if facts and not valid[facts].any():
                self.stale.add(unit)
            else:
                self.stale.discard(unit)

    def _arrays(self) -> None:
        position = self.index.units.position
        self.starts = np.full(len(self.index.units), np.nan)
        for unit, start in self.start_of.items():
            if unit in position:
                self.starts[position[unit]] = start
        self.superseded = np.zeros(len(self.index.units), dtype=bool)
        self.superseded[[position[u] for u in self.stale if u in position]] = True

    @property
    def unit_fact_rows(self) -> list[list[int]]:
        """Per unit row of the index, the rows of ``index.fact_records`` it supports (built once per
        generation, O(units), only for the options that read it: fact keys, multi-step recall)."""
        if self._derived.get("rows_generation") != self.generation:
            position = self.index.facts.position
            self._derived.clear()
            self._derived["rows"] = [
                sorted(position[f] for f in self.unit_facts.get(u, ()) if f in position) for u in self.index.units.ids
            ]
            self._derived["rows_generation"] = self.generation
        return self._derived["rows"]

    def support(self, facts: int) -> sp.csr_matrix:
        """Units x facts incidence of this generation (built once, for fact-augmented keys)."""
        rows = self.unit_fact_rows
        cached = self._derived.get("support")
        if cached is None or cached.shape[1] != facts:
            cached = self._derived["support"] = support_matrix(rows, facts)
        return cached

    def supports_valid(self, row: int, valid_facts: np.ndarray) -> bool:
        """Whether the unit at ``row`` of the index supports a fact marked in ``valid_facts``."""
        position = self.index.facts.position
        facts = self.unit_facts.get(self.index.units.ids[row], ())
        return any(valid_facts[position[f]] for f in facts if f in position)

    def rows_supporting(self, fact: str) -> list[int]:
        """Index rows of the units supporting ``fact``."""
        position = self.index.units.position
        return [position[u] for u in self.fact_units.get(fact, ()) if u in position]


def attach_time_view(store: StoreReader, index: RetrievalIndex) -> TimeView:
    """The ``TimeView`` kept on ``index``, patched up to its generation when behind."""
    view = index.time_view
    kept = view if isinstance(view, TimeView) and view.index is index else None  # not a copy's view
    if kept is None or kept.generation != index.generation:
        kept = TimeView.load(store, index, previous=kept)
        index.time_view = kept
    return kept
