"""Cypher that writes: documents and their units, entities, facts and edges; removal of a
document's old version and of orphans; supersession; synonym edges."""

from .admin import _label
from .reads import _FACT_FIELDS

# -- writing documents, a group per transaction ------------------------------------------------
# Nodes are found by their unique `id` alone and their namespace checked in WHERE: ids never collide
# across namespaces, and a pattern `{id: ..., namespace: ...}` made the test server (ArcadeDB) scan
# the namespace index instead of using the unique id index (100x slower at 3,000 nodes).
TOUCHED_BY_DOCUMENTS = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})
WHERE d.namespace = $namespace
OPTIONAL MATCH (d)-[:HAS_PASSAGE|HAS_EPISODE]->(u)
OPTIONAL MATCH (u)-[:SUPPORTS]->(f:Fact)
OPTIONAL MATCH (u)-[:MENTIONS]->(e:Entity)
RETURN d.id AS id, count(DISTINCT u) AS units, collect(DISTINCT f.id) AS facts,
       collect(DISTINCT e.id) + collect(DISTINCT f.subject) + collect(DISTINCT f.object) AS entities
"""
OLD_UNITS = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})-[r:HAS_PASSAGE|HAS_EPISODE]->(u)
WHERE d.namespace = $namespace
RETURN u.id AS id, type(r) = 'HAS_PASSAGE' AS passage
"""
OLD_MENTIONS = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:MENTIONS]->(e:Entity)
WHERE d.namespace = $namespace
RETURN u.id AS s, e.id AS t
"""
OLD_SUPPORTS = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:SUPPORTS]->(f:Fact)
WHERE d.namespace = $namespace AND f.subject <> f.object
RETURN f.subject AS s, f.object AS t
"""
OLD_NEXT = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})-[:HAS_EPISODE]->(a:Episode)-[:NEXT]->(b:Episode)
WHERE d.namespace = $namespace
RETURN a.id AS s, b.id AS t
"""
REMOVE_UNITS = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})-[:HAS_PASSAGE|HAS_EPISODE]->(u)
WHERE d.namespace = $namespace
DETACH DELETE u
"""
REMOVE_DOCUMENT_NODES = """
UNWIND $docs AS doc
MATCH (d:Document {id: doc})
WHERE d.namespace = $namespace
DETACH DELETE d
"""
CREATE_DOCUMENTS = "UNWIND $rows AS r CREATE (d:Document {id: r.id}) SET d += r"
CREATE_UNITS = {
    label: f"""
UNWIND $rows AS r
MATCH (d:Document {{id: r.document_id}})
WHERE d.namespace = $namespace
CREATE (d)-[:HAS_{label.upper()}]->(u:{label} {{id: r.id}})
SET u += r
"""
    for label in ("Passage", "Episode")
}
LOCK_ENTITIES = """
UNWIND $ids AS i
MATCH (e:Entity {id: i})
WHERE e.namespace = $namespace
SET e.rev = coalesce(e.rev, 0) + 1
"""
CREATE_NEXT = """
UNWIND $rows AS r
MATCH (a:Episode {id: r.a}), (b:Episode {id: r.b})
CREATE (a)-[:NEXT]->(b)
"""
MERGE_ENTITIES = """
UNWIND $rows AS r
MERGE (e:Entity {id: r.id})
ON CREATE SET e.name = r.name, e.type = r.type, e.embedding = r.embedding, e.namespace = $namespace,
              e.synonyms_pending = true
"""
MERGE_FACTS = """
UNWIND $rows AS r
MERGE (f:Fact {id: r.id})
ON CREATE SET f += r, f.namespace = $namespace
WITH f, r
MATCH (s:Entity {id: r.subject}), (o:Entity {id: r.object})
WHERE s.namespace = $namespace AND o.namespace = $namespace
MERGE (f)-[:SUBJECT]->(s)
MERGE (f)-[:OBJECT]->(o)
MERGE (s)-[rel:RELATES {fact_id: r.id}]->(o)
ON CREATE SET rel.predicate = r.predicate
"""


def create_mentions(label: str) -> str:
    return f"""
UNWIND $rows AS r
MATCH (u:{_label(label)} {{id: r.unit}}), (e:Entity {{id: r.entity}})
WHERE e.namespace = $namespace
CREATE (u)-[:MENTIONS {{count: r.count}}]->(e)
"""


