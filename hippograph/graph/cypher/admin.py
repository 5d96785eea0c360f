"""Schema and housekeeping Cypher: the fixed labels and relationship types, constraints and
indexes, schema-version migrations, vector-index DDL, synonym groups for Neo4j Browser."""

LABELS = ("Document", "Passage", "Episode", "Entity", "Fact", "HippographMeta")
LOG_LABEL = "ChangeLog"  # one node per write transaction (the change feed); not part of the memory graph
UNIT_LABELS = ("Passage", "Episode")
RELATIONSHIP_TYPES = (
    "HAS_PASSAGE",
    "HAS_EPISODE",
    "MENTIONS",
    "SUPPORTS",
    "RELATES",
    "SUBJECT",
    "OBJECT",
    "SYNONYM",
    "NEXT",
    "SUPERSEDED_BY",
)


def _label(label: str) -> str:
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}")
    return label


NAMESPACED_LABELS = ("Document", "Passage", "Episode", "Entity", "Fact")
SCHEMA_VERSION = 2  # 2: namespaces, change log, pending synonyms, passage dates

CONSTRAINTS = [
    *(
        f"CREATE CONSTRAINT hippograph_{label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in LABELS
    ),
    "CREATE INDEX hippograph_fact_subject IF NOT EXISTS FOR (n:Fact) ON (n.subject)",
    "CREATE INDEX hippograph_fact_object IF NOT EXISTS FOR (n:Fact) ON (n.object)",
    *(
        f"CREATE INDEX hippograph_{label.lower()}_namespace IF NOT EXISTS FOR (n:{label}) ON (n.namespace)"
        for label in NAMESPACED_LABELS
    ),
    "CREATE INDEX hippograph_changelog_generation IF NOT EXISTS FOR (n:ChangeLog) ON (n.generation)",
]

INIT_META = (
    f"MERGE (m:HippographMeta {{id: 'meta'}}) ON CREATE SET m.generation = 0, m.schema_version = {SCHEMA_VERSION}"
)
SCHEMA_VERSION_OF_STORE = "MATCH (m:HippographMeta {id: 'meta'}) RETURN m.schema_version AS v"
SET_SCHEMA_VERSION = "MATCH (m:HippographMeta {id: 'meta'}) SET m.schema_version = $version"


def default_namespace_batch(label: str) -> str:
    """Migration to version 2: put up to 10,000 nodes of ``label`` without a namespace in 'default'."""
    return (
        f"MATCH (n:{_label(label)}) WHERE n.namespace IS NULL WITH n LIMIT 10000 "
        "SET n.namespace = 'default' RETURN count(n) AS n"
    )


def vector_index(label: str, dimensions: int) -> str:
    """Neo4j 5 vector index DDL (servers without it are skipped by the store)."""
    return (
        f"CREATE VECTOR INDEX hippograph_{_label(label).lower()}_embedding IF NOT EXISTS "
        f"FOR (n:{label}) ON (n.embedding) OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimensions)}, "
        "`vector.similarity_function`: 'cosine'}}"
    )


# -- Neo4j Browser ------------------------------------------------------------------
# Synonym groups (connected SYNONYM components, computed in Python: unbounded path expansion can be
# exponential on dense groups in a Cypher engine) stored on entities by `hippograph synonym-groups`.
CLEAR_SYNONYM_GROUPS = (
    "MATCH (e:Entity {namespace: $namespace}) WHERE e.synonym_group IS NOT NULL "
    "AND NOT e.id IN $keep REMOVE e.synonym_group, e.synonym_group_size"
)
SET_SYNONYM_GROUPS = (
    "UNWIND $rows AS r MATCH (e:Entity {id: r.id}) WHERE e.namespace = $namespace "
    "SET e.synonym_group = r.group, e.synonym_group_size = r.size"
)
