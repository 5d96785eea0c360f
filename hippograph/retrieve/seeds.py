"""Seeds of the PPR walk: entities from linked facts, passages from the query's unit scores
(dense, raised by BM25 where the dense top is flat), and the rank fusion of final scores."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..config import RetrievalSettings
from ..errors import ConfigError
from ..ids import entity_id
from .dense import min_max
from .index import RetrievalIndex
from .lexical import STOP_WORDS
from .linking import FactLink


def entity_seeds(index: RetrievalIndex, links: list[FactLink], keep: int) -> dict[str, float]:
    """Each entity of a kept fact gets fact score / units mentioning it, averaged; top ``keep``."""
    total: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for link in links:
        for entity in {link.fact.subject, link.fact.object}:
            if entity in index.graph.index:
                total[entity] += link.score / max(1, index.unit_mentions.get(entity, 0))
                count[entity] += 1
    averaged = {e: total[e] / count[e] for e in total}
    best = sorted(averaged.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    return {e: w for e, w in best if w > 0}


_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")


def named_entities(index: RetrievalIndex, question: str, namespace: str, longest: int = 6) -> list[str]:
    """Stored entities the question names verbatim: the longest spans (up to ``longest`` words)
    with a capitalized or numeric word whose normalized text is an entity's id, left to right.

    A lone capitalized first word is skipped (every question starts with one), and so are spans
    that begin or end with a stop word ("I", "the World" in "the World Series")."""
    words = [_POSSESSIVE.sub("", w) for w in _WORD.findall(question)]  # "Reed's" names Reed
    used = [False] * len(words)
    found: list[tuple[int, str]] = []
    for n in range(min(longest, len(words)), 0, -1):
        for start in range(len(words) - n + 1):
            span = words[start : start + n]
            if any(used[start : start + n]) or not any(w[0].isupper() or w[0].isdigit() for w in span):
                continue
            if (n == 1 and start == 0 and not span[0][0].isdigit()) or {span[0].lower(), span[-1].lower()} & STOP_WORDS:
                continue
            key = entity_id(" ".join(span), namespace)
            if key in index.graph.index and index.unit_mentions.get(key, 0) > 0:
                used[start : start + n] = [True] * n
                found.append((start, key))
    return [key for _, key in sorted(found)]


def with_named_entities(
    seeds: dict[str, float], index: RetrievalIndex, named: list[str], weight: float
) -> dict[str, float]:
    """``seeds`` plus each named entity at ``weight`` / units mentioning it: a name the question
    states counts like a linked fact of score ``weight`` naming it (see ``entity_seeds``)."""
    out = dict(seeds)
    for entity in named:
        out[entity] = out.get(entity, 0.0) + weight / max(1, index.unit_mentions.get(entity, 0))
    return out


def weaker_than_dense(links: list[FactLink], dense: np.ndarray, margin: float | None) -> bool:
    """Whether the best linked fact's cosine is below the best unit's plus ``margin``.

    The graph enters through the linked facts: when the question matches a stored unit clearly
    better than any fact, the seeds are weaker evidence than the dense ranking itself, and the
    walk from them mostly pulls mass away from that unit (long chats: onto its neighbours).
    """
    if margin is None or not links or dense.size == 0:
        return False
    return max(link.cosine for link in links) < float(dense.max()) + margin


def passage_seed_weights(dense: np.ndarray, cfg: RetrievalSettings) -> np.ndarray:
    """Seed weight of every unit from its cosine with the query."""
    if cfg.passage_seeds == "minmax":
        return min_max(dense) * cfg.passage_weight
    if cfg.passage_seeds != "softmax":
        raise ConfigError(f"unknown passage_seeds {cfg.passage_seeds!r}; expected softmax or minmax")
    # A sharp softmax keeps seed mass on the few passages that really match; min-max
    # scores spread most of the mass over the whole corpus.
    spread = cfg.seed_spread * flatness(dense, cfg.peak_flat, cfg.peak_sharp)
    z = np.exp((dense - dense.max()) / seed_temperature(dense, cfg.passage_temperature, spread))
    return z / z.sum() * cfg.passage_weight


def flatness(dense: np.ndarray, flat: float, sharp: float) -> float:
    """How little the best unit stands out: its cosine's distance above the median in standard
    deviations (z) mapped to 1 at ``z <= flat``, 0 at ``z >= sharp``, linear in between.

    A best unit far above the bulk (typical of a question naming its subject) is a reliable
    anchor, so seeds stay on it and the graph brings in the other hops; when many units match
    about as well (a long conversation circling one topic) no single one is, and seeds spread.
    """
    if dense.size < 2 or sharp <= flat:
        return 1.0
    std = float(dense.std())
    if std <= 0:
        return 1.0
    z = (float(dense.max()) - float(np.median(dense))) / std
    return float(np.clip((sharp - z) / (sharp - flat), 0.0, 1.0))


def seed_temperature(dense: np.ndarray, floor: float, spread: float) -> float:
    """Softmax temperature of passage seeds: ``floor``, or ``spread`` x the cosines' std if larger.

    Measured in standard deviations, a unit far above the rest keeps nearly all the mass
    whatever the embedder's cosine range, while many units close to the best share it.
    """
    if spread <= 0 or dense.size < 2:
        return floor
    return max(floor, spread * float(dense.std()))


def seed_vector(
    index: RetrievalIndex, seeds: dict[str, float], dense: np.ndarray, cfg: RetrievalSettings
) -> np.ndarray:
    """The PPR reset vector: entity seeds, plus passage seeds on the units' nodes."""
    reset = np.zeros(index.graph.size)
    total = sum(seeds.values()) if cfg.passage_seeds == "softmax" else 1.0
    for entity, weight in seeds.items():
        reset[index.graph.index[entity]] += weight / total
    reset[index.unit_nodes] += passage_seed_weights(dense, cfg)
    return reset


