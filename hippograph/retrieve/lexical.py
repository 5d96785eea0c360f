"""BM25 over unit texts, kept in memory and updated in place like the vector index.

Dense MiniLM vectors blur exact strings (an error code, a version, a surname, a figure); a lexical
score keeps them. Each unit gets a slot; a term's postings are two packed arrays (slots, term
frequencies) that only grow, so adding a unit touches only its own terms. A removed unit's slot is
marked dead (its terms' document frequencies drop at once) and dead postings are dropped when they
reach half of all postings, so no update costs more than what it changes, amortized.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

# Words so common in any English text that their postings would cost more to walk than their
# near-zero BM25 weight is worth. Content words are never dropped.
_STOP = (
    "a an and are as at be but by did do does for from had has have he her his i in is it its me my "
    "of on or our she so that the their them they this to was we were what when where which who "
    "whom why will with you your"
)
STOP_WORDS = frozenset(_STOP.split())
_TOKEN = re.compile(r"[^\W_]+(?:['.\-][^\W_]+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (keeping ``v2.1``, ``o'brien``, ``gpt-4``), stop words left out."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


class LexicalIndex:
    """Okapi BM25 (``k1``, ``b``) over units; ``scores`` is aligned with a caller's positions."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}  # term -> term id
        self._slots: list[array] = []  # term id -> slots of the units holding it (dead ones too)
        self._tf: list[array] = []  # term id -> term frequency, aligned with _slots
        self._df: list[int] = []  # term id -> live units holding it
        self.slot: dict[str, int] = {}  # live unit id -> slot
        self._unit: list[str | None] = []  # slot -> unit id (None: dead)
        self._terms: list[array | None] = []  # slot -> its term ids (for removal)
        self._length = np.zeros(0, dtype=np.float32)  # slot -> tokens
        self._alive = np.zeros(0, dtype=bool)  # slot -> holds a live unit
        self._total = 0  # tokens of live units
        self._postings = 0  # postings held, dead ones included
        self._dead_postings = 0

    def __len__(self) -> int:
        return len(self.slot)

    def add(self, texts: Mapping[str, str]) -> None:
        """Index (or re-index) units by id."""
        self.remove(i for i in texts if i in self.slot)
        for unit_id, text in texts.items():
            counts = Counter(tokenize(text))
            slot = len(self._unit)
            self.slot[unit_id] = slot
            self._unit.append(unit_id)
            if slot >= len(self._length):
                size = max(16, 2 * len(self._length))
                self._length = np.concatenate([self._length, np.zeros(size - len(self._length), np.float32)])
                self._alive = np.concatenate([self._alive, np.zeros(size - len(self._alive), bool)])
            self._length[slot] = sum(counts.values())
            self._alive[slot] = True
            self._total += int(self._length[slot])
            ids = array("i")
            for term, tf in counts.items():
                t = self.vocabulary.get(term)
                if t is None:
                    t = self.vocabulary[term] = len(self._slots)
                    self._slots.append(array("i"))
                    self._tf.append(array("f"))
                    self._df.append(0)
                self._slots[t].append(slot)
                self._tf[t].append(tf)
                self._df[t] += 1
                ids.append(t)
            self._terms.append(ids)
            self._postings += len(ids)

    def remove(self, ids: Iterable[str]) -> None:
        """Drop units by id (unknown ids are ignored); costs the removed units' terms only."""
        for unit_id in [i for i in ids if i in self.slot]:
            slot = self.slot.pop(unit_id)
            terms = self._terms[slot]
            assert terms is not None
            for t in terms:
                self._df[t] -= 1
            self._total -= int(self._length[slot])
            self._unit[slot] = None
            self._terms[slot] = None
            self._alive[slot] = False
            self._dead_postings += len(terms)
        if self._dead_postings > max(1024, self._postings // 2):
            self._compact()

    def _compact(self) -> None:
        """Drop dead postings (and renumber slots densely)."""
        live = [(u, self._terms[s], float(self._length[s])) for s, u in enumerate(self._unit) if u is not None]
        renumber = np.full(len(self._unit), -1, dtype=np.int64)
        for new, (unit_id, _, _) in enumerate(live):
            renumber[self.slot[unit_id]] = new
        for t in range(len(self._slots)):
            slots = np.frombuffer(self._slots[t], dtype=np.int32) if len(self._slots[t]) else np.zeros(0, np.int32)
            tf = np.frombuffer(self._tf[t], dtype=np.float32) if len(self._tf[t]) else np.zeros(0, np.float32)
            moved = renumber[slots]
            keep = moved >= 0
            self._slots[t] = array("i", moved[keep].astype(np.int32).tobytes())
            self._tf[t] = array("f", tf[keep].tobytes())
        units: list[str] = [u for u, _, _ in live]
        self._unit = list(units)
        self._terms = [terms for _, terms, _ in live]
        self._length = np.array([length for _, _, length in live], dtype=np.float32)
        self._alive = np.ones(len(live), dtype=bool)
        self.slot = {u: n for n, u in enumerate(units)}
        self._postings -= self._dead_postings
        self._dead_postings = 0

    def length(self, unit_id: str) -> int:
        """Tokens of a live unit (after stop words)."""
        return int(self._length[self.slot[unit_id]])

    def postings(self, term: str) -> dict[str, float]:
        """The live units holding ``term``, with its frequency in each (for inspection and tests)."""
        t = self.vocabulary.get(term)
        if t is None:
            return {}
        return {u: tf for s, tf in zip(self._slots[t], self._tf[t]) if (u := self._unit[s]) is not None}

    def scores(self, query: str, position: Mapping[str, int], size: int, keep: int = 1000) -> np.ndarray:
        """BM25 for ``query`` at ``position[unit id]`` in an array of ``size``: the ``keep`` best
        units (the rest, whose rank a fusion barely weighs, stay 0)."""
        out = np.zeros(size, dtype=np.float32)
        n = len(self.slot)
        if n == 0:
            return out
        average = self._total / n
        by_slot = np.zeros(len(self._unit), dtype=np.float32)
        for term, repeats in Counter(tokenize(query)).items():
            t = self.vocabulary.get(term)
            if t is None or self._df[t] <= 0:
                continue
            df = self._df[t]
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            slots = np.frombuffer(self._slots[t], dtype=np.int32)
            tf = np.frombuffer(self._tf[t], dtype=np.float32)
            length = self._length[slots]
            weight = idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / average))
            by_slot += np.bincount(slots, weights=repeats * weight, minlength=len(by_slot)).astype(np.float32)
        hits = np.flatnonzero((by_slot > 0) & self._alive[: len(by_slot)])
        if hits.size > keep:
            hits = hits[np.argpartition(-by_slot[hits], keep - 1)[:keep]]
        for s in hits.tolist():
            unit_id = self._unit[s]
            p = position.get(unit_id, -1) if unit_id is not None else -1
            if p >= 0:
                out[p] = by_slot[s]
        return out
