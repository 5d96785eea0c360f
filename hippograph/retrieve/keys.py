"""Fact-augmented unit keys (LongMemEval): a unit matches a query through the facts it states too.

A unit's text embedding can miss a query that one of its facts answers directly (a long turn
about many things, a fact worded like the question). The keyed score moves each unit's cosine
toward the best cosine among the facts it supports, by a fixed fraction. It is computed from
vectors already held (no re-embedding), so it follows the index's change feed for free.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def support_matrix(unit_fact_rows: list[list[int]], facts: int) -> sp.csr_matrix:
    """Units x facts incidence (1 where the unit supports the fact)."""
    indptr = np.zeros(len(unit_fact_rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in unit_fact_rows])
    indices = np.fromiter((i for r in unit_fact_rows for i in r), dtype=np.int64, count=int(indptr[-1]))
    data = np.ones(indices.size, dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(unit_fact_rows), facts))


def best_fact_cosine(support: sp.csr_matrix, fact_cosine: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per unit, the highest cosine of a valid fact it supports (-inf when it supports none)."""
    scored = np.where(valid, fact_cosine, -np.inf).astype(np.float64)
    best = np.full(support.shape[0], -np.inf)
    if support.nnz == 0:
        return best
    values = scored[support.indices]
    rows = np.repeat(np.arange(support.shape[0]), np.diff(support.indptr))
    np.maximum.at(best, rows, values)
    return best


def keyed_scores(dense: np.ndarray, best_fact: np.ndarray, fraction: float) -> np.ndarray:
    """``dense`` moved toward ``best_fact`` by ``fraction`` where the fact matches better."""
    if fraction <= 0:
        return dense
    gain = np.where(np.isfinite(best_fact), np.maximum(best_fact - dense, 0.0), 0.0)
    return dense + fraction * gain