def create_supports(label: str) -> str:
    return f"""
UNWIND $rows AS r
MATCH (u:{_label(label)} {{id: r.unit}}), (f:Fact {{id: r.fact}})
WHERE f.namespace = $namespace
CREATE (u)-[:SUPPORTS]->(f)
"""


def namespaces_of(label: str) -> str:
    """The namespace of each of ``$ids`` that exists (one row per node found)."""
    return f"""
UNWIND $ids AS id
MATCH (n:{_label(label)} {{id: id}})
RETURN n.id AS id, n.namespace AS namespace
"""


SET_RELATES_WEIGHTS = """
UNWIND $facts AS fid
MATCH (f:Fact {id: fid})
OPTIONAL MATCH (u)-[:SUPPORTS]->(f)
WITH f, fid, count(u) AS w
MATCH (f)-[:SUBJECT]->(s:Entity), (f)-[:OBJECT]->(o:Entity)
MATCH (s)-[rel:RELATES {fact_id: fid}]->(o)
SET rel.weight = w
"""
REMOVE_ORPHAN_RELATES = """
UNWIND $facts AS fid
MATCH (f:Fact {id: fid})-[:SUBJECT]->(s:Entity)-[rel:RELATES {fact_id: fid}]->(o:Entity)
WHERE NOT EXISTS { ()-[:SUPPORTS]->(f) }
DELETE rel
"""
ORPHAN_FACTS = """
UNWIND $facts AS fid
MATCH (f:Fact {id: fid})
WHERE NOT EXISTS { ()-[:SUPPORTS]->(f) }
RETURN collect(f.id) AS ids
"""
REMOVE_FACTS = "UNWIND $facts AS fid MATCH (f:Fact {id: fid}) DETACH DELETE f"
INVALID_WITHOUT_SUCCESSOR = """
MATCH (f:Fact {namespace: $namespace})
WHERE f.invalid_at IS NOT NULL AND NOT EXISTS { (f)-[:SUPERSEDED_BY]->() }
RETURN collect(f.id) AS ids
"""
RESTORE_VALIDITY = "UNWIND $facts AS fid MATCH (f:Fact {id: fid}) REMOVE f.invalid_at"
ORPHAN_ENTITIES = """
UNWIND $entities AS eid
MATCH (e:Entity {id: eid})
WHERE NOT EXISTS { ()-[:MENTIONS]->(e) } AND NOT EXISTS { (:Fact)-[:SUBJECT|OBJECT]->(e) }
RETURN collect(e.id) AS ids
"""
SYNONYMS_OF = """
UNWIND $entities AS eid
MATCH (a:Entity {id: eid})-[r:SYNONYM]-(b:Entity)
RETURN DISTINCT startNode(r).id AS s, endNode(r).id AS t, r.score AS w
"""
REMOVE_ENTITIES = "UNWIND $entities AS eid MATCH (e:Entity {id: eid}) DETACH DELETE e"
FACTS_ABOUT_ANY = f"""
UNWIND $subjects AS subject
MATCH (f:Fact {{subject: subject}})
WHERE f.namespace = $namespace
RETURN {_FACT_FIELDS}
ORDER BY valid_from, created_at
"""
STILL_VALID = "UNWIND $facts AS fid MATCH (f:Fact {id: fid}) WHERE f.invalid_at IS NULL RETURN collect(f.id) AS ids"
SUPERSEDE = """
UNWIND $rows AS r
MATCH (old:Fact {id: r.old}), (new:Fact {id: r.new})
WHERE old.namespace = $namespace AND new.namespace = $namespace
MERGE (old)-[s:SUPERSEDED_BY]->(new)
ON CREATE SET s.at = r.at
WITH old, r WHERE old.invalid_at IS NULL
SET old.invalid_at = r.at
"""
MERGE_SYNONYMS = """
UNWIND $rows AS r
MATCH (a:Entity {id: r.a}), (b:Entity {id: r.b})
WHERE a.namespace = $namespace AND b.namespace = $namespace AND NOT EXISTS { (a)-[:SYNONYM]-(b) }
CREATE (a)-[:SYNONYM {score: r.score}]->(b)
RETURN r.a AS a, r.b AS b, r.score AS score
"""
RESOLVE_SYNONYMS = """
UNWIND $ids AS eid
MATCH (e:Entity {id: eid})
WHERE e.namespace = $namespace
SET e.synonyms_pending = false
"""
PENDING_SYNONYMS = """
MATCH (e:Entity {namespace: $namespace})
WHERE e.synonyms_pending = true
RETURN e.id AS id ORDER BY id
"""
