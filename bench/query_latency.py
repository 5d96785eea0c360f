"""Query latency: our cached-CSR PPR vs igraph PRPACK per query, on synthetic power-law graphs,
plus end-to-end query latency on the MuSiQue store (models loaded).

    python bench/query_latency.py [--sizes 10000 100000 1000000] [--skip-store]
"""

from __future__ import annotations

import argparse
import time

import igraph
import numpy as np
from common import markdown_table, percentile, write_results

from hippograph.graph.ppr import GraphMatrix, personalized_pagerank


def power_law_graph(n: int, avg_degree: int, seed: int):
    """Edges whose endpoints follow a Zipf-like popularity (hubs, as entity graphs have)."""
    rng = np.random.default_rng(seed)
    m = n * avg_degree // 2
    popularity = 1.0 / np.arange(1, n + 1) ** 0.9
    popularity /= popularity.sum()
    src = rng.choice(n, m, p=popularity)
    dst = rng.integers(0, n, m)
    keep = src != dst
    return src[keep], dst[keep], rng.uniform(0.5, 2.0, keep.sum())


def bench_size(n: int, queries: int, seed: int = 7) -> dict:
    src, dst, w = power_law_graph(n, 6, seed)
    t = time.perf_counter()
    ours = GraphMatrix.from_arrays([str(i) for i in range(n)], {}, src, dst, w, n)
    build_ours = time.perf_counter() - t
    t = time.perf_counter()
    g = igraph.Graph(n=n, edges=np.column_stack([src, dst]), directed=False)
    g.es["weight"] = w
    build_igraph = time.perf_counter() - t
    rng = np.random.default_rng(seed + 1)
    ours_ms, theirs_ms, agree = [], [], 0
    for _ in range(queries):
        reset = np.zeros(n)
        seeds = rng.choice(n, rng.integers(5, 21), replace=False)
        reset[seeds] = rng.uniform(0.1, 1.0, len(seeds))
        t = time.perf_counter()
        a = personalized_pagerank(ours, reset, damping=0.5, tolerance=1e-6)
        ours_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        b = np.asarray(
            g.personalized_pagerank(damping=0.5, reset=reset, weights="weight", directed=False, implementation="prpack")
        )
        theirs_ms.append((time.perf_counter() - t) * 1000)
        agree += list(np.argsort(-a)[:20]) == list(np.argsort(-b)[:20])
    return {
        "nodes": n,
        "edges": len(src),
        "queries": queries,
        "build_s": {"ours_csr": build_ours, "igraph": build_igraph},
        "ours_ms": {"p50": percentile(ours_ms, 50), "p95": percentile(ours_ms, 95)},
        "igraph_ms": {"p50": percentile(theirs_ms, 50), "p95": percentile(theirs_ms, 95)},
        "speedup_p50": percentile(theirs_ms, 50) / percentile(ours_ms, 50),
        "top20_identical": f"{agree}/{queries}",
    }


def bench_store(data: str | None) -> dict:
    from musique import build_store, questions

    from hippograph.retrieve.hippo import embed_query

    memory = build_store("openie", data)
    retriever = memory.retriever
    items = questions(data)
    retriever.retrieve("warm up")
    total, after_encoding = [], []
    for item in items:
        t0 = time.perf_counter()
        embed_query(memory.embedder, item["question"])  # cached inside: the retrieve below reuses it
        t1 = time.perf_counter()
        retriever.retrieve(item["question"], top_k=5)
        t2 = time.perf_counter()
        total.append((t2 - t0) * 1000)
        after_encoding.append((t2 - t1) * 1000)
    stats = memory.stats()
    return {
        "store": "musique-openie (1,890 passages)",
        "nodes": stats.passages + stats.entities,
        "query_ms_incl_encoding": {"p50": percentile(total, 50), "p95": percentile(total, 95)},
        "link_ppr_rank_ms": {"p50": percentile(after_encoding, 50), "p95": percentile(after_encoding, 95)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--data")
    parser.add_argument("--skip-store", action="store_true")
    args = parser.parse_args()
    rows, results = [], []
    for n in args.sizes:
        res = bench_size(n, queries=20 if n <= 100_000 else 5)
        results.append(res)
        rows.append(
            [
                f"{n:,}",
                f"{res['edges']:,}",
                f"{res['ours_ms']['p50']:.1f}",
                f"{res['ours_ms']['p95']:.1f}",
                f"{res['igraph_ms']['p50']:.1f}",
                f"{res['igraph_ms']['p95']:.1f}",
                f"{res['speedup_p50']:.1f}x",
                res["top20_identical"],
            ]
        )
        print(rows[-1], flush=True)
    table = "## Personalized PageRank per query (damping 0.5, L1 tol 1e-6, 5-20 seeds)\n\n" + markdown_table(
        ["nodes", "edges", "ours p50 ms", "ours p95 ms", "igraph p50 ms", "igraph p95 ms", "speedup", "top-20 same"],
        rows,
    )
    payload = {"ppr": results}
    if not args.skip_store:
        store = bench_store(args.data)
        payload["store_query"] = store
        table += "\n\n## End-to-end query on MuSiQue dev100 store (100 questions, models loaded)\n\n" + markdown_table(
            ["what", "p50 ms", "p95 ms"],
            [
                [
                    "link + PPR + rank (after encoding)",
                    f"{store['link_ppr_rank_ms']['p50']:.1f}",
                    f"{store['link_ppr_rank_ms']['p95']:.1f}",
                ],
                [
                    "including query encoding",
                    f"{store['query_ms_incl_encoding']['p50']:.1f}",
                    f"{store['query_ms_incl_encoding']['p95']:.1f}",
                ],
            ],
        )
    write_results("query_latency", payload, table)


if __name__ == "__main__":
    main()
