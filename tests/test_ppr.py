"""Our CSR PPR solvers (Chebyshev and forward push) against igraph's PRPACK personalized PageRank."""

from __future__ import annotations

import igraph
import numpy as np
import pytest

from hippograph.graph.ppr import GraphMatrix, local_pagerank, personalized_pagerank
from hippograph.records import EdgeDelta, GraphEdges


def random_graph(seed: int, n: int, m: int, isolated: int = 0):
    rng = np.random.default_rng(seed)
    # Power-law-ish: preferential endpoints.
    weights = 1.0 / np.arange(1, n + 1) ** 0.8
    p = weights / weights.sum()
    src = rng.choice(n, m, p=p)
    dst = rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    w = rng.uniform(0.1, 3.0, len(src))
    names = [f"n{i}" for i in range(n + isolated)]
    edges = GraphEdges([names[i] for i in src], [names[j] for j in dst], w.tolist())
    return names, edges, src, dst, w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_igraph_prpack(seed):
    n, m = 400, 1600
    names, edges, src, dst, w = random_graph(seed, n, m, isolated=5)
    graph = GraphMatrix.from_edges(edges, nodes=names)
    rng = np.random.default_rng(100 + seed)
    reset = np.zeros(len(names))
    seeds = rng.choice(len(names), 8, replace=False)
    reset[seeds] = rng.uniform(0.1, 1.0, 8)
    reset[-1] = 0.5  # an isolated node as seed: its mass must return to the reset vector
    ours = personalized_pagerank(graph, reset, damping=0.5, tolerance=1e-10)

    g = igraph.Graph(n=len(names), edges=list(zip(src.tolist(), dst.tolist())), directed=False)
    g.es["weight"] = w.tolist()
    theirs = np.asarray(
        g.personalized_pagerank(
            damping=0.5, reset=reset.tolist(), weights="weight", directed=False, implementation="prpack"
        )
    )
    assert np.abs(ours - theirs).sum() < 1e-6
    top = lambda v: list(np.argsort(-v, kind="stable")[:20])
    assert top(ours) == top(theirs)
    # Forward push: every score within its documented bound, epsilon * degree / (1 - d).
    degree = graph.degrees(np.arange(graph.size))
    for epsilon in (1e-3, 1e-5, 1e-8):
        pushed = local_pagerank(graph, reset, damping=0.5, epsilon=epsilon)
        assert (np.abs(pushed - theirs) <= epsilon * degree / 0.5 + 1e-8).all()
    pushed = local_pagerank(graph, reset, damping=0.5, epsilon=1e-10)
    assert np.abs(pushed - theirs).sum() < 1e-6 and top(pushed) == top(theirs)
    loose = local_pagerank(graph, reset, damping=0.5, epsilon=1e-3)
    assert np.abs(loose - theirs).sum() > 1e-4  # the tolerance is real: a loose epsilon stops early


def test_local_pagerank_reads_the_edge_delta():
    names, edges, src, dst, w = random_graph(7, 300, 1200, isolated=2)
    graph = GraphMatrix.from_edges(edges, nodes=names)
    graph.apply(
        [
            EdgeDelta(names[1], names[7], 2.0),
            EdgeDelta(names[int(src[0])], names[int(dst[0])], -float(w[0])),  # an edge removed
            EdgeDelta("fresh", names[3], 1.5),  # a node appended
            EdgeDelta("fresh", names[-1], 0.5),  # an isolated node joins the graph
        ]
    )
    assert graph._delta  # still unmerged: the push must read base + delta
    reset = np.zeros(graph.size)
    reset[[graph.index["fresh"], graph.index[names[1]], graph.index[names[20]]]] = [1.0, 0.5, 0.25]
    exact = personalized_pagerank(graph, reset, damping=0.5, tolerance=1e-10)
    pushed = local_pagerank(graph, reset, damping=0.5, epsilon=1e-10)
    assert np.abs(pushed - exact).sum() < 1e-6
    graph.merge()
    assert np.abs(local_pagerank(graph, reset, damping=0.5, epsilon=1e-10) - exact).sum() < 1e-6


def test_scores_sum_to_one_and_favour_seeds():
    edges = GraphEdges(["a", "b", "c", "d"], ["b", "c", "d", "e"], [1, 1, 1, 1])
    graph = GraphMatrix.from_edges(edges)
    reset = np.zeros(graph.size)
    reset[graph.index["a"]] = 1
    scores = personalized_pagerank(graph, reset, damping=0.5)
    assert abs(scores.sum() - 1) <= 1e-6  # the documented L1 tolerance
    order = [graph.node_ids[i] for i in np.argsort(-scores)]
    assert order == ["a", "b", "c", "d", "e"]  # mass decays with distance from the seed


def test_parallel_edges_add_up():
    graph = GraphMatrix.from_edges(GraphEdges(["a", "a", "a"], ["b", "b", "c"], [1, 1, 1]))
    reset = np.zeros(graph.size)
    reset[graph.index["a"]] = 1
    scores = personalized_pagerank(graph, reset, damping=0.5)
    assert scores[graph.index["b"]] == pytest.approx(2 * scores[graph.index["c"]])


def test_bad_reset_is_refused():
    graph = GraphMatrix.from_edges(GraphEdges(["a"], ["b"], [1.0]))
    with pytest.raises(ValueError):
        personalized_pagerank(graph, np.zeros(graph.size))
    with pytest.raises(ValueError):
        personalized_pagerank(graph, np.ones(graph.size), damping=1.0)
    with pytest.raises(ValueError):
        local_pagerank(graph, np.zeros(graph.size))
    with pytest.raises(ValueError):
        local_pagerank(graph, np.ones(graph.size), epsilon=0.0)
