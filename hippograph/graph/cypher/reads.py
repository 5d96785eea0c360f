"""Cypher that reads: documents, units, facts, vectors and graph edges; a document exported
back as the batch that wrote it."""

from .admin import RELATIONSHIP_TYPES, _label

# -- reading ------------------------------------------------------------------------
DOCUMENT_HASHES = "MATCH (d:Document {namespace: $namespace}) RETURN d.id AS id, d.content_hash AS hash"
DOCUMENT_HASHES_OF = """
UNWIND $ids AS id
MATCH (d:Document {id: id})
WHERE d.namespace = $namespace
RETURN d.id AS id, d.content_hash AS hash"""
NAMESPACES = "MATCH (d:Document) RETURN DISTINCT d.namespace AS namespace ORDER BY namespace"
DOCUMENTS = """
MATCH (d:Document {namespace: $namespace})
RETURN d.id AS id, d.source AS source, d.title AS title, d.content_hash AS hash, d.ingested_at AS ingested_at,
       COUNT { (d)-[:HAS_PASSAGE]->() } AS passages, COUNT { (d)-[:HAS_EPISODE]->() } AS episodes
ORDER BY source, id
"""


def count_nodes(label: str) -> str:
    return f"MATCH (n:{_label(label)} {{namespace: $namespace}}) RETURN count(n) AS n"


def count_relationships(rel_type: str) -> str:
    if rel_type not in RELATIONSHIP_TYPES:
        raise ValueError(f"unknown relationship type {rel_type!r}")
    return f"MATCH (a)-[r:{rel_type}]->() WHERE a.namespace = $namespace RETURN count(r) AS n"


def existing_ids(label: str) -> str:
    return f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) WHERE n.namespace = $namespace RETURN n.id AS id"


def vectors(label: str) -> str:
    return (
        f"MATCH (n:{_label(label)} {{namespace: $namespace}}) WHERE n.embedding IS NOT NULL "
        "RETURN n.id AS id, n.embedding AS embedding ORDER BY id"
    )


def vectors_of(label: str) -> str:
    return (
        f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) "
        "WHERE n.namespace = $namespace AND n.embedding IS NOT NULL "
        "RETURN n.id AS id, n.embedding AS embedding ORDER BY id"
    )


def node_ids(label: str) -> str:
    return (
        f"MATCH (n:{_label(label)} {{namespace: $namespace}}) WHERE n.embedding IS NOT NULL "
        "RETURN n.id AS id ORDER BY id"
    )


# Weights are multiplied in by the store (hippograph.records: MENTION_WEIGHT, SUPPORT_WEIGHT, NEXT_WEIGHT).
GRAPH_EDGE_QUERIES = {
    "mention": "MATCH (u:Passage {namespace: $namespace})-[:MENTIONS]->(e:Entity) RETURN u.id AS s, e.id AS t, 1 AS n",
    "mention_episode": "MATCH (u:Episode {namespace: $namespace})-[:MENTIONS]->(e:Entity) "
    "RETURN u.id AS s, e.id AS t, 1 AS n",
    "support": "MATCH (f:Fact {namespace: $namespace}) WHERE f.subject <> f.object "
    "RETURN f.subject AS s, f.object AS t, COUNT { ()-[:SUPPORTS]->(f) } AS n",
    "synonym": "MATCH (a:Entity {namespace: $namespace})-[r:SYNONYM]->(b:Entity) RETURN a.id AS s, b.id AS t, "
    "r.score AS n",
    "next": "MATCH (a:Episode {namespace: $namespace})-[:NEXT]->(b:Episode) RETURN a.id AS s, b.id AS t, 1 AS n",
}
PASSAGES = """
UNWIND $ids AS id MATCH (p:Passage {id: id}) WHERE p.namespace = $namespace
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at
"""
EPISODES = """
UNWIND $ids AS id MATCH (e:Episode {id: id}) WHERE e.namespace = $namespace
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id
"""
_FACT_FIELDS = (
    "f.id AS id, f.subject AS subject, f.predicate AS predicate, f.object AS object, f.text AS text, "
    "f.valid_from AS valid_from, f.invalid_at AS invalid_at, f.created_at AS created_at"
)
FACTS = f"UNWIND $ids AS id MATCH (f:Fact {{id: id}}) WHERE f.namespace = $namespace RETURN {_FACT_FIELDS}"
FACTS_ABOUT = (
    f"MATCH (f:Fact {{subject: $subject}}) WHERE f.namespace = $namespace RETURN {_FACT_FIELDS} "
    "ORDER BY valid_from, created_at"
)
FACTS_WITH_OBJECT = (
    f"MATCH (f:Fact {{object: $object}}) WHERE f.namespace = $namespace RETURN {_FACT_FIELDS} "
    "ORDER BY valid_from, created_at"
)
# Two index-backed reads (an equality seek and a prefix seek on the unique id) rather than one
# predicate with OR, which the planner may turn into a label scan.
ENTITIES_NAMED = (
    "MATCH (e:Entity) WHERE e.id IN $words AND e.namespace = $namespace AND e.embedding IS NOT NULL RETURN e.id AS id"
)
ENTITIES_NAMED_PREFIX = (
    "UNWIND $prefixes AS prefix MATCH (e:Entity) WHERE e.id STARTS WITH prefix "
    "AND e.namespace = $namespace AND e.embedding IS NOT NULL "
    "WITH e, substring(e.id, size(prefix)) AS rest "
    "WHERE NOT rest =~ '.*[0-9].*' AND size(split(rest, ' ')) <= 2 RETURN e.id AS id"
)
DOCUMENT_PASSAGES = """
MATCH (d:Document {id: $doc})-[:HAS_PASSAGE]->(p:Passage)
WHERE d.namespace = $namespace
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at
ORDER BY position
"""
DOCUMENT_EPISODES = """
MATCH (d:Document {id: $doc})-[:HAS_EPISODE]->(e:Episode)
WHERE d.namespace = $namespace
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id
ORDER BY position
"""


