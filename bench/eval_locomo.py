"""LoCoMo evidence recall: hippo vs dense over conversation turns, by question category.

Each conversation gets its own store (its questions are about it alone); turns become
episodes with their session dates, facts come from the offline spaCy extractor.

    python bench/eval_locomo.py [--data ../shared/datasets]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import CACHE, cached_memory, dataset, ingest_key, markdown_table, write_results

from hippograph import Memory, Settings
from hippograph.extract.readers import Problem, read_sources

# LoCoMo's category numbers (as used by the LoCoMo and Mem0 evaluations); 5 = adversarial, no evidence.
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
KS = (5, 10)


def _key(path: Path, sample_id: str) -> str:
    s = Settings.from_env()
    return ingest_key([path], ["spacy", s.embedder, s.chunk_size, s.chunk_overlap, s.synonym_threshold, sample_id])


def locomo_built(path: Path, sample_id: str) -> bool:
    """Whether the conversation's store is already built in the cache."""
    return (CACHE / f"suite-locomo-{sample_id}-{_key(path, sample_id)}.done").exists()


def locomo_store(path: Path, sample_id: str, docs: list) -> tuple[Memory, float]:
    """One conversation's store, cached under bench/.cache by data hash and ingest settings."""
    key = _key(path, sample_id)
    mine = [d for d in docs if d.metadata["sample_id"] == sample_id]
    memory, took, _ = cached_memory(
        f"suite-locomo-{sample_id}", key, lambda m: m.ingest_documents(mine, extractor="spacy")
    )
    return memory, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    args = parser.parse_args()
    path = dataset("locomo_dev5.json", args.data)
    samples = json.loads(path.read_text())
    docs = [d for d in read_sources([str(path)], "locomo") if not isinstance(d, Problem)]
    scores = {mode: {c: {k: [] for k in KS} for c in CATEGORIES} for mode in ("dense", "hippo")}
    ingest_seconds = 0.0
    for sample in samples:
        sid = sample["sample_id"]
        memory, took = locomo_store(path, sid, docs)
        ingest_seconds += took
        for qa in sample["qa"]:
            category = qa.get("category")
            gold = {f"{sid}/{e}" for e in qa.get("evidence", [])}
            if category not in CATEGORIES or not gold:
                continue
            for mode in ("dense", "hippo"):
                hits = memory.retrieve(qa["question"], top_k=max(KS), mode=mode).passages
                ids = [h.source_id for h in hits]
                for k in KS:
                    scores[mode][category][k].append(len(gold & set(ids[:k])) / len(gold))
        memory.close()
    rows, results = [], {}
    for mode in ("dense", "hippo"):
        results[mode] = {}
        for category, name in CATEGORIES.items():
            per = scores[mode][category]
            results[mode][name] = {f"recall@{k}": 100 * sum(v) / len(v) for k, v in per.items()} | {
                "n": len(per[KS[0]])
            }
        every = {k: [x for c in CATEGORIES for x in scores[mode][c][k]] for k in KS}
        results[mode]["overall"] = {f"recall@{k}": 100 * sum(v) / len(v) for k, v in every.items()} | {
            "n": len(every[KS[0]])
        }
        for name, res in results[mode].items():
            rows.append([mode, name, res["n"], res["recall@5"], res["recall@10"]])
    table = "## LoCoMo (5 conversations) evidence recall over turns, categories 1-4\n\n" + markdown_table(
        ["mode", "category", "questions", "R@5", "R@10"], rows
    )
    write_results(
        "eval_locomo", {"results": results, "ingest_seconds": ingest_seconds, "categories": CATEGORIES}, table
    )


if __name__ == "__main__":
    main()
