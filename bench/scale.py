"""Scale benchmark: synthetic stores of MuSiQue's shape at 10k / 100k (/ 1M) passages, built through
the real store API, then in one fresh process per size: full index load, add one document + the
first query after it (median of 20), query p50/p95, peak RSS with a breakdown, store size, ANN recall@10.

Shape (measured on the MuSiQue dev100 OpenIE store, 1,890 passages): 9.2 triples and 10.5 distinct
entities per passage, 8.6 distinct entities per passage overall (91% of entities named once), so
each passage draws 10 entity slots, each a new entity with probability 0.82 or else an earlier
mention picked uniformly (preferential attachment: power-law entity degrees), and 9 facts between
its entities. Vectors come from a fast SYNTHETIC encoder (not MiniLM): a text hashes to one of 2,000
topic centres plus noise, 384-d, L2-normalized, so ANN recall is measured on clustered vectors.
Synonym edges are not computed for the bulk build (the synthetic entity vectors are resolved without
edges); the add-one-document step does run the synonym step through the kept neighbour index.
Baseline in the same run: the 10k row; ratios are printed against it.

    python bench/scale.py --sizes 10000 100000 [--backend hnsw]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from common import CACHE, RESULTS, markdown_table, run_stamp

DIM = 384
TOPICS = 2000


class SyntheticEncoder:
    """Deterministic 384-d vectors: topic centre (by text hash) + noise. Not a language model."""

    name = "synthetic-topic-384"
    dim = DIM

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        centres = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(digest)
            v = self.centres[digest % TOPICS] + 0.08 * rng.standard_normal(DIM).astype(np.float32)
            out[row] = v / np.linalg.norm(v)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def synthetic_documents(count: int, start: int, rng: np.random.Generator, mentions: list[str], next_entity: list[int]):
    """SourceDocuments with precomputed extractions, MuSiQue-shaped (see the module docstring)."""
    from hippograph.extract.base import Extraction
    from hippograph.extract.source import SourceDocument

    relations = [f"relation {r}" for r in range(60)]
    for d in range(start, start + count):
        names: list[str] = []
        for _ in range(10):
            if not mentions or rng.random() < 0.82:
                names.append(f"entity {next_entity[0]}")
                next_entity[0] += 1
            else:
                names.append(mentions[int(rng.integers(len(mentions)))])
        names = list(dict.fromkeys(names))
        mentions.extend(names)
        triples = []
        for _ in range(9):
            a, b = rng.choice(len(names), 2, replace=False) if len(names) > 1 else (0, 0)
            triples.append((names[a], relations[int(rng.integers(len(relations)))], names[b]))
        text = f"Passage {d} about " + ", ".join(names) + "."
        yield SourceDocument(
            source=f"/synthetic/doc{d}",
            title=f"doc {d}",
            text=text,
            format="openie",
            passages=[text],
            extractions=[Extraction(entities=[(n, "") for n in names], triples=triples)],
        )


def build(path: Path, passages: int) -> dict:
    """Write the synthetic store through the ingestion driver's steps (plan -> build -> embed ->
    the store's ``write_documents``: the real store API); cached by size."""
    from hippograph.config import Settings
    from hippograph.extract.base import NoExtractor
    from hippograph.graph.sqlite_store import SQLiteStore
    from hippograph.pipelines.ingest import plan, split
    from hippograph.pipelines.work import Models, process_group

    done = path.with_suffix(".done")
    if done.exists():
        return json.loads(done.read_text())
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = SQLiteStore(path)
    settings = Settings(store=f"sqlite:///{path}")
    models = Models(SyntheticEncoder(), NoExtractor())  # type: ignore[arg-type]
    rng = np.random.default_rng(passages)
    mentions: list[str] = []
    next_entity = [0]
    chunk = 2000
    for start in range(0, passages, chunk):
        run = plan(
            synthetic_documents(min(chunk, passages - start), start, rng, mentions, next_entity),
            store.document_hashes,
            settings,
            extractor="none",
            now="2026-01-01T00:00:00+00:00",
        )
        for group in split(run.pending, 256):
            store.write_documents(process_group(group, models, run.now).batches)
        # Bulk build: clear the pending marks without synonym edges (synthetic entity vectors).
        store.add_synonyms([], resolved=store.pending_synonym_entities())
        print(f"  built {min(start + chunk, passages)} passages in {time.perf_counter() - started:.0f}s", flush=True)
    store.close()
    info = {"build_s": round(time.perf_counter() - started, 1), "state": [len(mentions), next_entity[0]]}
    done.write_text(json.dumps(info))
    return info


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, passages: int, backend: str) -> dict:
    """One fresh process per store: everything the row reports."""
    from hippograph.config import RetrievalSettings, Settings
    from hippograph.extract.base import NoExtractor
    from hippograph.graph.sqlite_store import SQLiteStore
    from hippograph.graph.synonyms import SynonymFinder
    from hippograph.pipelines.ingest import in_process, ingest
    from hippograph.pipelines.work import Models
    from hippograph.retrieve.hippo import HippoRetriever

    store = SQLiteStore(path)
    encoder = SyntheticEncoder()
    baseline_rss = rss_mb()
    retriever = HippoRetriever(store, encoder, RetrievalSettings(vector_index=backend))
    started = time.perf_counter()
    index = retriever.indexes.get()
    load_s = time.perf_counter() - started
    settings = Settings(store=f"sqlite:///{path}")
    process = in_process(Models(encoder, NoExtractor()))  # type: ignore[arg-type]
    started = time.perf_counter()
    synonyms = SynonymFinder(settings.synonym_threshold)
    synonyms.sync(store)  # loads the kept entity neighbour index once
    synonym_load_s = time.perf_counter() - started
    rng = np.random.default_rng(10**7 + passages)
    mentions = [f"entity {int(i)}" for i in rng.integers(0, max(1, passages * 8), 5000)]
    next_entity = [10**9]
    questions = [f"question {q} about entity {int(rng.integers(passages * 8))}" for q in range(120)]
    for q in questions[:10]:  # warm up
        retriever.retrieve(q, top_k=10)
    # Add one document, then answer the first query after it (plan, write, supersession,
    # synonyms, index refresh, link + PPR + rank; the synthetic encoder stands in for encoding).
    add_ms = []
    add_stages: list[dict[str, float]] = []
    added_docs = []
    for n, doc in enumerate(synthetic_documents(20, 10**8 + int(time.time()), rng, mentions, next_entity)):
        started = time.perf_counter()
        report = ingest([doc], store, settings, process, extractor="none", synonyms=synonyms)
        result = retriever.retrieve(questions[n], top_k=10)
        add_ms.append((time.perf_counter() - started) * 1000)
        add_stages.append({**{k: v * 1000 for k, v in report.stage_seconds.items()}, **result.timings_ms})
        assert report.added and result.passages
        added_docs += report.added
    index = retriever.indexes.get()
    query_ms = []
    query_stages: list[dict[str, float]] = []
    for q in questions[20:120]:
        started = time.perf_counter()
        result = retriever.retrieve(q, top_k=10)
        query_ms.append((time.perf_counter() - started) * 1000)
        query_stages.append(result.timings_ms)
    recall = ann_recall(index, encoder, questions) if backend != "exact" else 1.0
    stats = store.stats()
    size = sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))
    memory = {k: round(v / 2**20, 1) for k, v in index.memory_bytes().items()}
    for doc_id in added_docs:  # leave the cached store as built
        store.delete_document(doc_id)
    store.close()
    return {
        "passages": stats.passages,
        "facts": stats.facts,
        "edges": stats.edges,
        "load_s": round(load_s, 2),
        "add_then_query_ms": round(statistics.median(add_ms), 1),
        "query_p50_ms": round(float(np.percentile(query_ms, 50)), 1),
        "query_p95_ms": round(float(np.percentile(query_ms, 95)), 1),
        "ann_recall_at_10": round(recall, 4),
        "peak_rss_mb": round(rss_mb(), 0),
        "store_mb": round(size / 2**20, 1),
        "_detail": {
            "entities": stats.entities,
            "synonym_index_load_s": round(synonym_load_s, 2),
            "rss_before_load_mb": round(baseline_rss, 0),
            "index_mb": memory,
            "add_then_query_p95_ms": round(float(np.percentile(add_ms, 95)), 1),
            # Median milliseconds per stage: where the time goes (ingest stages, then the query's).
            "add_then_query_stages_ms": median_stages(add_stages),
            "query_stages_ms": median_stages(query_stages),
        },
    }


