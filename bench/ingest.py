"""Ingestion throughput on the 2Wiki corpus, all in one run:
- in-process: spaCy extraction + embedding + SQLite against passages-only (``--extractor none``);
- the Prefect flow on Dask with 1 and 2 worker processes (one torch thread each), against each
  other and against the in-process pipeline using both cores.

    python bench/ingest.py [--limit 600] [--runner dask] [--workers 1 2] [--data ../shared/datasets]
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

from hippograph import Memory, Settings
from hippograph.extract.readers import read_sources


def load_average() -> float:
    return os.getloadavg()[0]


def in_process(corpus: Path, store: str, extractor: str) -> dict:
    """``Memory.ingest`` (the SDK/CLI path), stage by stage."""
    memory = Memory(Settings(store=store))
    memory.embedder.encode(["warm up"])
    memory.models(extractor).extractor.extract(["Warm up the pipeline."])
    load = load_average()
    start = time.perf_counter()
    report = memory.ingest_documents(read_sources([str(corpus)], "corpus"), extractor=extractor)
    seconds = time.perf_counter() - start
    stats = memory.stats()
    memory.close()
    return {
        "path": f"in-process, --extractor {extractor}",
        "extractor": extractor,
        "documents": len(report.added),
        "seconds": seconds,
        "passages_per_s": stats.passages / seconds,
        "stage_seconds": report.stage_seconds,
        "load_average": load,
        "store": {"passages": stats.passages, "entities": stats.entities, "facts": stats.facts, "edges": stats.edges},
    }


def _flow(corpus: Path, store: str, runner: str, workers: int) -> tuple[dict, float]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from hippograph.flows.ingest import run_ingestion

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        start = time.perf_counter()
        summary = run_ingestion(
            [str(corpus)],
            runner=runner,
            workers=workers,
            store=store,
            format="corpus",
            extractor="spacy",
            torch_threads=1,
            cache_extraction=False,
        )
        return summary, time.perf_counter() - start


def on_runner(corpus: Path, store: str, runner: str, workers: int, warmup: Path) -> dict:
    """The Prefect flow on ``runner`` with ``workers`` worker processes, one torch thread each.

    ``seconds`` includes the cluster start and each worker loading its models, as a user sees it.
    ``work_seconds`` leaves that fixed cost out honestly: the same flow run first on ``warmup``
    (two documents per worker, so each worker starts and loads its models) is timed and subtracted.
    """
    load = load_average()
    warm, fixed = _flow(warmup, store + ".warmup", runner, workers)
    summary, seconds = _flow(corpus, store, runner, workers)
    with Memory(Settings(store=store)) as memory:
        stats = memory.stats()
    return {
        "path": f"flow, --runner {runner} --workers {workers}",
        "extractor": "spacy",
        "runner": runner,
        "workers": workers,
        "documents": summary["added"],
        "seconds": seconds,
        "passages_per_s": stats.passages / seconds,
        "fixed_seconds": fixed,
        "work_seconds": seconds - fixed,
        "work_passages_per_s": stats.passages / max(seconds - fixed, 1e-9),
        "warmup_worker_processes": warm["workers"],
        "worker_processes": summary["workers"],
        "load_average": load,
        "store": {"passages": stats.passages, "entities": stats.entities, "facts": stats.facts, "edges": stats.edges},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=600, help="first N passages of the corpus")
    parser.add_argument("--runner", default="dask")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--data")
    args = parser.parse_args()
    records = json.loads(dataset("2wiki_corpus_6119.json", args.data).read_text())[: args.limit]
    runs = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.environ["PREFECT_HOME"] = str(tmp / "prefect")  # no cached extraction from earlier runs
        corpus = tmp / "corpus.json"
        corpus.write_text(json.dumps(records))
        for extractor in ("none", "spacy"):
            runs.append(in_process(corpus, f"sqlite:///{tmp / (extractor + '.db')}", extractor))
            print(runs[-1], flush=True)
        for n in args.workers:
            warmup = tmp / f"warmup{n}.json"
            warmup.write_text(json.dumps(records[-2 * n :]))
            runs.append(on_runner(corpus, f"sqlite:///{tmp / f'{args.runner}{n}.db'}", args.runner, n, warmup))
            print(runs[-1], flush=True)
    by_path = {r["path"]: r for r in runs}
    none, spacy = runs[0], runs[1]
    ratios = {"spacy_vs_passages_only": spacy["passages_per_s"] / none["passages_per_s"]}
    dist = {r["workers"]: r for r in runs if "workers" in r}
    if 1 in dist and 2 in dist:
        ratios["workers_2_vs_1"] = dist[2]["passages_per_s"] / dist[1]["passages_per_s"]
        ratios["workers_2_vs_1_without_startup"] = dist[2]["work_passages_per_s"] / dist[1]["work_passages_per_s"]
    if 2 in dist:
        ratios["workers_2_vs_in_process"] = dist[2]["passages_per_s"] / spacy["passages_per_s"]
        ratios["workers_2_vs_in_process_without_startup"] = dist[2]["work_passages_per_s"] / spacy["passages_per_s"]
    rows = [
        [
            r["path"],
            r["documents"],
            f"{r['seconds']:.1f}",
            f"{r['passages_per_s']:.1f}",
            f"{r['work_passages_per_s']:.1f}" if "work_passages_per_s" in r else "-",
            len(r.get("worker_processes", [])) or "-",
            *(
                f"{r.get('stage_seconds', {}).get(k, 0):.1f}" if "stage_seconds" in r else "-"
                for k in ("extract", "embed", "write", "synonyms")
            ),
            r["store"]["entities"],
            r["store"]["facts"],
            f"{r['load_average']:.1f}",
        ]
        for r in by_path.values()
    ]
    lines = [f"{k}: {v:.2f}x" for k, v in ratios.items()]
    table = (
        f"## Ingestion, 2Wiki corpus, first {args.limit} passages (2 CPU cores, all-MiniLM-L6-v2)\n\n"
        + markdown_table(
            [
                "path",
                "docs",
                "total s",
                "passages/s",
                "passages/s without start-up",
                "worker processes",
                "extract s",
                "embed s",
                "write s",
                "synonyms s",
                "entities",
                "facts",
                "load avg at start",
            ],
            rows,
        )
        + "\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n\nThe machine is shared: the load average column is the 1-minute load when each run started "
        "(2 = both cores busy before the run). Flow timings include the Dask cluster start and each "
        "worker loading its models; 'without start-up' subtracts the same flow's time on a warm-up "
        "corpus of two documents per worker, measured just before (cluster start + model loading)."
    )
    write_results("ingest", {"corpus": "2wiki_corpus_6119.json", "limit": args.limit, "runs": runs, **ratios}, table)


if __name__ == "__main__":
    main()
