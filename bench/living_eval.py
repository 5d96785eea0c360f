"""MuSiQue dev100 recall with the living index (refreshed from the change feed while the corpus
was ingested in slices) against the full-rebuild path (an index loaded from scratch), same store,
same run: R@2/5/10 must agree. Also times the refreshes against full loads.

    python bench/living_eval.py [--slices 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
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
    parser.add_argument(
        "--replay",
        action="store_true",
        help="no re-embedding: on a copy of the built MuSiQue store, delete each slice's documents "
        "and write them back from their exported records (vectors included), refreshing after each",
    )
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.replay:
        replay(args.slices, args.data)
        return
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


def replay(slices: int, data: str | None) -> None:
    """The delta path on the real MuSiQue store without re-embedding: for each slice of the
    documents, delete them (refresh the living index), then write their exported batches back and
    restore their synonym edges (refresh again). The living index then faces the full-rebuild
    index on the same final store: R@2/5/10 must agree."""
    import sqlite3

    from musique import store_name

    source, done = store_name("openie", data)
    if not done.exists():
        raise SystemExit(f"build the MuSiQue store first (python bench/eval.py): {source} is missing")
    path = CACHE / "living-replay.db"
    for suffix in ("", "-wal", "-shm"):
        (CACHE / f"{path.name}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as original, sqlite3.connect(path) as copy:
        original.backup(copy)  # never written: the copy is
    memory = Memory(Settings.from_env(store=f"sqlite:///{path}"))
    store = memory.store
    living = RetrievalIndex.load(store)
    docs = sorted(d.id for d in store.documents())
    size = -(-len(docs) // slices)
    refresh_s, load_s, changes = [], [], 0
    for start in range(0, len(docs), size):
        chunk = docs[start : start + size]
        batches = [b for b in (store.export_document(d) for d in chunk) if b is not None]
        synonyms = store.synonym_edges()
        for doc_id in chunk:
            store.delete_document(doc_id)
        began = time.perf_counter()
        living = RetrievalIndex.load(store, previous=living)
        refresh_s.append(time.perf_counter() - began)
        store.write_documents(batches)
        entities = {e.id for b in batches for e in b.entities}
        resolved = sorted(entities & set(store.pending_synonym_entities()))
        store.add_synonyms([e for e in synonyms if e.source in entities or e.target in entities], resolved=resolved)
        began = time.perf_counter()
        living = RetrievalIndex.load(store, previous=living)
        refresh_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        RetrievalIndex.load(store)
        load_s.append(time.perf_counter() - began)
        changes += 2
    items = questions(data)
    memory.retriever.indexes._index = living  # the query path over the living index
    assert memory.retriever.indexes.get() is living
    results = {"living (delta refreshes)": {m: evaluate(memory, items, m) for m in ("dense", "hippo")}}
    memory.retriever.indexes._index = RetrievalIndex.load(store)  # the full-rebuild path
    results["full rebuild"] = {m: evaluate(memory, items, m) for m in ("dense", "hippo")}
    gaps = {
        f"{mode} R@{k}": round(
            abs(
                results["living (delta refreshes)"][mode][f"recall@{k}"] - results["full rebuild"][mode][f"recall@{k}"]
            ),
            2,
        )
        for mode in ("dense", "hippo")
        for k in (2, 5, 10)
    }
    rows = [
        [path_name, mode, round(r["recall@2"], 1), round(r["recall@5"], 1), round(r["recall@10"], 1)]
        for path_name, by_mode in results.items()
        for mode, r in by_mode.items()
    ]
    table = markdown_table(["index", "mode", "R@2", "R@5", "R@10"], rows)
    table += (
        f"\n\nMuSiQue dev100 OpenIE store (GPT-3.5 triples, MiniLM), {len(docs)} documents replayed in {slices} "
        f"slices: each slice deleted, then written back from its exported records ({changes} delta refreshes, "
        f"median {statistics.median(refresh_s):.2f} s; a full load took median {statistics.median(load_s):.2f} s). "
        f"Largest gap living vs full rebuild: {max(gaps.values())} points (must be <= 0.5)."
    )
    write_results(
        "living_eval_replay",
        {"results": results, "gaps": gaps, "refresh_s": refresh_s, "full_load_s": load_s, "slices": slices},
        table,
    )
    print(table)
    memory.close()


if __name__ == "__main__":
    main()
