"""Why a ranking came out as it did: the activated subgraph of one recall, laid out for drawing.

Built from the PPR mass of the very run that produced the ranking (``RetrievalResult.activation``):
the question, the facts it linked to, and the ``limit`` graph nodes (entities, passages, episodes)
with the most mass, with the edges between them told apart by kind. Positions come from igraph's
layered (Sugiyama) layout: question -> facts -> entities -> units, left to right.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

from ..records import RetrievalResult
from .explore import NamespaceView, supersessions_touching

LAYER = {"question": 0, "fact": 1, "entity": 2, "passage": 3, "episode": 3}
QUESTION_ID = "question"
ROWS = 40  # nodes per drawn column


def top_positions(mass: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` largest entries of ``mass``, largest first (ties by position)."""
    count = min(count, mass.size)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-mass, count - 1)[:count]
    return part[np.lexsort((part, -mass[part]))]


def _unit_label(unit: dict) -> str:
    return unit.get("title") or unit.get("text", "")[:80]


def explain(result: RetrievalResult, out: dict, view: NamespaceView, limit: int = 200) -> dict:
    """``{basis, nodes: [{id, kind, label, mass, ...}], edges: [{source, target, kind}]}`` with ``x, y``
    in [0, 1] on every node; ``basis`` is ``ppr`` or ``dense`` (no PPR ran: dense mode or fallback)."""
    nodes: dict[str, dict] = {
        QUESTION_ID: {"id": QUESTION_ID, "kind": "question", "label": result.question, "mass": None}
    }
    edges: list[dict] = []
    for fact in out.get("facts", []):
        nodes[fact["id"]] = {
            "id": fact["id"],
            "kind": "fact",
            "label": fact["text"],
            "mass": None,
            "score": fact.get("score"),
            "subject": fact["subject"],
            "superseded": fact.get("invalid_at") is not None,
        }
        edges.append({"source": QUESTION_ID, "target": fact["id"], "kind": "link"})
    activation = result.activation
    if activation is None:
        total = sum(max(p["score"], 0.0) for p in out["passages"]) or 1.0
        for p in out["passages"]:
            nodes[p["id"]] = {
                "id": p["id"],
                "kind": p["kind"],
                "label": _unit_label(p),
                "mass": max(p["score"], 0.0) / total,
                "document_id": p["document_id"],
            }
            edges.append({"source": QUESTION_ID, "target": p["id"], "kind": "dense"})
        return _laid_out("dense", nodes, edges)
    graph = activation.graph
    ids = activation.node_ids
    kinds = view.index.unit_kind  # unit ids are stable across index snapshots
    chosen = list(top_positions(activation.mass, limit))
    # The linked facts' entities belong to the picture even when their mass is small.
    for fact in out.get("facts", []):
        for entity in (fact["subject"], fact["object"]):
            position = graph.index.get(entity)
            if position is not None and position not in chosen:
                chosen.append(position)
    records = view.units([ids[i] for i in chosen if ids[i] in kinds])
    for i in chosen:
        node_id = ids[i]
        kind = kinds.get(node_id, "entity")
        node = {"id": node_id, "kind": kind, "mass": float(activation.mass[i])}
        unit = records.get(node_id)
        if unit is not None:
            node["label"] = getattr(unit, "title", "") or unit.text[:80]
            node["document_id"] = unit.document_id
        else:
            node["label"] = node_id
        nodes[node_id] = node
    adjacency = view.adjacency if view.index.graph is graph else graph.adjacency()
    edges += _graph_edges(adjacency, chosen, ids, kinds, view)
    for fact in out.get("facts", []):
        for entity, kind in ((fact["subject"], "subject"), (fact["object"], "object")):
            if entity in nodes:
                edges.append({"source": fact["id"], "target": entity, "kind": kind})
    for link in supersessions_touching(view, {f["id"] for f in out.get("facts", [])}):
        for fact_id in (link.old_fact_id, link.new_fact_id):
            if fact_id not in nodes:
                record = next(iter(view.store.facts([fact_id])), None)
                nodes[fact_id] = {
                    "id": fact_id,
                    "kind": "fact",
                    "label": record.text if record else fact_id,
                    "mass": None,
                    "subject": record.subject if record else "",
                    "superseded": bool(record and record.invalid_at is not None),
                }
        edges.append({"source": link.old_fact_id, "target": link.new_fact_id, "kind": "superseded"})
    return _laid_out("ppr", nodes, edges)


