"""Every Cypher statement the Neo4j store runs (valid Neo4j 5; all data travels as parameters).

Labels and relationship types are only ever interpolated from the fixed sets below, never
from data.
"""

from __future__ import annotations

LABELS = ("Document", "Passage", "Episode", "Entity", "Fact", "HippographMeta")
LOG_LABEL = "ChangeLog"  # one node per write transaction (the change feed); not part of the memory graph
UNIT_LABELS = ("Passage", "Episode")
RELATIONSHIP_TYPES = ("HAS_PASSAGE", "HAS_EPISODE", "MENTIONS", "SUPPORTS", "RELATES", "SUBJECT", "OBJECT",
                      "SYNONYM", "NEXT", "SUPERSEDED_BY")


def _label(label: str) -> str:
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}")
    return label


NAMESPACED_LABELS = ("Document", "Passage", "Episode", "Entity", "Fact")
SCHEMA_VERSION = 2  # 2: namespaces, change log, pending synonyms, passage dates

CONSTRAINTS = [
    *(f"CREATE CONSTRAINT hippograph_{label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
      for label in LABELS),
    "CREATE INDEX hippograph_fact_subject IF NOT EXISTS FOR (n:Fact) ON (n.subject)",
    *(f"CREATE INDEX hippograph_{label.lower()}_namespace IF NOT EXISTS FOR (n:{label}) ON (n.namespace)"
      for label in NAMESPACED_LABELS),
    "CREATE INDEX hippograph_changelog_generation IF NOT EXISTS FOR (n:ChangeLog) ON (n.generation)",
]

INIT_META = (f"MERGE (m:HippographMeta {{id: 'meta'}}) ON CREATE SET m.generation = 0, "
             f"m.schema_version = {SCHEMA_VERSION}")
SCHEMA_VERSION_OF_STORE = "MATCH (m:HippographMeta {id: 'meta'}) RETURN m.schema_version AS v"
SET_SCHEMA_VERSION = "MATCH (m:HippographMeta {id: 'meta'}) SET m.schema_version = $version"


def default_namespace_batch(label: str) -> str:
    """Migration to version 2: put up to 10,000 nodes of ``label`` without a namespace in 'default'."""
    return (f"MATCH (n:{_label(label)}) WHERE n.namespace IS NULL WITH n LIMIT 10000 "
            "SET n.namespace = 'default' RETURN count(n) AS n")


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


def vector_index(label: str, dimensions: int) -> str:
    """Neo4j 5 vector index DDL (servers without it are skipped by the store)."""
    return (f"CREATE VECTOR INDEX hippograph_{_label(label).lower()}_embedding IF NOT EXISTS "
            f"FOR (n:{label}) ON (n.embedding) OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimensions)}, "
            "`vector.similarity_function`: 'cosine'}}")


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
NEW_UNITS = {k: f"UNWIND $rows AS r MERGE (d:Document {{id: r.doc.id}}) ON CREATE SET d += r.doc CREATE (d)-[:HAS_"
             f"{k.upper()}]->(u:{k} {{id: r.unit.id}}) SET u += r.unit" for k in ("Passage", "Episode")}
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
    return f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id, namespace: $namespace}}) RETURN n.id AS id"


def vectors(label: str) -> str:
    return (f"MATCH (n:{_label(label)} {{namespace: $namespace}}) WHERE n.embedding IS NOT NULL "
            "RETURN n.id AS id, n.embedding AS embedding ORDER BY id")


def vectors_of(label: str) -> str:
    return (f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id, namespace: $namespace}}) "
            "WHERE n.embedding IS NOT NULL "
            "RETURN n.id AS id, n.embedding AS embedding ORDER BY id")


def node_ids(label: str) -> str:
    return (f"MATCH (n:{_label(label)} {{namespace: $namespace}}) WHERE n.embedding IS NOT NULL "
            "RETURN n.id AS id ORDER BY id")


