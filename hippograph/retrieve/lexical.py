"""BM25 over unit texts, kept in memory and updated in place like the vector index.

Dense MiniLM vectors blur exact strings (an error code, a version, a surname, a figure); a lexical
score keeps them. The index holds per-term postings keyed by unit id, so adding or removing a unit
touches only its own terms, never the rest of the corpus.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

# Words so common in any English text that their postings would cost more to walk than their
# near-zero BM25 weight is worth. Content words are never dropped.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_TOKEN = re.compile(r"[^\W_]+(?:['.\-][^\W_]+)*", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (keeping ``v2.1``, ``o'brien``, ``gpt-4``), stop words left out."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


class LexicalIndex:
    """Okapi BM25 (``k1``, ``b``) over units; ``scores`` is aligned with a caller's positions."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.postings: dict[str, dict[str, int]] = {}  # term -> unit id -> term frequency
        self.lengths: dict[str, int] = {}  # unit id -> tokens
        self.terms: dict[str, tuple[str, ...]] = {}  # unit id -> its distinct terms (for removal)
        self._total = 0

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, texts: Mapping[str, str]) -> None:
        """Index (or re-index) units by id."""
        self.remove(i for i in texts if i in self.lengths)
        for unit_id, text in texts.items():
            counts = Counter(tokenize(text))
            self.lengths[unit_id] = sum(counts.values())
            self._total += self.lengths[unit_id]
            self.terms[unit_id] = tuple(counts)
            for term, tf in counts.items():
                self.postings.setdefault(term, {})[unit_id] = tf

    def remove(self, ids: Iterable[str]) -> None:
        """Drop units by id (unknown ids are ignored); costs the removed units' terms only."""
        for unit_id in [i for i in ids if i in self.lengths]:
            self._total -= self.lengths.pop(unit_id)
            for term in self.terms.pop(unit_id):
                units = self.postings[term]
                del units[unit_id]
                if not units:
                    del self.postings[term]

    def scores(self, query: str, position: Mapping[str, int], size: int) -> np.ndarray:
        """BM25 of every unit for ``query``, at ``position[unit id]`` in an array of ``size``."""
        out = np.zeros(size, dtype=np.float32)
        n = len(self.lengths)
        if n == 0:
            return out
        average = self._total / n
        for term, repeats in Counter(tokenize(query)).items():
            units = self.postings.get(term)
            if not units:
                continue
            idf = math.log(1.0 + (n - len(units) + 0.5) / (len(units) + 0.5))
            rows = np.fromiter((position.get(u, -1) for u in units), dtype=np.int64, count=len(units))
            tf = np.fromiter(units.values(), dtype=np.float32, count=len(units))
            length = np.fromiter((self.lengths[u] for u in units), dtype=np.float32, count=len(units))
            weight = idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / average))
            keep = rows >= 0
            np.add.at(out, rows[keep], repeats * weight[keep])
        return out
