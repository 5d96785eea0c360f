"""Write throughput over Bolt (a local ArcadeDB server, see tests/bolt_server.py) against the
embedded SQLite store in the same run, on the same prepared and embedded MuSiQue documents.

    python bench/neo4j_write.py [--limit 300] [--data ../shared/datasets]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import ROOT, dataset, markdown_table, write_results

sys.path.insert(0, str(ROOT.parent / "tests"))

from bolt_server import PASSWORD, BoltServer  # noqa: E402

from hippograph import Memory, Settings  # noqa: E402
from hippograph.extract.readers import read_sources  # noqa: E402
from hippograph.graph.neo4j_store import Neo4jStore  # noqa: E402
from hippograph.graph.sqlite_store import SQLiteStore  # noqa: E402
from hippograph.memory import first_documents  # noqa: E402


def prepared_batches(limit: int, data: str | None, tmp: Path):
    """Documents extracted and embedded once, so only the store write is timed."""
    memory = Memory(Settings(store=f"sqlite:///{tmp / 'scratch.db'}"))
    pipeline = memory.pipeline("none")
    source = str(dataset("musique_dev100_openie_gpt35.json", data))
    plan = pipeline.plan(first_documents(read_sources([source], "openie"), limit),
                         datetime.now(timezone.utc).isoformat())
    batches = pipeline.build(plan.pending, pipeline.extract(plan.pending), plan)
    memory.close()
    return batches


def timed_writes(store, batches) -> dict:
    start = time.perf_counter()
    for batch in batches:
        store.write_document(batch)
    seconds = time.perf_counter() - start
    stats = store.stats()
    return {"documents": len(batches), "seconds": seconds, "facts": stats.facts,
            "facts_per_s": stats.facts / seconds, "documents_per_s": len(batches) / seconds,
            "relationships": stats.edges}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        batches = prepared_batches(args.limit, args.data, tmp)
        embedded = timed_writes(SQLiteStore(tmp / "embedded.db"), batches)
        server = BoltServer(tmp / "arcadedb")
        server.start()
        try:
            bolt = timed_writes(Neo4jStore(server.uri, "root", PASSWORD), batches)
        finally:
            server.stop()
    rows = [[name, r["documents"], r["facts"], f"{r['seconds']:.1f}", f"{r['facts_per_s']:.0f}",
             f"{r['documents_per_s']:.1f}"] for name, r in (("embedded SQLite", embedded),
                                                            ("Bolt (ArcadeDB 26.10, Neo4j Cypher)", bolt))]
    table = (f"## Store write throughput, {args.limit} MuSiQue documents (GPT-3.5 triples), one transaction each\n\n"
             + markdown_table(["store", "documents", "facts", "seconds", "facts/s", "documents/s"], rows)
             + f"\n\nBolt writes at {bolt['facts_per_s'] / embedded['facts_per_s']:.2f}x the embedded store's rate.")
    write_results("neo4j_write", {"embedded": embedded, "bolt": bolt,
                                  "bolt_vs_embedded": bolt["facts_per_s"] / embedded["facts_per_s"]}, table)


if __name__ == "__main__":
    main()
