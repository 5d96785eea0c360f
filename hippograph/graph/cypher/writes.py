"""Cypher that writes: documents and their units, entities, facts and edges; removal of a
document's old version and of orphans; supersession; synonym edges."""

from .admin import _label

# -- writing a document -------------------------------------------------------------
TOUCHED_BY_DOCUMENT = """
OPTIONAL MATCH (d:Document {id: $doc, namespace: $namespace})
OPTIONAL MATCH (d)-[:HAS_PASSAGE|HAS_EPISODE]->(u)
OPTIONAL MATCH (u)-[:SUPPORTS]->(f:Fact)
OPTIONAL MATCH (u)-[:MENTIONS]->(e:Entity)
RETURN count(d) > 0 AS exists, count(DISTINCT u) AS units, collect(DISTINCT f.id) AS facts,
       collect(DISTINCT e.id) + collect(DISTINCT f.subject) + collect(DISTINCT f.object) AS entities
"""
OLD_UNITS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[r:HAS_PASSAGE|HAS_EPISODE]->(u)
RETURN u.id AS id, type(r) = 'HAS_PASSAGE' AS passage
"""
OLD_MENTIONS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:MENTIONS]->(e:Entity)
RETURN u.id AS s, e.id AS t
"""
OLD_SUPPORTS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:SUPPORTS]->(f:Fact)
WHERE f.subject <> f.object
RETURN f.subject AS s, f.object AS t
"""
OLD_NEXT = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_EPISODE]->(a:Episode)-[:NEXT]->(b:Episode)
RETURN a.id AS s, b.id AS t
"""
REMOVE_UNITS = "MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u) DETACH DELETE u"
REMOVE_DOCUMENT_NODE = "MATCH (d:Document {id: $doc, namespace: $namespace}) DETACH DELETE d"
CREATE_DOCUMENT = "CREATE (d:Document {id: $row.id}) SET d += $row"
CREATE_PASSAGES = """
MATCH (d:Document {id: $doc, namespace: $namespace})
UNWIND $rows AS r
CREATE (d)-[:HAS_PASSAGE]->(p:Passage {id: r.id})
SET p += r
"""
CREATE_EPISODES = """
MATCH (d:Document {id: $doc, namespace: $namespace})
UNWIND $rows AS r
CREATE (d)-[:HAS_EPISODE]->(e:Episode {id: r.id})
SET e += r
"""
NEW_UNITS = {
    k: f"UNWIND $rows AS r MERGE (d:Document {{id: r.doc.id}}) ON CREATE SET d += r.doc CREATE (d)-[:HAS_"
    f"{k.upper()}]->(u:{k} {{id: r.unit.id}}) SET u += r.unit"
    for k in ("Passage", "Episode")
}
LOCK_ENTITIES = "UNWIND $ids AS i MATCH (e:Entity {id: i, namespace: $namespace}) SET e.rev = coalesce(e.rev, 0) + 1"
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
MATCH (s:Entity {id: r.subject, namespace: $namespace}), (o:Entity {id: r.object, namespace: $namespace})
MERGE (f)-[:SUBJECT]->(s)
MERGE (f)-[:OBJECT]->(o)
MERGE (s)-[rel:RELATES {fact_id: r.id}]->(o)
ON CREATE SET rel.predicate = r.predicate
"""


def create_mentions(label: str) -> str:
    return f"""
UNWIND $rows AS r
MATCH (u:{_label(label)} {{id: r.unit}}), (e:Entity {{id: r.entity, namespace: $namespace}})
CREATE (u)-[:MENTIONS {{count: r.count}}]->(e)
"""


def create_supports(label: str) -> str:
    return f"""
UNWIND $rows AS r
MATCH (u:{_label(label)} {{id: r.unit}}), (f:Fact {{id: r.fact, namespace: $namespace}})
CREATE (u)-[:SUPPORTS]->(f)
"""


def missing_ids(label: str) -> str:
    return f"""
UNWIND $ids AS id
OPTIONAL MATCH (n:{_label(label)} {{id: id, namespace: $namespace}})
WITH id, n WHERE n IS NULL
RETURN collect(id) AS missing
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
STILL_VALID = "UNWIND $facts AS fid MATCH (f:Fact {id: fid}) WHERE f.invalid_at IS NULL RETURN collect(f.id) AS ids"
SUPERSEDE = """
UNWIND $rows AS r
MATCH (old:Fact {id: r.old, namespace: $namespace}), (new:Fact {id: r.new, namespace: $namespace})
MERGE (old)-[s:SUPERSEDED_BY]->(new)
ON CREATE SET s.at = r.at
WITH old, r WHERE old.invalid_at IS NULL
SET old.invalid_at = r.at
"""
MERGE_SYNONYMS = """
UNWIND $rows AS r
MATCH (a:Entity {id: r.a, namespace: $namespace}), (b:Entity {id: r.b, namespace: $namespace})
WHERE NOT EXISTS { (a)-[:SYNONYM]-(b) }
CREATE (a)-[:SYNONYM {score: r.score}]->(b)
RETURN r.a AS a, r.b AS b, r.score AS score
"""
RESOLVE_SYNONYMS = """
UNWIND $ids AS eid
MATCH (e:Entity {id: eid, namespace: $namespace})
SET e.synonyms_pending = false
"""
PENDING_SYNONYMS = """
MATCH (e:Entity {namespace: $namespace})
WHERE e.synonyms_pending = true
RETURN e.id AS id ORDER BY id
"""
