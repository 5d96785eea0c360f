"""Ranking adjustments after scoring: later evidence first among units about the same thing."""

from __future__ import annotations

import re

import numpy as np


def same_topic_groups(
    vectors: np.ndarray, threshold: float, relevance: np.ndarray | None = None, margin: float = np.inf
) -> list[list[int]]:
    """Connected groups of rows whose pairwise cosine reaches ``threshold`` (rows L2-normalized)
    and, with ``relevance``, whose relevance to the query differs by at most ``margin``."""
    n = len(vectors)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        linked = (vectors @ vectors.T) >= threshold
        if relevance is not None:
            linked &= np.abs(relevance[:, None] - relevance[None, :]) <= margin
        for i, j in zip(*np.nonzero(np.triu(linked, k=1))):
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def later_first(
    ranked: list[str],
    vectors: np.ndarray,
    when: list[tuple | None],
    threshold: float,
    relevance: np.ndarray | None = None,
    margin: float = np.inf,
    updates: list[bool] | None = None,
) -> list[str]:
    """Reorder ``ranked`` so that within each same-topic group the later unit comes first.

    With ``updates`` (one flag per unit: its text states a change), only flagged units move, each
    just ahead of the best-ranked earlier unit it updates (see ``updates_first``).

    Without, two units are about the same thing when their cosine reaches ``threshold`` and their
    ``relevance`` to the query (its cosine) differs by at most ``margin``: a merely related
    later turn that matches the question much worse does not jump ahead. A group keeps the
    rank positions it held; only which member sits where changes, so units outside any group
    never move. ``when[i]`` orders unit ``i`` in time (e.g. its date and position in its
    conversation); undated units (None) are never moved. When the state of something
    changed, the later statement is the current one, so it should be read first.
    """
    stamp = {i: w for i, w in enumerate(when) if w is not None}
    dated = list(stamp)
    if updates is not None:
        return updates_first(ranked, vectors, stamp, threshold, relevance, margin, updates)
    out = list(ranked)
    rel = None if relevance is None else np.asarray(relevance)[dated]
    for group in same_topic_groups(vectors[dated], threshold, rel, margin) if dated else []:
        members = sorted(dated[g] for g in group)  # rank positions, best first
        by_time = sorted(members, key=stamp.__getitem__, reverse=True)
        for position, source in zip(members, by_time):
            out[position] = ranked[source]
    return out


def updates_first(
    ranked: list[str],
    vectors: np.ndarray,
    stamp: dict[int, tuple],
    threshold: float,
    relevance: np.ndarray | None,
    margin: float,
    flags: list[bool],
) -> list[str]:
    """Each flagged unit (it states a change) moves just ahead of the best-ranked earlier unit
    it updates: one stated before it, about the same thing (cosine >= ``threshold``, relevance
    within ``margin``). Flagged units are taken in time order, so of two updates of one thing
    the later ends up first; every other unit keeps its relative order."""
    order = list(range(len(ranked)))
    sims = vectors @ vectors.T if len(ranked) else np.zeros((0, 0))
    for unit in sorted((i for i in stamp if flags[i]), key=stamp.__getitem__):
        at = order.index(unit)
        updated = [
            p
            for p, other in enumerate(order[:at])
            if other in stamp
            and stamp[other] < stamp[unit]
            and sims[unit, other] >= threshold
            and (relevance is None or abs(float(relevance[unit]) - float(relevance[other])) <= margin)
        ]
        if updated:
            order.insert(updated[0], order.pop(at))
    return [ranked[i] for i in order]


# Words a statement of a changed state uses ("moved the deadline to", "increased my budget to").
_CHANGE = re.compile(
    r"\b(?:chang(?:ed|es|ing)|mov(?:ed|ing)|(?:in|de)creas(?:ed|ing)|rais(?:ed|ing)|lower(?:ed|ing)|"
    r"extend(?:ed|ing)|shorten(?:ed|ing)|reschedul(?:ed|ing)|postpon(?:ed|ing)|updat(?:ed|ing)|"
    r"revis(?:ed|ing)|adjust(?:ed|ing)|switch(?:ed|ing)|replac(?:ed|ing)|cancel(?:l?ed|l?ing)|"
    r"push(?:ed|ing) back|bump(?:ed|ing)|instead|no longer|anymore|now|currently)\b",
    re.IGNORECASE,
)


def states_a_change(text: str) -> bool:
    """Whether ``text`` announces that something changed (an update of an earlier statement)."""
    return bool(_CHANGE.search(text))


# Wording that asks for the latest state, whatever the tense ("what did I score most recently?").
_LATEST = re.compile(
    r"\b(?:most recent(?:ly)?|latest|current(?:ly)?|now|so far|at the moment|these days|"
    r"as of (?:today|now)|up to date|updated|new)\b",
    re.IGNORECASE,
)


def asks_for_latest(question: str) -> bool:
    """Whether ``question`` asks for the latest state of something ("my latest score", "now")."""
    return bool(_LATEST.search(question))


# "I", "me", "my", ... (with contractions): the asker speaks of themselves.
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself)\b|\bi'(?:m|ve|d|ll)\b", re.IGNORECASE)


def asks_about_self(question: str) -> bool:
    """Whether ``question`` is in the first person ("what did I decide about my deadline?")."""
    return bool(_FIRST_PERSON.search(question))


def weigh_speakers(
    ranked: list[tuple[str, float]], speakers: dict[str, str], roles: tuple[str, ...], weight: float
) -> list[tuple[str, float]]:
    """Scores of units spoken by one of ``roles`` scaled by ``weight`` (by ``|score|``, so a
    negative cosine moves down too), then re-sorted best first (ties keep their order).

    A first-person question to a user/assistant memory asks what the user said: their plans,
    figures and preferences live in their own turns, while the assistant's long replies match
    the topic as well without holding the user's statement.
    """
    lowered = {r.lower() for r in roles}
    out = [(u, s - (1.0 - weight) * abs(s) if speakers.get(u, "").lower() in lowered else s) for u, s in ranked]
    return sorted(out, key=lambda us: -us[1])
