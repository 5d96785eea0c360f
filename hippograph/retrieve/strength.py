"""Strength and recency in ranking (MemoryBank's forgetting curve), an optional score term.

A unit's retention is ``0.5 ** (age / (half_life x (1 + recalls)))``: it halves every half-life
since the unit was last recalled (or, never recalled, since its own date, else since its document
was stored), and every recall stretches the half-life, so what is recalled often fades slower.
The ranking score becomes ``base + (score - base) x (1 - weight + weight x retention)`` (``base``:
0, or the lowest score when some are negative, as dense cosines can be), so ``weight`` 0 leaves the
ranking exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..dates import interval
from ..graph.store import StoreReader
from ..graph.strength import StrengthStore
from ..records import Episode, Passage
from .index import RetrievalIndex

DAY = 86_400.0


def retention(age_days: np.ndarray, recalls: np.ndarray, half_life_days: float) -> np.ndarray:
    """MemoryBank retention in (0, 1]: halves every ``half_life_days x (1 + recalls)`` of age."""
    age = np.clip(np.nan_to_num(age_days, nan=0.0), 0.0, None)
    return np.power(0.5, age / (max(half_life_days, 1e-9) * (1.0 + recalls)))


@dataclass
class UnitDates:
    """When each unit of one index generation came to memory (POSIX seconds; NaN when unknown)."""

    generation: int
    stored: np.ndarray

    @classmethod
    def load(cls, store: StoreReader, index: RetrievalIndex) -> UnitDates:
        ids = index.units.ids
        kinds = index.unit_kind
        units: list[Passage | Episode] = [
            *store.passages([i for i in ids if kinds.get(i) == "passage"]),
            *store.episodes([i for i in ids if kinds.get(i) == "episode"]),
        ]
        ingested = {d.id: d.ingested_at for d in getattr(store, "documents", list)()}
        stamp: dict[str, float] = {}
        for unit in units:
            span = interval(unit.occurred_at) or interval(ingested.get(unit.document_id) or None)
            if span is not None:
                stamp[unit.id] = span[0].timestamp()
        return cls(index.generation, np.array([stamp.get(i, np.nan) for i in ids], dtype=float))


class StrengthTerm:
    """Recall stats and unit dates, applied to a score vector aligned with ``index.units.ids``."""

    def __init__(self, store: StoreReader, strength: StrengthStore):
        self.store = store
        self.strength = strength
        self._dates: UnitDates | None = None

    def dates(self, index: RetrievalIndex) -> UnitDates:
        if self._dates is None or self._dates.generation != index.generation:
            self._dates = UnitDates.load(self.store, index)
        return self._dates

    def factors(self, index: RetrievalIndex, now: datetime, weight: float, half_life_days: float) -> np.ndarray:
        """``1 - weight + weight x retention`` of every unit of ``index``."""
        ids = index.units.ids
        stats = self.strength.stats()
        recalls = np.zeros(len(ids))
        last = self.dates(index).stored.copy()
        position = index.units.position
        for unit, s in stats.items():
            row = position.get(unit)
            if row is None:
                continue
            recalls[row] = s.recalls
            span = interval(s.last_recalled) if s.last_recalled else None
            if span is not None:
                last[row] = span[0].timestamp()
        age_days = (now.timestamp() - last) / DAY
        return 1.0 - weight + weight * retention(age_days, recalls, half_life_days)

    def weigh(
        self, scores: np.ndarray, index: RetrievalIndex, now: datetime, weight: float, half_life_days: float
    ) -> np.ndarray:
        """Scores scaled towards the lowest finite score by each unit's strength factor."""
        finite = np.isfinite(scores)
        if not finite.any():
            return scores
        base = min(0.0, float(scores[finite].min()))
        weighted = base + (scores - base) * self.factors(index, now, weight, half_life_days)
        return np.where(finite, weighted, scores)

    def record(self, unit_ids: list[str], now: datetime) -> None:
        """Count a recall of each returned unit (buffered in the side store)."""
        if unit_ids:
            self.strength.record(unit_ids, now.isoformat())
