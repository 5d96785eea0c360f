"""networkx views of the graph for analysis, export and drawing (not on the query path)."""

from __future__ import annotations

import networkx as nx

from ..records import GraphEdges, RetrievalResult


def to_networkx(edges: GraphEdges) -> nx.Graph:
    """The undirected weighted graph PPR runs on (parallel edges summed)."""
    graph = nx.Graph()
    for s, t, w in zip(edges.sources, edges.targets, edges.weights):
        if graph.has_edge(s, t):
            graph[s][t]["weight"] += w
        else:
            graph.add_edge(s, t, weight=w)
    return graph


def activated_subgraph(edges: GraphEdges, result: RetrievalResult, hops: int = 1) -> nx.Graph:
    """Seed entities, retrieved units and their neighbours within ``hops``, with a ``role``
    attribute per node (seed / unit / other) for drawing."""
    graph = to_networkx(edges)
    core = set(result.seeds) | {p.id for p in result.passages}
    core &= set(graph.nodes)
    keep = set(core)
    frontier = set(core)
    for _ in range(hops):
        frontier = {n for f in frontier for n in graph.neighbors(f)} - keep
        keep |= frontier
    sub = graph.subgraph(keep).copy()
    units = {p.id for p in result.passages}
    for node in sub.nodes:
        sub.nodes[node]["role"] = "seed" if node in result.seeds else "unit" if node in units else "other"
    return sub
