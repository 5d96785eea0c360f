"""Write throughput over Bolt (a local ArcadeDB server, see tests/bolt_server.py), all in one run on
the same prepared and embedded MuSiQue documents:
- the embedded SQLite store;
- Bolt, one transaction per document (the store's ``write_document``: a group of one);
- Bolt, the ingest writer's path: ``write_documents``, new documents grouped into one UNWIND
  transaction per group;
- the server's own ceiling: raw ``UNWIND ... MERGE`` of as many nodes (with the same vectors) and
  relationships as the documents need, in batches of 1,000, with no hippograph logic at all.

    python bench/neo4j_write.py [--limit 100] [--data ../shared/datasets]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, dataset, markdown_table, write_results

sys.path.insert(0, str(ROOT.parent / "tests"))

from bolt_server import PASSWORD, BoltServer

from hippograph import Memory, Settings
from hippograph.extract.readers import read_sources
from hippograph.graph.neo4j_store import Neo4jStore
from hippograph.graph.sqlite_store import SQLiteStore
from hippograph.memory import first_documents
from hippograph.pipelines.ingest import plan
from hippograph.pipelines.work import process_group

# The ceiling's statements: a label of its own, wiped before and after (never touches hippograph data).
RAW_CONSTRAINT = "CREATE CONSTRAINT bench_raw_id IF NOT EXISTS FOR (n:BenchRaw) REQUIRE n.id IS UNIQUE"
RAW_NODES = "UNWIND $rows AS r MERGE (n:BenchRaw {id: r.id}) SET n.embedding = r.embedding"
RAW_RELS = "UNWIND $rows AS r MATCH (a:BenchRaw {id: r.a}), (b:BenchRaw {id: r.b}) MERGE (a)-[:BENCH_RAW {n: r.n}]->(b)"
RAW_WIPE = "MATCH (n:BenchRaw) DETACH DELETE n"


def prepared_batches(limit: int, data: str | None, tmp: Path):
    """Documents extracted and embedded once, so only the store write is timed."""
    memory = Memory(Settings(store=f"sqlite:///{tmp / 'scratch.db'}"))
    source = str(dataset("musique_dev100_openie_gpt35.json", data))
    run = plan(first_documents(read_sources([source], "openie"), limit), lambda ids: {}, memory.settings, "none")
    batches = process_group(run.pending, memory.models("none"), run.now).batches
    memory.close()
    return batches


def timed(store, batches, batched: bool) -> dict:
    start = time.perf_counter()
    if batched:
        errors = store.write_documents(batches)
        assert not any(errors), [e for e in errors if e]
    else:
        for batch in batches:
            store.write_document(batch)
    seconds = time.perf_counter() - start
    stats = store.stats()
    return {
        "documents": len(batches),
        "seconds": seconds,
        "facts": stats.facts,
        "nodes": _nodes(stats),
        "relationships": stats.edges,
        "facts_per_s": stats.facts / seconds,
        "documents_per_s": len(batches) / seconds,
        "load_average": os.getloadavg()[0],
    }


def plain_store(server: BoltServer) -> Neo4jStore:
    """A store on an emptied database, on the plain driver (``fresh_store`` records every statement)."""
    server.wipe()
    return Neo4jStore(server.uri, "root", PASSWORD)


def _nodes(stats) -> int:
    return stats.documents + stats.passages + stats.episodes + stats.entities + stats.facts


def ceiling(server: BoltServer, nodes: int, relationships: int, facts: int, dim: int) -> dict:
    """Raw UNWIND ... MERGE of ``nodes`` nodes (each with a ``dim``-float vector) and
    ``relationships`` relationships, batches of 1,000, managed transactions."""
    import neo4j

    vector = [0.01] * dim
    node_rows = [{"id": f"n{i}", "embedding": vector} for i in range(nodes)]
    rel_rows = [{"a": f"n{i % nodes}", "b": f"n{(i * 7 + 1) % nodes}", "n": i} for i in range(relationships)]
    with neo4j.GraphDatabase.driver(server.uri, auth=("root", PASSWORD)) as driver:
        driver.execute_query(RAW_CONSTRAINT)
        driver.execute_query(RAW_WIPE)
        start = time.perf_counter()
        for query, rows in ((RAW_NODES, node_rows), (RAW_RELS, rel_rows)):
            for i in range(0, len(rows), 1000):
                driver.execute_query(query, {"rows": rows[i : i + 1000]})
        seconds = time.perf_counter() - start
        driver.execute_query(RAW_WIPE)
    return {
        "nodes": nodes,
        "relationships": relationships,
        "seconds": seconds,
        "facts_per_s": facts / seconds,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        batches = prepared_batches(args.limit, args.data, tmp)
        dim = next(len(p.embedding) for b in batches for p in b.passages)
        embedded = timed(SQLiteStore(tmp / "embedded.db"), batches, batched=True)
        server = BoltServer(tmp / "arcadedb")
        server.start()
        try:
            one_by_one = timed(plain_store(server), batches, batched=False)
            grouped = timed(plain_store(server), batches, batched=True)
            raw = ceiling(server, grouped["nodes"], grouped["relationships"], grouped["facts"], dim)
            server.wipe()
        finally:
            server.stop()
    runs = [
        ("embedded SQLite (ingest writer)", embedded),
        ("Bolt, one transaction per document", one_by_one),
        ("Bolt, ingest writer (grouped UNWIND transactions)", grouped),
        ("Bolt ceiling: raw UNWIND ... MERGE, same node/relationship counts", raw),
    ]
    rows = [
        [
            label,
            r.get("documents", "-"),
            grouped["facts"],
            r["nodes"],
            r["relationships"],
            f"{r['seconds']:.1f}",
            f"{r['facts_per_s']:.0f}",
            f"{r['load_average']:.1f}",
        ]
        for label, r in runs
    ]
    ratios = {
        "grouped_vs_one_by_one": grouped["facts_per_s"] / one_by_one["facts_per_s"],
        "grouped_vs_ceiling": grouped["facts_per_s"] / raw["facts_per_s"],
        "grouped_vs_210_facts_per_s": grouped["facts_per_s"] / 210.0,
    }
    table = (
        f"## Store write throughput, {args.limit} MuSiQue documents (GPT-3.5 triples)\n\n"
        + markdown_table(
            ["path", "documents", "facts", "nodes", "relationships", "seconds", "facts/s", "load avg"], rows
        )
        + f"\n\nGrouped Bolt writes: {ratios['grouped_vs_one_by_one']:.1f}x one transaction per document, "
        f"{ratios['grouped_vs_210_facts_per_s']:.1f}x the 210 facts/s measured before batching, "
        f"{ratios['grouped_vs_ceiling']:.2f} of the server's raw UNWIND ... MERGE ceiling (same run). "
        "The machine is shared: load average (2 cores) at the end of each step is shown."
    )
    write_results(
        "neo4j_write",
        {"embedded": embedded, "bolt_one_by_one": one_by_one, "bolt_grouped": grouped, "bolt_ceiling": raw, **ratios},
        table,
    )


if __name__ == "__main__":
    main()
