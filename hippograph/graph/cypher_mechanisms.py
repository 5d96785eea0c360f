"""Cypher of the memory mechanisms (recall strength, thoughts); valid Neo4j 5, data as parameters.

Kept beside ``cypher.py`` (which holds the memory graph's statements) and linted with it.
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