def _graph_edges(
    adjacency, chosen: list[int], ids: list[str], kinds: dict[str, str], view: NamespaceView
) -> list[dict]:
    """Edges of the PPR graph among the chosen nodes: mention, next, fact and synonym."""
    positions = np.asarray(chosen, dtype=np.int64)
    sub = adjacency[positions][:, positions].tocoo()
    fact_pairs = {frozenset((f.subject, f.object)) for f in view.index.fact_records}
    chosen_ids = {ids[i] for i in chosen}
    synonym_pairs = {
        frozenset((e.source, e.target))
        for e in view.store.synonym_edges()
        if e.source in chosen_ids and e.target in chosen_ids
    }
    out = []
    for r, c in zip(sub.row, sub.col):
        if r >= c:
            continue  # symmetric: keep each pair once
        a, b = ids[positions[r]], ids[positions[c]]
        ka, kb = kinds.get(a, "entity"), kinds.get(b, "entity")
        if ka == "entity" and kb == "entity":
            pair = frozenset((a, b))
            if pair in fact_pairs:
                out.append({"source": a, "target": b, "kind": "fact"})
            if pair in synonym_pairs:
                out.append({"source": a, "target": b, "kind": "synonym"})
        elif ka == "entity" or kb == "entity":
            unit, entity = (b, a) if ka == "entity" else (a, b)
            out.append({"source": unit, "target": entity, "kind": "mention"})
        else:
            out.append({"source": a, "target": b, "kind": "next"})
    return out


def _laid_out(basis: str, nodes: dict[str, dict], edges: list[dict]) -> dict:
    order = list(nodes)
    position = {n: i for i, n in enumerate(order)}
    layers = [LAYER.get(nodes[n]["kind"], 2) for n in order]
    # Layers must be consecutive for Sugiyama; unused layers (e.g. no facts) are closed up.
    used = sorted(set(layers))
    layers = [used.index(layer) for layer in layers]
    pairs = [
        (position[e["source"]], position[e["target"]])
        for e in edges
        if e["source"] in position
        and e["target"] in position
        and layers[position[e["source"]]] != layers[position[e["target"]]]
    ]
    graph = ig.Graph(n=len(order), edges=pairs, directed=False)
    coords = np.asarray(list(graph.layout_sugiyama(layers=layers, maxiter=30)), dtype=float).reshape(-1, 2)
    # Sugiyama orders nodes within each layer to cut crossings; draw layers left to right, and wrap a
    # layer of more than ROWS nodes into several columns so 200 nodes fit a readable picture.
    by_layer: dict[int, list[int]] = {}
    for i in sorted(range(len(order)), key=lambda i: (coords[i, 0], i)):
        by_layer.setdefault(layers[i], []).append(i)
    widths = {layer: -(-len(members) // ROWS) for layer, members in by_layer.items()}
    total = sum(widths.values())
    offset = 0
    for layer in sorted(by_layer):
        members, width = by_layer[layer], widths[layer]
        rows = -(-len(members) // width)
        for rank, i in enumerate(members):
            node = nodes[order[i]]
            # Alternate rows lean left and right so edges inside a wrapped layer do not run through nodes.
            lean = (0.2 if (rank // width) % 2 else -0.2) if width > 1 else 0.0
            node["x"] = round((offset + rank % width + 0.5 + lean) / total, 5)
            node["y"] = round((rank // width + 0.5) / rows, 5)
        offset += width
    return {"basis": basis, "nodes": list(nodes.values()), "edges": edges}
