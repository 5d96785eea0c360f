"""The change feed's Cypher: one ``ChangeLog`` node per write transaction, read back by generation."""

# One ChangeLog node per write transaction, created with the generation it moves to.
LOG_CHANGE = """
MATCH (m:HippographMeta {id: 'meta'})
SET m.generation = m.generation + 1
CREATE (c:ChangeLog {generation: m.generation, namespace: $namespace, payload: $payload})
RETURN m.generation AS g
"""
PRUNE_CHANGE_LOG = "MATCH (c:ChangeLog) WHERE c.generation <= $floor DELETE c"
GENERATION = "MATCH (m:HippographMeta {id: 'meta'}) RETURN m.generation AS g"
OLDEST_CHANGE = "MATCH (c:ChangeLog) RETURN min(c.generation) AS g"
CHANGES_SINCE = """
MATCH (c:ChangeLog)
WHERE c.generation > $since AND c.generation <= $until AND c.namespace = $namespace
RETURN c.payload AS payload
ORDER BY c.generation
"""
