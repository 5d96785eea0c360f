"""MuSiQue dev100 recall with the living index (refreshed from the change feed while the corpus
was ingested in slices) against the full-rebuild path (an index loaded from scratch), same store,
same run: R@2/5/10 must agree. Also times the refreshes against full loads.

    python bench/living_eval.py [--slices 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from common import CACHE, dataset, markdown_table, write_results
from eval import evaluate
from musique import questions

from hippograph import Memory, Settings
from hippograph.extract.readers import read_sources
from hippograph.retrieve.index import RetrievalIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--data")
    parser.add_argument(
        "--embedder",
        choices=["minilm", "trigram"],
        default="minilm",
        help="trigram: the model-free hashing embedder of tests/killharness.py (fast; lower recall)",
    )
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "living-musique-openie.db"
    for suffix in ("", "-wal", "-shm"):
        (CACHE / f"{path.name}{suffix}").unlink(missing_ok=True)
    embedder = None
    if args.embedder == "trigram":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from killharness import TrigramEmbedder

        embedder = TrigramEmbedder()
    memory = Memory(Settings.from_env(store=f"sqlite:///{path}"), embedder=embedder)
    docs = list(read_sources([str(dataset("musique_dev100_openie_gpt35.json", args.data))], "openie"))
    size = -(-len(docs) // args.slices)
    refresh_s, load_s = [], []
    living = None
    for start in range(0, len(docs), size):  # ingest a slice, then bring the living index up to date
        memory.ingest_documents(docs[start : start + size], extractor="none")
        began = time.perf_counter()
        living = RetrievalIndex.load(memory.store, previous=living) if living else RetrievalIndex.load(memory.store)
        refresh_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        RetrievalIndex.load(memory.store)
        load_s.append(time.perf_counter() - began)
    items = questions(args.data)
    memory.retriever.indexes._index = living  # the query path over the living index
    assert memory.retriever.indexes.get() is living
    results = {"living": {m: evaluate(memory, items, m) for m in ("dense", "hippo")}}
    memory.retriever.indexes._index = RetrievalIndex.load(memory.store)  # the full-rebuild path
    results["full rebuild"] = {m: evaluate(memory, items, m) for m in ("dense", "hippo")}
    rows = [
        [path_name, mode, round(r["recall@2"], 1), round(r["recall@5"], 1), round(r["recall@10"], 1)]
        for path_name, by_mode in results.items()
        for mode, r in by_mode.items()
    ]
    table = markdown_table(["index", "mode", "R@2", "R@5", "R@10"], rows)
    table += (
        f"\n\nEmbedder: {args.embedder}. MuSiQue dev100 OpenIE store ingested in {args.slices} slices; living index refreshed after each "  # noqa: E501
        f"slice in {', '.join(f'{s:.2f}' for s in refresh_s[1:])} s vs full loads of "
        f"{', '.join(f'{s:.2f}' for s in load_s[1:])} s."
    )
    write_results("living_eval", {"results": results, "refresh_s": refresh_s, "full_load_s": load_s}, table)
    print(
        json.dumps(
            {
                k: {m: {kk: v for kk, v in r.items() if kk.startswith("recall")} for m, r in d.items()}
                for k, d in results.items()
            }
        )
    )
    memory.close()


if __name__ == "__main__":
    main()