def fuse_ranks(
    primary: np.ndarray, secondary: np.ndarray, weight: float, k: int, matched_only: bool = False
) -> np.ndarray:
    """Reciprocal-rank fusion: ``(1-weight)/(k+rank_primary) + weight/(k+rank_secondary)``.

    ``matched_only``: units whose secondary score is 0 (a BM25 ranking: no query term) get no
    secondary term at all, rather than ranks that would only follow their storage order."""
    if weight <= 0:
        return primary
    n = primary.size
    rank_p = np.empty(n)
    rank_p[np.argsort(-primary, kind="stable")] = np.arange(1, n + 1)
    rank_s = np.empty(n)
    rank_s[np.argsort(-secondary, kind="stable")] = np.arange(1, n + 1)
    second = weight / (k + rank_s)
    if matched_only:
        second[secondary <= 0] = 0.0
    return (1 - weight) / (k + rank_p) + second


def lexical_share(dense: np.ndarray, weight: float, cfg: RetrievalSettings) -> float:
    """``weight`` x the flatness of the dense top when ``cfg.lexical_flat`` (else ``weight``).

    A question whose best unit stands far above the rest (a named subject) is anchored by
    meaning; where many units match about as well (a long chat circling one topic) the exact
    words it shares with a few of them (a figure, a name, an identifier) decide.
    """
    return weight * (flatness(dense, cfg.lexical_peak_flat, cfg.lexical_peak_sharp) if cfg.lexical_flat else 1.0)


def lexically_raised(dense: np.ndarray, bm25: np.ndarray, share: float) -> np.ndarray:
    """Unit cosines raised by ``share`` x BM25 / best BM25, in units of the best cosine's lead
    over the median (so the raise is on the scale of this query's own cosines)."""
    if share <= 0 or bm25.size == 0 or bm25.max() <= 0:
        return dense
    spread = float(dense.max() - np.median(dense))
    return dense + share * spread * bm25 / bm25.max()
