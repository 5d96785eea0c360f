"""The kept synonym neighbour index gives exactly the threshold rule's edges, exact or HNSW."""

from __future__ import annotations

import numpy as np
import pytest
from storecases import batch

import hippograph.graph.synonyms as synonyms
from hippograph.graph.synonyms import SynonymFinder, synonym_edges


def _near_duplicates(store, count: int, seed: int = 3):
    """Write ``count`` documents whose entities come in pairs of close vectors."""
    rng = np.random.default_rng(seed)
    for d in range(count):
        b = batch(f"d{d}", [f"p{d}"], [(f"e{d}a", "knows", f"e{d}b")])
        base = rng.standard_normal(8).astype(np.float32)
        for n, e in enumerate(b.entities):
            v = base + (0.25 if n else 0.0) * rng.standard_normal(8).astype(np.float32)
            e.embedding = v / np.linalg.norm(v)
        store.write_document(b)


@pytest.mark.parametrize("exact_below", [10_000, 4])
def test_finder_edges_equal_all_pairs_and_follow_the_feed(sqlite_store, monkeypatch, exact_below):
    monkeypatch.setattr(synonyms, "EXACT_BELOW", exact_below)
    finder = SynonymFinder(threshold=0.8)
    _near_duplicates(sqlite_store, 20)
    added = finder.add_pending(sqlite_store)
    ids, vectors = sqlite_store.vectors("entity")
    expected = synonym_edges(ids, vectors, ids, vectors, 0.8)
    assert added == len(expected) > 0
    assert sqlite_store.synonym_edges() == expected
    assert sqlite_store.pending_synonym_entities() == []
    sqlite_store.delete_document("d0")  # followed through the change feed: gone entities never match
    _near_duplicates(sqlite_store, 25, seed=3)
    finder.add_pending(sqlite_store)
    assert (finder._hnsw is not None) == (exact_below == 4)
    assert len(finder) == len(sqlite_store.node_ids("entity"))
    ids, vectors = sqlite_store.vectors("entity")
    assert sqlite_store.synonym_edges() == synonym_edges(ids, vectors, ids, vectors, 0.8)
