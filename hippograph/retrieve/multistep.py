"""Multi-step recall without an LLM: seed another PPR round from what the first round found.

A multi-hop question names its first hop only; the bridge entity appears in the evidence the
first round ranks highest. Each further round adds, as entity seeds, the entities of the best
query-matching facts stated by the top units that no earlier seed covers, then runs PPR again.
It stops when no new entity enters or the top units stop changing.
"""

from __future__ import annotations

import numpy as np


def bridge_seeds(
    top_units: list[int],
    unit_fact_rows: list[list[int]],
    fact_cosine: np.ndarray,
    valid: np.ndarray,
    fact_ends: list[tuple[str, str]],
    covered: set[str],
    graph_index: dict[str, int],
    mentions: dict[str, int],
    keep: int,
) -> dict[str, float]:
    """New entity seeds from the facts of ``top_units`` (positions), best facts first.

    Each entity not in ``covered`` gets the cosine of its best such fact over the number of units
    mentioning it (the specificity of the first round's entity seeds); the best ``keep`` are kept.
    """
    best: dict[str, float] = {}
    for unit in top_units:
        for row in unit_fact_rows[unit]:
            if not valid[row]:
                continue
            score = float(fact_cosine[row])
            for entity in fact_ends[row]:
                if entity in covered or entity not in graph_index:
                    continue
                weight = max(score, 0.0) / max(1, mentions.get(entity, 0))
                if weight > best.get(entity, 0.0):
                    best[entity] = weight
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    return {e: w for e, w in ranked if w > 0}