def unit_facts(label: str) -> str:
    return (
        f"UNWIND $ids AS id MATCH (u:{_label(label)} {{id: id}})-[:SUPPORTS]->(f:Fact) WHERE u.namespace = $namespace "
        f"RETURN u.id AS unit, {_FACT_FIELDS} ORDER BY unit, subject, predicate, object"
    )


FACT_UNITS = (
    "MATCH (u)-[:SUPPORTS]->(f:Fact {namespace: $namespace}) RETURN f.id AS fact, u.id AS unit ORDER BY fact, unit"
)


# -- export (a document back as the batch that wrote it, vectors included) -------------
EXPORT_DOCUMENT = """
MATCH (d:Document {id: $doc})
WHERE d.namespace = $namespace
RETURN d.id AS id, d.source AS source, d.title AS title, d.content_hash AS content_hash,
       d.ingested_at AS ingested_at, d.metadata_json AS metadata_json
"""
EXPORT_PASSAGES = """
MATCH (d:Document {id: $doc})-[:HAS_PASSAGE]->(p:Passage)
WHERE d.namespace = $namespace
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at, p.embedding AS embedding
ORDER BY position
"""
EXPORT_EPISODES = """
MATCH (d:Document {id: $doc})-[:HAS_EPISODE]->(e:Episode)
WHERE d.namespace = $namespace
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id, e.embedding AS embedding
ORDER BY position
"""
EXPORT_MENTIONS = """
MATCH (d:Document {id: $doc})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[m:MENTIONS]->(e:Entity)
WHERE d.namespace = $namespace
RETURN u.id AS unit, e.id AS entity, m.count AS count
ORDER BY unit, entity
"""
EXPORT_SUPPORTS = """
MATCH (d:Document {id: $doc})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:SUPPORTS]->(f:Fact)
WHERE d.namespace = $namespace
RETURN u.id AS unit, f.id AS fact
ORDER BY unit, fact
"""
EXPORT_FACTS = (
    f"UNWIND $ids AS id MATCH (f:Fact {{id: id}}) WHERE f.namespace = $namespace "
    f"RETURN {_FACT_FIELDS}, f.embedding AS embedding ORDER BY id"
)
EXPORT_ENTITIES = """
UNWIND $ids AS id MATCH (e:Entity {id: id}) WHERE e.namespace = $namespace
RETURN e.id AS id, e.name AS name, e.type AS type, e.embedding AS embedding
ORDER BY id
"""
EXPORT_SUPERSESSIONS = """
UNWIND $ids AS id
MATCH (old:Fact)-[s:SUPERSEDED_BY]->(new:Fact {id: id})
WHERE new.namespace = $namespace AND old.namespace = $namespace
RETURN old.id AS old, new.id AS new, s.at AS at
ORDER BY old, new
"""
SYNONYM_EDGES = """
MATCH (a:Entity {namespace: $namespace})-[r:SYNONYM]->(b:Entity)
RETURN a.id AS a, b.id AS b, r.score AS score
ORDER BY a, b
"""