# Weights are multiplied in by the store (hippograph.records: MENTION_WEIGHT, SUPPORT_WEIGHT, NEXT_WEIGHT).
GRAPH_EDGE_QUERIES = {
    "mention": "MATCH (u:Passage {namespace: $namespace})-[:MENTIONS]->(e:Entity) RETURN u.id AS s, e.id AS t, "
               "1 AS n",
    "mention_episode": "MATCH (u:Episode {namespace: $namespace})-[:MENTIONS]->(e:Entity) "
                       "RETURN u.id AS s, e.id AS t, 1 AS n",
    "support": "MATCH (f:Fact {namespace: $namespace}) WHERE f.subject <> f.object "
               "RETURN f.subject AS s, f.object AS t, COUNT { ()-[:SUPPORTS]->(f) } AS n",
    "synonym": "MATCH (a:Entity {namespace: $namespace})-[r:SYNONYM]->(b:Entity) RETURN a.id AS s, b.id AS t, "
               "r.score AS n",
    "next": "MATCH (a:Episode {namespace: $namespace})-[:NEXT]->(b:Episode) RETURN a.id AS s, b.id AS t, 1 AS n",
}
PASSAGES = """
UNWIND $ids AS id MATCH (p:Passage {id: id, namespace: $namespace})
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at
"""
EPISODES = """
UNWIND $ids AS id MATCH (e:Episode {id: id, namespace: $namespace})
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id
"""
_FACT_FIELDS = ("f.id AS id, f.subject AS subject, f.predicate AS predicate, f.object AS object, f.text AS text, "
                "f.valid_from AS valid_from, f.invalid_at AS invalid_at, f.created_at AS created_at")
FACTS = f"UNWIND $ids AS id MATCH (f:Fact {{id: id, namespace: $namespace}}) RETURN {_FACT_FIELDS}"
FACTS_ABOUT = (f"MATCH (f:Fact {{subject: $subject, namespace: $namespace}}) RETURN {_FACT_FIELDS} "
               "ORDER BY valid_from, created_at")
DOCUMENT_PASSAGES = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE]->(p:Passage)
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at
ORDER BY position
"""
DOCUMENT_EPISODES = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_EPISODE]->(e:Episode)
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id
ORDER BY position
"""


def unit_facts(label: str) -> str:
    return (f"UNWIND $ids AS id MATCH (u:{_label(label)} {{id: id, namespace: $namespace}})-[:SUPPORTS]->(f:Fact) "
            f"RETURN u.id AS unit, {_FACT_FIELDS} ORDER BY unit, subject, predicate, object")


FACT_UNITS = ("MATCH (u)-[:SUPPORTS]->(f:Fact {namespace: $namespace}) RETURN f.id AS fact, u.id AS unit "
              "ORDER BY fact, unit")


# -- export (a document back as the batch that wrote it, vectors included) -------------
EXPORT_DOCUMENT = """
MATCH (d:Document {id: $doc, namespace: $namespace})
RETURN d.id AS id, d.source AS source, d.title AS title, d.content_hash AS content_hash,
       d.ingested_at AS ingested_at, d.metadata_json AS metadata_json
"""
EXPORT_PASSAGES = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE]->(p:Passage)
RETURN p.id AS id, p.document_id AS document_id, p.text AS text, p.title AS title, p.position AS position,
       p.source_id AS source_id, p.occurred_at AS occurred_at, p.embedding AS embedding
