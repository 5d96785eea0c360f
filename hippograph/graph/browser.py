"""Cypher for the Neo4j Browser that shows what a query activated (printed by `query --explain-cypher`)."""

from __future__ import annotations

import json

from ..ids import DEFAULT_NAMESPACE
from ..records import RetrievalResult
from .cypher import ACTIVATED_SUBGRAPH

HEADER = "// hippograph: the subgraph this query activated. Paste all of it into Neo4j Browser."


def param_line(name: str, value: object) -> str:
    """A Browser ``:param`` command. The ``;`` ends it: without one, Browser reads the rest of a
    pasted block as part of the parameter's value. JSON literals are valid Cypher literals."""
    return f":param {name} => {json.dumps(value, ensure_ascii=False)};"


def activated_subgraph_cypher(result: RetrievalResult, namespace: str = DEFAULT_NAMESPACE) -> str:
    """Browser commands: ``:param`` lines carrying the ids, then one read-only query.

    ``namespace`` is the memory's (every node carries one). Values travel as parameters, so ids
    with quotes or backticks cannot change the query.
    Rows: one per retrieved unit, seed entity and linked fact, then one per relationship among
    them (MENTIONS of a seed, SUPPORTS of a linked fact, each fact's SUBJECT/OBJECT and RELATES).
    """
    return "\n".join(
        [
            HEADER,
            param_line("namespace", namespace),
            param_line("units", [p.id for p in result.passages]),
            param_line("seeds", sorted(result.seeds)),
            param_line("facts", [f.id for f in result.facts]),
            ACTIVATED_SUBGRAPH.strip() + ";",
            "",
        ]
    )
