"""Whether the extractive reader's evidence answers the question: what it measures, and when it abstains.

The evidence of an answer is the retrieved units the reader reads and the facts linked to the
question. Three measures of how well it answers, none tied to a corpus:

- names: a name the question asks about (a capitalized word not opening it, possessive dropped,
  months and weekdays aside) that no unit, title, speaker or fact contains means the memory
  holds nothing about it: the reader abstains whatever else matches;
- coverage: the share of the question's other content words (stemmed) that the evidence contains;
- semantic match: the best embedding cosine of a unit, and of a linked fact, with the question.

``AbstentionModel`` turns the last three into a support score (a logistic function) and the
reader abstains below a threshold. Its weights and threshold were fitted by
``bench/temporal.py --calibrate`` on a tuning split (two LoCoMo conversations and half of the
scenario set) and measured on the held-out rest; ``bench/results/temporal.md`` has the curve.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from .qa_metrics import normalize_answer
from .results import RetrievalResult
from .temporal import BEFORE_PHRASE

STOP = {
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "by",
    "currently",
    "did",
    "do",
    "does",
    "ever",
    "for",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "his",
    "how",
    "in",
    "into",
    "is",
    "it",
    "its",
    "many",
    "much",
    "name",
    "named",
    "now",
    "of",
    "on",
    "or",
    "she",
    "still",
    "than",
    "that",
    "the",
    "their",
    "then",
    "there",
    "they",
    "this",
    "to",
    "today",
    "was",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "with",
}
# Words a question uses for time or for asking, which no evidence sentence needs to repeat.
QUESTION_ONLY = {
    "after",
    "ago",
    "anymore",
    "before",
    "current",
    "currently",
    "date",
    "days",
    "first",
    "last",
    "latest",
    "moment",
    "month",
    "now",
    "nowadays",
    "present",
    "recently",
    "still",
    "these",
    "time",
    "today",
    "year",
}


def stem(word: str) -> str:
    """A crude English stem, enough to match "works"/"worked"/"working" with "work"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# Words a question uses to ask (modal, hedging, "what kind of"), which evidence need not repeat.
ASKING = {
    "also",
    "any",
    "could",
    "kind",
    "likely",
    "might",
    "more",
    "most",
    "often",
    "should",
    "some",
    "sort",
    "type",
    "usually",
    "would",
}
# Calendar words are dates, not names: "When did Melanie go camping in June?"
CALENDAR = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
_POSSESSIVE = re.compile(r"['\u2019]s$")


def stems(text: str) -> set[str]:
    """Stems of the content words of ``text`` (stop words dropped)."""
    return {stem(w) for w in normalize_answer(text).split() if w not in STOP}


def question_terms(retrieved: RetrievalResult) -> tuple[list[str], list[str]]:
    """The names and the other content words a question asks about (normalized, unstemmed)."""
    # "before X" names what the answer came before: X need not be in evidence dated before it.
    question = BEFORE_PHRASE.sub(" ", retrieved.question) if retrieved.as_of else retrieved.question
    names: list[str] = []
    words: list[str] = []
    for n, token in enumerate(re.findall(r"[\w$'\u2019-]+", question)):
        for word in normalize_answer(_POSSESSIVE.sub("", token)).split():
            if word in STOP or word in QUESTION_ONLY or word in ASKING or word.isdigit():
                continue
            if word in CALENDAR:
                continue
            (names if n > 0 and token[:1].isupper() else words).append(word)
    return names, words


@dataclass(frozen=True)
class Evidence:
    """How well the reader's evidence answers a question (see the module docstring)."""

    missing_names: tuple[str, ...]
    coverage: float  # share of the question's other content words found in the evidence (1 when none)
    unit_cosine: float | None  # best cosine of a unit the reader reads (None: not known)
    fact_cosine: float | None  # best cosine of a linked fact (None: no fact linked)

    def as_dict(self) -> dict:
        return asdict(self)


def evidence_of(retrieved: RetrievalResult) -> Evidence:
    """The evidence measures of the units and facts in ``retrieved`` (what the reader is given)."""
    text = " ".join(
        [*(f"{p.title} {p.speaker} {p.text}" for p in retrieved.passages), *(f.text for f in retrieved.facts)]
    )
    known = {stem(w) for w in normalize_answer(text).split()}
    names, words = question_terms(retrieved)
    unit = [p.cosine for p in retrieved.passages if p.cosine is not None]
    fact = [f.cosine for f in retrieved.facts if f.cosine is not None]
    return Evidence(
        tuple(dict.fromkeys(n for n in names if stem(n) not in known)),
        sum(stem(w) in known for w in words) / len(words) if words else 1.0,
        max(unit) if unit else None,
        max(fact) if fact else None,
    )


@dataclass(frozen=True)
class AbstentionModel:
    """Support = sigmoid(bias + weights . (coverage, unit cosine, fact cosine)); the reader
    abstains when a name is missing or support is below ``threshold``. An unknown cosine (no
    fact linked, a result without cosines) takes ``means``: it neither helps nor hurts."""

    weights: tuple[float, float, float]
    bias: float
    means: tuple[float, float, float]
    threshold: float

    def support(self, evidence: Evidence) -> float:
        """How likely the evidence holds the answer, in [0, 1]."""
        values = (evidence.coverage, evidence.unit_cosine, evidence.fact_cosine)
        x = [m if v is None else v for v, m in zip(values, self.means)]
        z = self.bias + sum(w * v for w, v in zip(self.weights, x))
        return 1 / (1 + math.exp(-z))

    def abstains(self, evidence: Evidence, threshold: float | None = None) -> bool:
        """Whether the reader should say the answer is not in memory."""
        limit = self.threshold if threshold is None else threshold
        return bool(evidence.missing_names) or self.support(evidence) < limit


# Fitted by ``python bench/temporal.py --calibrate`` (see bench/results/temporal.md).
CALIBRATED = AbstentionModel(weights=(3.078, 0.0, 7.856), bias=-7.079, means=(0.603, 0.643, 0.733), threshold=0.11)
