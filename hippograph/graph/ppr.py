"""Personalized PageRank on a cached sparse (CSR) graph, exact to a set L1 tolerance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..records import GraphEdges


@dataclass
class GraphMatrix:
    """The undirected weighted graph as a symmetric CSR matrix over integer node indices.

    Built once from a store's edge list and reused by every query; parallel edges add up.
    """

    node_ids: list[str]
    index: dict[str, int]
    adjacency: sp.csr_matrix
    inverse_degree: np.ndarray  # 1 / weighted degree, 0 for isolated nodes

    @classmethod
    def from_edges(cls, edges: GraphEdges, nodes: list[str] | None = None) -> "GraphMatrix":
        """Nodes are ``nodes`` (in that order) followed by any other node an edge names."""
        node_ids = list(dict.fromkeys([*(nodes or []), *edges.sources, *edges.targets]))
        index = {n: i for i, n in enumerate(node_ids)}
        n = len(node_ids)
        src = np.fromiter((index[s] for s in edges.sources), dtype=np.int64, count=len(edges.sources))
        dst = np.fromiter((index[t] for t in edges.targets), dtype=np.int64, count=len(edges.targets))
        weights = np.asarray(edges.weights, dtype=np.float64)
        keep = src != dst  # self-loops carry no information between nodes
        src, dst, weights = src[keep], dst[keep], weights[keep]
        return cls.from_arrays(node_ids, index, src, dst, weights, n)

    @classmethod
    def from_arrays(cls, node_ids: list[str], index: dict[str, int], src: np.ndarray, dst: np.ndarray,
                    weights: np.ndarray, n: int) -> "GraphMatrix":
        rows = np.concatenate([src, dst])
        cols = np.concatenate([dst, src])
        data = np.concatenate([weights, weights])
        adjacency = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
        adjacency.sum_duplicates()
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        return cls(node_ids, index, adjacency, inverse)

    @property
    def size(self) -> int:
        return len(self.node_ids)


def personalized_pagerank(
    graph: GraphMatrix,
    reset: np.ndarray,
    damping: float = 0.5,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
) -> np.ndarray:
    """PPR scores (summing to 1) for a non-negative reset vector over ``graph``'s nodes.

    Power iteration ``r <- d * A D^-1 r + (1 - d + d * dangling) * s`` until the L1 change
    is below ``tolerance``; mass on isolated nodes returns to the reset distribution, as
    igraph's PRPACK does, so rankings agree with ``igraph.Graph.personalized_pagerank``.
    """
    if not 0.0 <= damping < 1.0:
        raise ValueError("damping must be in [0, 1)")
    reset = np.asarray(reset, dtype=np.float64)
    total = reset.sum()
    if reset.shape != (graph.size,) or total <= 0 or (reset < 0).any():
        raise ValueError("reset must be a non-negative vector over the graph's nodes with a positive sum")
    s = reset / total
    dangling = graph.inverse_degree == 0
    r = s.copy()
    for _ in range(max_iterations):
        spread = graph.adjacency @ (r * graph.inverse_degree)
        lost = r[dangling].sum()
        new = damping * spread + ((1.0 - damping) + damping * lost) * s
        delta = np.abs(new - r).sum()
        r = new
        if delta < tolerance:
            break
    return r
