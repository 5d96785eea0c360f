"""python bench/mechanisms.py: the memory mechanisms' options on MuSiQue dev100 (GPT-3.5 triples).

Every arm runs in the same process on a copy of the same built store (bench/.cache, built by
bench/eval_suite.py), with the baseline (shipped defaults) first: passage Recall@2/5/10 per half
(q1-50, q51-100), how many top-10 rankings equal the baseline's, whether the store generation
moved, and (inside a quiet window, unless --no-timing) the query latency of link + PPR + rank
(queries encoded once beforehand). The options measured: recall tracking alone
(``track_recalls``), and the strength/recency term (``strength_weight`` 0.5, recalls accumulating
over the 100 questions in file order). Write-back, entity notes and the query clue do not act on
this benchmark's retrieval (the clue needs a chat model: not measured).
"""

from __future__ import annotations

import argparse
import glob
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import CACHE, markdown_table, percentile, write_results
from domains import MemoEmbedder
from musique import questions as musique_questions

from hippograph import Memory, Settings
from hippograph.config import data_dir
from hippograph.embedding import load_embedder

ARMS = {
    "baseline (defaults)": {},
    "track_recalls": {"track_recalls": True},
    "track_recalls + strength_weight 0.5": {"track_recalls": True, "strength_weight": 0.5},
}


def recall(texts: list[str], gold: set[str], k: int) -> float:
    return 100.0 * len(gold & set(texts[:k])) / len(gold)


def fresh_copy(source: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.db"
    shutil.copyfile(source, target)
    return target


def run_arm(db: Path, changes: dict, items: list[dict], embedder) -> dict:
    settings = Settings.from_env(store=f"sqlite:///{db}").with_retrieval(**changes)
    with Memory(settings, embedder=embedder) as memory:
        generation = memory.store.generation()
        rankings = []
        for item in items:
            rankings.append([p.text for p in memory.retrieve(item["question"], top_k=10).passages])
        moved = memory.store.generation() != generation
        recalls = sum(s.recalls for s in memory.recall_strength.stats().values()) if changes else 0
    return {"rankings": rankings, "generation_moved": moved, "recalls_recorded": recalls}


def time_arm(db: Path, changes: dict, items: list[dict], embedder) -> dict:
    settings = Settings.from_env(store=f"sqlite:///{db}").with_retrieval(**changes)
    with Memory(settings, embedder=embedder) as memory:
        for item in items[:10]:  # warm: index loaded, caches filled
            memory.retrieve(item["question"], top_k=10)
        took = []
        for item in items:
            start = time.perf_counter()
            memory.retrieve(item["question"], top_k=10)
            took.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": percentile(took, 50), "p95_ms": percentile(took, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", help="a built MuSiQue GPT-3.5 store (default: bench/.cache/suite-musique-openie-*)")
    parser.add_argument("--no-timing", action="store_true", help="recall only (no quiet window needed)")
    parser.add_argument(
        "--quiet-cmd",
        help="a command giving a quiet window for the timing part: run as CMD acquire mechanisms / CMD release",
    )
    args = parser.parse_args()
    source = Path(args.store) if args.store else None
    if source is None:
        built = [Path(p) for p in glob.glob(str(CACHE / "suite-musique-openie-*.db"))]
        built = [p for p in built if p.with_suffix(".done").exists()]
        if not built:
            raise SystemExit("no built MuSiQue store: run python bench/eval_suite.py first (or pass --store)")
        source = built[0]
    items = musique_questions(data_dir())
    embedder = MemoEmbedder(load_embedder())
    folder = Path(tempfile.mkdtemp(prefix="hippograph-mechanisms-"))
    results: dict[str, dict] = {}
    for name, changes in ARMS.items():
        results[name] = run_arm(fresh_copy(source, folder, f"recall-{len(results)}"), changes, items, embedder)
    timings: dict[str, dict] = {}
    if not args.no_timing:
        copies = [fresh_copy(source, folder, f"timing-{n}") for n in range(len(ARMS))]  # prepared outside
        if args.quiet_cmd:
            subprocess.run([args.quiet_cmd, "acquire", "mechanisms"], check=True)
        try:
            for db, (name, changes) in zip(copies, ARMS.items()):
                timings[name] = time_arm(db, changes, items, embedder)
        finally:
            if args.quiet_cmd:
                subprocess.run([args.quiet_cmd, "release"], check=False)
    shutil.rmtree(folder, ignore_errors=True)

    base = results["baseline (defaults)"]["rankings"]
    rows, payload_arms = [], {}
    for name, res in results.items():
        row: dict = {"settings": ARMS[name]}
        for half, part in (("q1-50", slice(0, 50)), ("q51-100", slice(50, 100)), ("all", slice(0, 100))):
            chosen = list(zip(items[part], res["rankings"][part]))
            for k in (2, 5, 10):
                row[f"{half} R@{k}"] = round(sum(recall(r, q["gold"], k) for q, r in chosen) / len(chosen), 1)
        row["top10_same_as_baseline"] = sum(a == b for a, b in zip(res["rankings"], base))
        row["generation_moved"] = res["generation_moved"]
        row["recalls_recorded"] = res["recalls_recorded"]
        row |= timings.get(name, {})
        payload_arms[name] = row
        base_p50 = timings.get("baseline (defaults)", {}).get("p50_ms")
        ratio = f"{row['p50_ms'] / base_p50:.2f}x" if base_p50 and "p50_ms" in row else "-"
        rows.append(
            [
                name,
                row["all R@2"],
                row["all R@5"],
                row["all R@10"],
                row["q1-50 R@5"],
                row["q51-100 R@5"],
                f"{row['top10_same_as_baseline']}/100",
                "yes" if row["generation_moved"] else "no",
                row["recalls_recorded"],
                row.get("p50_ms", "-"),
                row.get("p95_ms", "-"),
                ratio,
            ]
        )
    table = (
        "#### Memory mechanisms on MuSiQue dev100 (GPT-3.5 triples), same run, same store\n\n"
        + markdown_table(
            [
                "arm",
                "R@2",
                "R@5",
                "R@10",
                "R@5 q1-50",
                "R@5 q51-100",
                "top-10 = baseline",
                "generation moved",
                "recalls recorded",
                "p50 ms",
                "p95 ms",
                "p50 vs baseline",
            ],
            rows,
        )
        + "\n\nLatency: link + PPR + rank per query (queries encoded once beforehand), 100 questions after 10 "
        "warm-up ones, in a quiet window. Write-back, entity notes and the query clue do not act on this "
        "benchmark's retrieval; the query clue needs a chat model and is not measured."
    )
    write_results("mechanisms", {"store": source.name, "arms": payload_arms}, table)


if __name__ == "__main__":
    main()
