"""Cypher for the Neo4j Browser that shows what a query activated (printed by `query --explain-cypher`)."""

from __future__ import annotations

import json

from ..records import RetrievalResult


def activated_subgraph_cypher(result: RetrievalResult) -> str:
    """Browser commands: ``:param`` lines carrying the ids, then one read-only MATCH.

    Values travel as parameters, so ids with quotes or backticks cannot change the query.
    """
    seeds = sorted(result.seeds)
    units = [p.id for p in result.passages]
    facts = [f.id for f in result.facts]
    return "\n".join([
        f":param seeds => {json.dumps(seeds)}",
        f":param units => {json.dumps(units)}",
        f":param facts => {json.dumps(facts)}",
        "",
        "MATCH (u) WHERE (u:Passage OR u:Episode) AND u.id IN $units",
        "OPTIONAL MATCH (u)-[m:MENTIONS]->(e:Entity) WHERE e.id IN $seeds",
        "OPTIONAL MATCH (f:Fact)-[:SUBJECT|OBJECT]->(s:Entity) WHERE f.id IN $facts",
        "OPTIONAL MATCH (s)-[r:RELATES]-(o:Entity) WHERE r.fact_id IN $facts",
        "RETURN u, m, e, f, s, r, o",
    ])
