"""Retrieval (and QA) evaluation on MuSiQue dev100: hippo vs dense in the same run.

    python bench/eval.py --build openie --build corpus [--data ../shared/datasets] [--qa]

Writes bench/results/eval_musique.json and .md (Recall@2/5/10 by mode, build and hop count).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from common import markdown_table, percentile, write_results
from musique import build_store, questions, recall

from hippograph import RetrievalSettings
from hippograph.retrieve.hippo import embed_query

KS = (2, 5, 10)
# dense: passages by cosine only. hipporag2-style: our graph with HippoRAG 2's published
# seeding (min-max passage seeds x 0.05). hippo: our defaults.
MODES = ("dense", "hipporag2-style", "hippo")


def evaluate(memory, items, mode: str, settings=None, qa: bool = False) -> dict:
    retriever = memory.retriever
    for item in items:  # encode every question first: latency below is link + PPR + rank only
        embed_query(memory.embedder, item["question"])
    per_hop: dict[str, dict[int, list[float]]] = {}
    overall: dict[int, list[float]] = {k: [] for k in KS}
    latencies = []
    qa_scores = {"em": [], "f1": []}
    for item in items:
        start = time.perf_counter()
        result = retriever.retrieve(item["question"], top_k=max(KS), mode=mode, settings=settings)
        latencies.append((time.perf_counter() - start) * 1000)
        texts = [p.text for p in result.passages]
        for k in KS:
            r = recall(texts, item["gold"], k)
            overall[k].append(r)
            per_hop.setdefault(item["hops"], {kk: [] for kk in KS})[k].append(r)
        if qa:
            from hippograph.retrieve.answer import answer_question
            from hippograph.retrieve.qa_metrics import exact_match, token_f1

            result.passages = result.passages[:5]
            answer = answer_question(result, memory.llm).answer
            golds = [str(item["answer"]), *map(str, item["aliases"])]
            qa_scores["em"].append(exact_match(answer, golds))
            qa_scores["f1"].append(token_f1(answer, golds))
    out = {f"recall@{k}": 100 * sum(v) / len(v) for k, v in overall.items()}
    out["by_hops"] = {
        h: {f"recall@{k}": 100 * sum(v) / len(v) for k, v in d.items()} | {"n": len(d[KS[0]])}
        for h, d in sorted(per_hop.items())
    }
    out["latency_ms_p50"] = percentile(latencies, 50)
    out["latency_ms_p95"] = percentile(latencies, 95)
    if qa:
        out["qa_em"] = 100 * sum(qa_scores["em"]) / len(items)
        out["qa_f1"] = 100 * sum(qa_scores["f1"]) / len(items)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", help="folder of the shared datasets (default: HIPPOGRAPH_DATA)")
    parser.add_argument(
        "--build", action="append", choices=["openie", "corpus"], help="store build(s) to evaluate (default: both)"
    )
    parser.add_argument("--qa", action="store_true", help="also score answers (EM/F1) with the configured reader")
    parser.add_argument("--sweep", action="store_true", help="print a small parameter sweep (for tuning)")
    args = parser.parse_args()
    builds = args.build or ["openie", "corpus"]
    items = questions(args.data)
    results = {}
    rows = []
    for build in builds:
        memory = build_store(build, args.data)
        memory.retrieve("warm up", top_k=1)
        if args.sweep:
            sweep(memory, items)
            continue
        results[build] = {}
        for mode in MODES:
            settings = RetrievalSettings.hipporag2_published() if mode == "hipporag2-style" else None
            retrieval_mode = "dense" if mode == "dense" else "hippo"
            results[build][mode] = res = evaluate(memory, items, retrieval_mode, settings, qa=args.qa)
            row = [build, mode, res["recall@2"], res["recall@5"], res["recall@10"], f"{res['latency_ms_p50']:.1f}"]
            if args.qa:
                row += [res["qa_em"], res["qa_f1"]]
            rows.append(row)
        dense, hippo = results[build]["dense"], results[build]["hippo"]
        results[build]["hippo_minus_dense"] = {f"recall@{k}": hippo[f"recall@{k}"] - dense[f"recall@{k}"] for k in KS}
        stats = memory.stats().as_dict()
        results[build]["store"] = {k: stats[k] for k in ("documents", "passages", "entities", "facts", "edges")}
    if args.sweep:
        return
    headers = ["build", "mode", "R@2", "R@5", "R@10", "p50 ms (after query encoding)"]
    if args.qa:
        headers += ["EM", "F1"]
    hops = []
    for build in results:
        for mode in MODES:
            for hop, d in results[build][mode]["by_hops"].items():
                hops.append([build, mode, hop, d["n"], d["recall@2"], d["recall@5"], d["recall@10"]])
    table = (
        "## MuSiQue dev100 passage recall (100 questions, 1,890 passages, all-MiniLM-L6-v2)\n\n"
        + markdown_table(headers, rows)
        + "\n\n### By hop count\n\n"
        + markdown_table(["build", "mode", "hops", "n", "R@2", "R@5", "R@10"], hops)
    )
    write_results("eval_musique", {"results": results}, table)


def sweep(memory, items) -> None:
    """Recall of hippo mode around the defaults (how the defaults were chosen)."""
    base = memory.settings.retrieval
    grid = [
        {},
        {"passage_temperature": 0.01},
        {"passage_temperature": 0.03},
        {"passage_weight": 0.5},
        {"passage_weight": 2.0},
        {"damping": 0.3},
        {"damping": 0.7},
        {"link_top_k": 10},
        {"entity_top_k": 10},
        {"dense_fusion": 0.3},
    ]
    for changes in grid:
        res = evaluate(memory, items, "hippo", settings=replace(base, **changes))
        print(changes, {k: round(v, 1) for k, v in res.items() if k.startswith("recall")})


if __name__ == "__main__":
    main()
