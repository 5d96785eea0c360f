"""SYNONYM edges: entity pairs whose name embeddings reach a cosine threshold."""

from __future__ import annotations

import numpy as np

from ..records import SynonymEdge


def synonym_edges(
    new_ids: list[str],
    new_vectors: np.ndarray,
    all_ids: list[str],
    all_vectors: np.ndarray,
    threshold: float = 0.8,
    block: int = 1024,
) -> list[SynonymEdge]:
    """Edges between each new entity and every entity (old or new) at cosine >= threshold.

    Threshold-only (no top-k cap), so the edge set does not depend on ingestion order:
    deleting and re-ingesting a document restores exactly the same edges.
    """
    if not new_ids or not all_ids:
        return []
    edges: dict[tuple[str, str], float] = {}
    for start in range(0, len(new_ids), block):
        sims = new_vectors[start : start + block] @ all_vectors.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist()):
            a, b = new_ids[start + r], all_ids[c]
            if a != b:
                key = (a, b) if a < b else (b, a)
                edges[key] = round(float(sims[r, c]), 6)
    return [SynonymEdge(a, b, s) for (a, b), s in sorted(edges.items())]