ORDER BY position
"""
EXPORT_EPISODES = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_EPISODE]->(e:Episode)
RETURN e.id AS id, e.document_id AS document_id, e.text AS text, e.occurred_at AS occurred_at,
       e.speaker AS speaker, e.position AS position, e.source_id AS source_id, e.embedding AS embedding
ORDER BY position
"""
EXPORT_MENTIONS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[m:MENTIONS]->(e:Entity)
RETURN u.id AS unit, e.id AS entity, m.count AS count
ORDER BY unit, entity
"""
EXPORT_SUPPORTS = """
MATCH (:Document {id: $doc, namespace: $namespace})-[:HAS_PASSAGE|HAS_EPISODE]->(u)-[:SUPPORTS]->(f:Fact)
RETURN u.id AS unit, f.id AS fact
ORDER BY unit, fact
"""
EXPORT_FACTS = (f"UNWIND $ids AS id MATCH (f:Fact {{id: id, namespace: $namespace}}) "
                f"RETURN {_FACT_FIELDS}, f.embedding AS embedding ORDER BY id")
EXPORT_ENTITIES = """
UNWIND $ids AS id MATCH (e:Entity {id: id, namespace: $namespace})
RETURN e.id AS id, e.name AS name, e.type AS type, e.embedding AS embedding
ORDER BY id
"""
EXPORT_SUPERSESSIONS = """
UNWIND $ids AS id
MATCH (old:Fact {namespace: $namespace})-[s:SUPERSEDED_BY]->(new:Fact {id: id, namespace: $namespace})
RETURN old.id AS old, new.id AS new, s.at AS at
ORDER BY old, new
"""
SYNONYM_EDGES = """
MATCH (a:Entity {namespace: $namespace})-[r:SYNONYM]->(b:Entity)
RETURN a.id AS a, b.id AS b, r.score AS score
ORDER BY a, b
"""


# -- Neo4j Browser ------------------------------------------------------------------
# Synonym groups (connected SYNONYM components, computed in Python: unbounded path expansion can be
# exponential on dense groups in a Cypher engine) stored on entities by `hippograph synonym-groups`.
CLEAR_SYNONYM_GROUPS = ("MATCH (e:Entity {namespace: $namespace}) WHERE e.synonym_group IS NOT NULL "
                        "AND NOT e.id IN $keep REMOVE e.synonym_group, e.synonym_group_size")
SET_SYNONYM_GROUPS = ("UNWIND $rows AS r MATCH (e:Entity {id: r.id, namespace: $namespace}) "
                      "SET e.synonym_group = r.group, e.synonym_group_size = r.size")
# What `query --explain-cypher` prints after its `:param` lines: exactly the subgraph a query
# activated, one row per node and one per relationship (each UNION part matches one kind, so none
# multiplies another as OPTIONAL MATCHes would). RELATES edges are tied to their fact by `fact_id`.
_ACTIVATED_PARTS = (  # (pattern, source, relationship, target)
    ("(n:Passage {namespace: $namespace}) WHERE n.id IN $units", "n", "null", "null"),
    ("(n:Episode {namespace: $namespace}) WHERE n.id IN $units", "n", "null", "null"),
    ("(n:Entity {namespace: $namespace}) WHERE n.id IN $seeds", "n", "null", "null"),
    ("(n:Fact {namespace: $namespace}) WHERE n.id IN $facts", "n", "null", "null"),
    ("(u {namespace: $namespace})-[r:MENTIONS]->(e:Entity {namespace: $namespace})\n"
     "WHERE (u:Passage OR u:Episode) AND u.id IN $units AND e.id IN $seeds", "u", "r", "e"),
    ("(u {namespace: $namespace})-[r:SUPPORTS]->(f:Fact {namespace: $namespace})\n"
     "WHERE (u:Passage OR u:Episode) AND u.id IN $units AND f.id IN $facts", "u", "r", "f"),
    ("(f:Fact {namespace: $namespace})-[r:SUBJECT|OBJECT]->(e:Entity {namespace: $namespace})\n"
     "WHERE f.id IN $facts", "f", "r", "e"),
    ("(s:Entity {namespace: $namespace})-[r:RELATES]->(o:Entity {namespace: $namespace})\n"
     "WHERE r.fact_id IN $facts", "s", "r", "o"),
)
ACTIVATED_SUBGRAPH = "\nUNION ALL\n".join(f"MATCH {pattern}\nRETURN {a} AS source, {r} AS relationship, {b} AS target"
                                      for pattern, a, r, b in _ACTIVATED_PARTS)