def median_stages(runs: list[dict[str, float]]) -> dict[str, float]:
    stages = dict.fromkeys(k for run in runs for k in run)
    return {k: round(statistics.median(run.get(k, 0.0) for run in runs), 2) for k in stages}


def ann_recall(index, encoder, questions: list[str]) -> float:
    """Recall@10 of the ANN unit and fact indexes against exact search over the same vectors."""
    hits = total = 0
    for q in questions[:100]:
        query = encoder.encode_query(q)
        for vectors in (index.units, index.facts):
            exact = set(np.argpartition(-(vectors.vectors @ query), 10)[:10].tolist())
            approx = {vectors.position[i] for i, _ in vectors.search(query, 10)}
            hits += len(exact & approx)
            total += 10
    return hits / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backend", default="hnsw", choices=["exact", "hnsw"])
    parser.add_argument("--measure", nargs=2, metavar=("STORE", "PASSAGES"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--keep-rows",
        action="store_true",
        help="keep the rows of other sizes from the last run's scale_detail.json (each row names its commit)",
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]), args.backend)))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    rows, builds = [], {}
    for size in args.sizes:
        path = CACHE / f"scale-{size}.db"
        print(f"building {size} passages (cached: {path.with_suffix('.done').exists()})", flush=True)
        builds[size] = build(path, size)
        out = subprocess.run(
            [sys.executable, __file__, "--backend", args.backend, "--measure", str(path), str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["_detail"] |= {"commit": run_stamp()["commit"], "load_per_cpu": run_stamp()["machine"]["load_per_cpu"]}
        print(row, flush=True)
        rows.append(row)
        if args.keep_rows:
            rows, builds = kept_rows(rows, builds)
        write(rows, builds, args.backend)  # after every row: a run cut short keeps what it measured


def kept_rows(rows: list[dict], builds: dict) -> tuple[list[dict], dict]:
    """This run's rows plus the last run's rows of sizes not measured now, ordered by size."""
    detail = RESULTS / "scale_detail.json"
    if not detail.exists():
        return rows, builds
    last = json.loads(detail.read_text())
    measured = {int(size) for size in builds}
    old = {int(k): v for k, v in last["builds"].items() if int(k) not in measured}
    previous = [r for r in last["rows"] if round(r["passages"], -4) in old]
    merged = sorted(rows + [r for r in previous if r not in rows], key=lambda r: r["passages"])
    sizes = {**{int(k): v for k, v in builds.items()}, **old}
    return merged, {k: sizes[k] for k in sorted(sizes)}


def write(rows: list[dict], builds: dict, backend: str) -> None:
    """bench/results/scale.json (exactly commit, versions, rows), scale.md and scale_detail.json."""
    stamp = run_stamp()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(
        json.dumps(
            {
                "commit": stamp["commit"],
                "versions": stamp["versions"],
                "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
            },
            indent=2,
        )
        + "\n"
    )
    base = rows[0]
    headers = [
        "passages",
        "facts",
        "edges",
        "load s",
        "add+query ms (median 20)",
        "x base",
        "query p50 ms",
        "query p95 ms",
        "ANN recall@10",
        "peak RSS MB",
        "vectors/graph/records MB",
        "store MB",
        "build s",
        "commit (load/CPU)",
    ]
    table = markdown_table(
        headers,
        [
            [
                r["passages"],
                r["facts"],
                r["edges"],
                r["load_s"],
                r["add_then_query_ms"],
                f"{r['add_then_query_ms'] / base['add_then_query_ms']:.2f}",
                r["query_p50_ms"],
                r["query_p95_ms"],
                f"{r['ann_recall_at_10']:.3f}",
                r["peak_rss_mb"],
                "/".join(str(r["_detail"]["index_mb"][k]) for k in ("vectors", "graph", "records")),
                r["store_mb"],
                builds[size]["build_s"],
                f"{r['_detail'].get('commit', stamp['commit'])} ({r['_detail'].get('load_per_cpu', '-')})",
            ]
            for r, size in zip(rows, builds)
        ],
    )
    machine = stamp["machine"]
    note = (
        f"\n\nSQLite store, vector_index={backend}, synthetic 384-d topic vectors (not MiniLM); "
        "add+query = plan + write + supersession + synonyms + index refresh + link/PPR/rank.\n"
        f"_commit {stamp['commit']}, {stamp['date']}, {machine['cpus']} CPUs, load {machine['load_per_cpu']}/CPU "
        f"({'idle' if machine['idle'] else 'busy'})_\n"
    )
    (RESULTS / "scale.md").write_text(table + note)
    (RESULTS / "scale_detail.json").write_text(json.dumps({"rows": rows, "builds": builds}, indent=2) + "\n")
    print(table + note)


if __name__ == "__main__":
    main()
