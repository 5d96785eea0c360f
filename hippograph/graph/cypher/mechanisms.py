"""Cypher of the memory mechanisms (recall strength, thoughts); valid Neo4j 5, data as parameters.

Re-exported by ``graph/cypher`` and linted with it.
"""

from __future__ import annotations

# -- recall strength: (:UnitRecall) nodes, outside the memory graph and its change log -------------
RECALL_CONSTRAINT = (
    "CREATE CONSTRAINT hippograph_unitrecall_key IF NOT EXISTS FOR (n:UnitRecall) REQUIRE n.key IS UNIQUE"
)
RECORD_RECALLS = """
UNWIND $rows AS r
MERGE (s:UnitRecall {key: $namespace + '|' + r.unit})
ON CREATE SET s.namespace = $namespace, s.unit = r.unit, s.recalls = 0, s.last_recalled = r.at
SET s.recalls = s.recalls + r.n,
    s.last_recalled = CASE WHEN s.last_recalled < r.at THEN r.at ELSE s.last_recalled END
"""
RECALLS = """
MATCH (s:UnitRecall {namespace: $namespace})
RETURN s.unit AS unit, s.recalls AS recalls, s.last_recalled AS last
"""
RECALLS_OF = """
UNWIND $units AS u
MATCH (s:UnitRecall {key: $namespace + '|' + u})
RETURN s.unit AS unit, s.recalls AS recalls, s.last_recalled AS last
"""
DELETE_RECALLS = """
UNWIND $units AS u
MATCH (s:UnitRecall {key: $namespace + '|' + u})
DELETE s
"""

# -- thoughts: (:Episode)-[:CITES]->(:Passage|Episode), deleted with any unit they cite -------------
CREATE_CITES = """
UNWIND $rows AS r
MATCH (t:Episode {id: r.thought, namespace: $namespace})
OPTIONAL MATCH (p:Passage {id: r.unit, namespace: $namespace})
OPTIONAL MATCH (e:Episode {id: r.unit, namespace: $namespace})
WITH t, coalesce(p, e) AS u
WHERE u IS NOT NULL AND u <> t
MERGE (t)-[:CITES]->(u)
RETURN count(*) AS n
"""
CITING_DOCUMENTS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u)<-[:CITES]-(:Episode)
      <-[:HAS_EPISODE]-(d:Document)
WHERE d.id <> $doc
RETURN collect(DISTINCT d.id) AS ids
"""
THOUGHT_SOURCES = """
UNWIND $ids AS i
MATCH (t:Episode {id: i, namespace: $namespace})-[:CITES]->(u)
RETURN t.id AS thought, u.id AS unit
ORDER BY thought, unit
"""
EXPORT_CITES = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_EPISODE]->(t:Episode)-[:CITES]->(u)
RETURN t.id AS thought, u.id AS unit
ORDER BY thought, unit
"""
