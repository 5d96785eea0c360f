"""The Cypher ``query --explain-cypher`` prints for Neo4j Browser: the subgraph a query activated."""

# What `query --explain-cypher` prints after its `:param` lines: exactly the subgraph a query
# activated, one row per node and one per relationship (each UNION part matches one kind, so none
# multiplies another as OPTIONAL MATCHes would). RELATES edges are tied to their fact by `fact_id`.
_ACTIVATED_PARTS = (  # (pattern, source, relationship, target)
    ("(n:Passage {namespace: $namespace}) WHERE n.id IN $units", "n", "null", "null"),
    ("(n:Episode {namespace: $namespace}) WHERE n.id IN $units", "n", "null", "null"),
    ("(n:Entity {namespace: $namespace}) WHERE n.id IN $seeds", "n", "null", "null"),
    ("(n:Fact {namespace: $namespace}) WHERE n.id IN $facts", "n", "null", "null"),
    (
        "(u {namespace: $namespace})-[r:MENTIONS]->(e:Entity {namespace: $namespace})\n"
        "WHERE (u:Passage OR u:Episode) AND u.id IN $units AND e.id IN $seeds",
        "u",
        "r",
        "e",
    ),
    (
        "(u {namespace: $namespace})-[r:SUPPORTS]->(f:Fact {namespace: $namespace})\n"
        "WHERE (u:Passage OR u:Episode) AND u.id IN $units AND f.id IN $facts",
        "u",
        "r",
        "f",
    ),
    (
        "(f:Fact {namespace: $namespace})-[r:SUBJECT|OBJECT]->(e:Entity {namespace: $namespace})\nWHERE f.id IN $facts",
        "f",
        "r",
        "e",
    ),
    (
        "(s:Entity {namespace: $namespace})-[r:RELATES]->(o:Entity {namespace: $namespace})\nWHERE r.fact_id IN $facts",
        "s",
        "r",
        "o",
    ),
)
ACTIVATED_SUBGRAPH = "\nUNION ALL\n".join(
    f"MATCH {pattern}\nRETURN {a} AS source, {r} AS relationship, {b} AS target"
    for pattern, a, r, b in _ACTIVATED_PARTS
)
