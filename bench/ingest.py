"""Ingestion throughput on the 2Wiki corpus: spaCy extraction + embedding + store, by stage,
against passages-only ingestion (no extraction) in the same run.

    python bench/ingest.py [--limit 1000] [--data ../shared/datasets]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import dataset, markdown_table, write_results

from hippograph import Memory, Settings
from hippograph.extract.readers import read_sources
from hippograph.memory import first_documents


def timed_run(memory: Memory, source: str, extractor: str, limit: int) -> dict:
    """The pipeline's own steps, timed one by one."""
    pipeline = memory.pipeline(extractor)
    times = {"extract": 0.0, "embed": 0.0, "write": 0.0, "synonyms": 0.0}
    start = time.perf_counter()
    plan = pipeline.plan(first_documents(read_sources([source], "corpus"), limit),
                         datetime.now(timezone.utc).isoformat())
    for i in range(0, len(plan.pending), pipeline.group_size):
        group = plan.pending[i : i + pipeline.group_size]
        t = time.perf_counter()
        extractions = pipeline.extract(group)
        times["extract"] += time.perf_counter() - t
        t = time.perf_counter()
        batches = pipeline.build(group, extractions, plan)
        times["embed"] += time.perf_counter() - t
        t = time.perf_counter()
        for batch in batches:
            pipeline.write(batch)
            plan.record_written(batch)
        times["write"] += time.perf_counter() - t
    t = time.perf_counter()
    pipeline.finish(plan)
    times["synonyms"] = time.perf_counter() - t
    total = time.perf_counter() - start
    stats = memory.stats()
    return {"extractor": extractor, "documents": len(plan.pending), "seconds": total,
            "passages_per_s": stats.passages / total, "stage_seconds": times,
            "store": {"passages": stats.passages, "entities": stats.entities, "facts": stats.facts,
                      "edges": stats.edges}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=1000, help="first N passages of the corpus")
    parser.add_argument("--data")
    args = parser.parse_args()
    source = str(dataset("2wiki_corpus_6119.json", args.data))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for extractor in ("none", "spacy"):
            memory = Memory(Settings(store=f"sqlite:///{Path(tmp) / (extractor + '.db')}"))
            memory.embedder.encode(["warm up"])
            res = timed_run(memory, source, extractor, args.limit)
            memory.close()
            results.append(res)
            print(res, flush=True)
    rows = [[r["extractor"], r["documents"], f"{r['seconds']:.1f}", f"{r['passages_per_s']:.1f}",
             *(f"{r['stage_seconds'][k]:.1f}" for k in ("extract", "embed", "write", "synonyms")),
             r["store"]["entities"], r["store"]["facts"]] for r in results]
    ratio = results[1]["passages_per_s"] / results[0]["passages_per_s"]
    table = (f"## Ingestion, 2Wiki corpus, first {args.limit} passages (2 CPU cores, all-MiniLM-L6-v2)\n\n"
             + markdown_table(["extractor", "docs", "total s", "passages/s", "extract s", "embed s", "write s",
                               "synonyms s", "entities", "facts"], rows)
             + f"\n\nFull graph ingestion runs at {ratio:.2f}x the speed of passages-only ingestion.")
    write_results("ingest", {"corpus": "2wiki_corpus_6119.json", "limit": args.limit, "runs": results,
                             "spacy_vs_passages_only": ratio}, table)


if __name__ == "__main__":
    main()
