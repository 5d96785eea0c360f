"""SQuAD-style answer normalization, exact match and token F1 (best over aliases)."""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and articles, squeeze whitespace."""
    text = "".join(c for c in str(text).lower() if c not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: list[str]) -> float:
    p = normalize_answer(prediction)
    return float(any(p == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: list[str]) -> float:
    """Best token-level F1 of the prediction against any gold answer."""
    pred = normalize_answer(prediction).split()
    best = 0.0
    for gold in golds:
        g = normalize_answer(gold).split()
        common = sum((Counter(pred) & Counter(g)).values())
        if not pred or not g or common == 0:
            best = max(best, float(pred == g))
            continue
        precision, recall = common / len(pred), common / len(g)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best
