"""Prefect flow overhead: seconds per document through `ingest_flow` vs the plain pipeline,
same documents (2Wiki corpus slice, spaCy extraction), same machine, same run.

    python bench/flow_overhead.py [--limit 200]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import dataset, markdown_table, write_results

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--data")
    args = parser.parse_args()
    corpus = json.loads(dataset("2wiki_corpus_6119.json", args.data).read_text())[: args.limit]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.environ["PREFECT_HOME"] = str(tmp / "prefect")  # no cached extraction from earlier runs
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from hippograph import Memory, Settings
        from hippograph.flows.ingest import ingest_flow

        folder = tmp / "docs"
        folder.mkdir()
        for i, record in enumerate(corpus):
            (folder / f"{i:04d}.md").write_text(f"# {record['title']}\n\n{record['text']}\n")
        plain = Memory(Settings(store=f"sqlite:///{tmp / 'plain.db'}"))
        plain.embedder.encode(["warm up"])
        start = time.perf_counter()
        plain.ingest([str(folder)])
        plain_s = time.perf_counter() - start
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            warm = Memory(Settings(store=f"sqlite:///{tmp / 'warm.db'}"), embedder=plain.embedder)
            start = time.perf_counter()
            ingest_flow(sources=[str(folder / "0000.md")], memory=warm)  # starts the ephemeral API
            startup_s = time.perf_counter() - start
            flowed = Memory(Settings(store=f"sqlite:///{tmp / 'flow.db'}"), embedder=plain.embedder)
            start = time.perf_counter()
            summary = ingest_flow(sources=[str(folder)], memory=flowed)
            flow_s = time.perf_counter() - start
        same = flowed.stats().as_dict() == plain.stats().as_dict()
    n = len(corpus)
    rows = [
        ["plain pipeline", n, f"{plain_s:.1f}", f"{plain_s / n * 1000:.0f}"],
        ["Prefect flow (ephemeral API, 4 threads)", summary["added"], f"{flow_s:.1f}", f"{flow_s / n * 1000:.0f}"],
    ]
    table = (
        f"## Flow overhead, {n} 2Wiki documents (spaCy extraction + embedding + SQLite)\n\n"
        + markdown_table(["path", "documents", "seconds", "ms per document"], rows)
        + f"\n\nFlow / plain: {flow_s / plain_s:.2f}x. First flow run on a fresh Prefect home "
        f"(ephemeral API start-up, one document): {startup_s:.1f} s. Same store contents: {same}."
    )
    write_results(
        "flow_overhead",
        {
            "documents": n,
            "plain_seconds": plain_s,
            "flow_seconds": flow_s,
            "ratio": flow_s / plain_s,
            "ephemeral_startup_seconds": startup_s,
            "same_store_contents": same,
        },
        table,
    )


if __name__ == "__main__":
    main()
