"""What a Neo4j Browser user pastes works: the printed --explain-cypher text and every saved query of
docs/neo4j.md go through Browser's own statement splitter, their `:param` lines are applied as
Browser applies them, and the queries run on the Bolt test server with exact expected results."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from cypher_check import markdown_cypher_blocks, run_pasted
from storecases import batch
from typer.testing import CliRunner

from hippograph.cli import app
from hippograph.graph.browser import HEADER
from hippograph.ids import fact_id
from hippograph.records import Supersession, SynonymEdge

pytestmark = pytest.mark.neo4j
DOCS = Path(__file__).resolve().parent.parent / "docs"
QUESTION = "Where was the husband of Marie Curie born?"


def _cli(bolt_server, monkeypatch, *args):
    for key, value in bolt_server.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["--store", bolt_server.uri, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _row(record) -> tuple:
    """(source id, relationship type, target id) of one result row; relationship rows checked for direction."""
    source, rel, target = record["source"], record["relationship"], record["target"]
    if rel is None:
        assert target is None
        return source["id"], None, None
    assert rel.start_node.element_id == source.element_id and rel.end_node.element_id == target.element_id
    return source["id"], rel.type, target["id"]


def test_pasted_explain_output_returns_exactly_the_activated_subgraph(
    bolt_server, embedder, sample_dir, cypher_tools, monkeypatch
):
    from hippograph import Memory, Settings

    memory = Memory(Settings.from_env(store=bolt_server.uri), store=bolt_server.fresh_store(), embedder=embedder)
    try:
        memory.ingest([str(sample_dir)])
        result = memory.retrieve(QUESTION, top_k=3)
        store = memory.store
        printed = _cli(bolt_server, monkeypatch, "query", QUESTION, "--top-k", "3", "--explain-cypher")
        pasted = printed[printed.index(HEADER) :]  # what the user copies: the printed block, as printed
        assert "[r:RELATES]" in pasted and "[r:MENTIONS]" in pasted  # not eaten as rich markup
        statements = cypher_tools.split(pasted)[0]
        params, queries = run_pasted(store._driver, statements)
        units, facts = [p.id for p in result.passages], {f.id: f for f in result.facts}
        assert params == {"namespace": "default", "units": units, "seeds": sorted(result.seeds), "facts": list(facts)}
        assert len(queries) == 1 and facts and result.seeds
        records, _, _ = store._driver.execute_query(queries[0], params)

        seeds = set(result.seeds)
        edges = store.graph_edges()
        mentions = {(s, "MENTIONS", t) for s, t in zip(edges.sources, edges.targets) if s in units and t in seeds}
        supports = {
            (u, "SUPPORTS", f.id) for u, linked in store.unit_facts(units).items() for f in linked if f.id in facts
        }
        fact_edges = {(f.id, "SUBJECT", f.subject) for f in facts.values()} | {
            (f.id, "OBJECT", f.object) for f in facts.values()
        }
        relates = {(f.subject, "RELATES", f.object) for f in facts.values()}
        nodes = {(n, None, None) for n in [*units, *seeds, *facts]}
        assert mentions and fact_edges and relates
        rows = [_row(r) for r in records]
        assert Counter(rows) == Counter(nodes | mentions | supports | fact_edges | relates)  # once each
        relates_facts = [
            r["relationship"]["fact_id"]
            for r in records
            if r["relationship"] is not None and r["relationship"].type == "RELATES"
        ]
        assert sorted(relates_facts) == sorted(facts)  # each RELATES edge is its own fact's
    finally:
        memory.close()


@pytest.fixture
def docs_store(bolt_server):
    """A store whose content gives every saved query of docs/neo4j.md a known answer."""
    store = bolt_server.fresh_store()
    store.write_document(
        batch(
            "alpha", ["Alice met Bob.", "Bob lives in Paris."], [("alice", "met", "bob"), ("bob", "lives in", "paris")]
        )
    )
    beta = batch(
        "beta", ["Carol knew Dave; now Erin likes Frank."], [("carol", "knows", "dave"), ("erin", "likes", "frank")]
    )
    beta.supersessions.append(
        Supersession(fact_id("carol", "knows", "dave"), fact_id("erin", "likes", "frank"), "2024-01-01")
    )
    store.write_document(beta)
    # a-b and b-paris: one group of three although alice and paris are not joined directly.
    store.add_synonyms(
        [SynonymEdge("alice", "bob", 0.9), SynonymEdge("bob", "paris", 0.85), SynonymEdge("carol", "dave", 0.8)]
    )
    yield store
    store.close()


def test_every_saved_query_in_the_docs_runs_with_its_expected_rows(bolt_server, docs_store, cypher_tools, monkeypatch):
    groups = json.loads(_cli(bolt_server, monkeypatch, "synonym-groups", "--json"))
    assert [(g["group"], g["size"]) for g in groups] == [("alice", 3), ("carol", 2)]
    alpha_units = [u.id for u in docs_store.document_units("alpha")]
    # Each block: the values its `:param` lines are replaced with here, and the rows expected.
    expected = {
        "HAS_PASSAGE|HAS_EPISODE": ({"doc": "alpha"}, 6),  # 2 passages x 3 entities each mentions
        "(e:Entity {id: $entity": ({"entity": "bob"}, 8),  # 2 facts x 2 ends x 2 supporting passages
        "e.synonym_group IS NOT NULL": ({}, 2),  # the two groups, largest first (checked below)
        "{synonym_group: $group": ({"group": "alice"}, 2),
        "SUPERSEDED_BY": ({}, 1),
        "UNION ALL": (
            {"units": alpha_units, "seeds": ["alice", "bob"], "facts": [fact_id("alice", "met", "bob")]},
            # 2 units + 2 seeds + 1 fact, 4 MENTIONS, 2 SUPPORTS, SUBJECT + OBJECT, 1 RELATES
            14,
        ),
    }
    for values, _ in expected.values():
        values["namespace"] = "default"
    gds_blocks, seen = [], Counter()
    blocks = markdown_cypher_blocks((DOCS / "neo4j.md").read_text())
    for block, statements in zip(blocks, cypher_tools.split(*blocks)):
        params, queries = run_pasted(docs_store._driver, statements)  # the block's own :param lines run
        assert len(queries) == 1, block
        if "gds." in block:
            gds_blocks.append(queries[0])
            continue
        (key,) = [k for k in expected if k in block]
        seen[key] += 1
        values, rows = expected[key]
        assert set(values) == set(params), block  # the test sets exactly what the block declares
        records, _, _ = docs_store._driver.execute_query(queries[0], {**params, **values})
        assert len(records) == rows, (block, [dict(r) for r in records])
        if key == "e.synonym_group IS NOT NULL":
            assert [(r["synonym_group"], r["size"], sorted(r["names"])) for r in records] == [
                ("alice", 3, ["Alice", "Bob", "Paris"]),
                ("carol", 2, ["Carol", "Dave"]),
            ]
    assert seen == Counter(dict.fromkeys(expected, 1))  # every saved query was run, once
    assert len(gds_blocks) == 3


def test_gds_projection_reads_the_edges_and_weights_retrieval_uses(bolt_server, docs_store):
    """GDS is not on the test server: run the projection's input (its MATCH ... WITH part) instead."""
    (project,) = [b for b in markdown_cypher_blocks((DOCS / "neo4j.md").read_text()) if "gds.graph.project" in b]
    assert ':param namespace => "default";' in project
    query = "\n".join(line for line in project.splitlines() if not line.startswith(":param"))
    edge_list = query[: query.index("WITH gds.graph.project")] + "RETURN source.id AS s, target.id AS t, weight AS w"
    records, _, _ = docs_store._driver.execute_query(edge_list, {"namespace": "default"})
    projected = Counter((r["s"], r["t"], round(float(r["w"]), 6)) for r in records)
    edges = docs_store.graph_edges()
    used = Counter((s, t, round(w, 6)) for s, t, w in zip(edges.sources, edges.targets, edges.weights) if s != t)
    assert projected == used and len(used) > 10


def test_style_sheet_styles_every_label_and_relationship_type():
    import re

    from hippograph.graph import cypher

    grass = (DOCS / "hippograph.grass").read_text()
    rules = dict(re.findall(r"^(node\.\w+|relationship\.\w+)\s*\{([^}]*)\}", grass, re.MULTILINE))
    assert {f"node.{label}" for label in (*cypher.LABELS, cypher.LOG_LABEL)} <= set(rules)
    assert {f"relationship.{t}" for t in cypher.RELATIONSHIP_TYPES} <= set(rules)
    assert "{score}" not in rules["relationship.SYNONYM"]  # a raw float caption helps nobody
    assert len(rules) == len(re.findall(r"^(node|relationship)\.", grass, re.MULTILINE))  # every rule parsed
