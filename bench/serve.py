"""The memory server over HTTP on the MuSiQue store: recall latency at 1 and 8 concurrent clients
(query encoding included), the server-side stage breakdown, recall@5 over HTTP against the
in-process figure of the same run, and a recall right after a /remember.

    python bench/serve.py [--data ../shared/datasets] [--clients 8] [--per-client 25] [--limit N]

``--limit N`` builds (or reuses) only the first N MuSiQue passages and keeps the questions whose
supporting passages are all among them (for a machine too loaded to embed the whole corpus).

Writes bench/results/serve.json and .md. The server is a real ``hippograph serve`` subprocess.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import CACHE, dataset, markdown_table, percentile, write_results
from musique import build_store, questions, recall

from hippograph import Memory, Settings
from hippograph.embedding import limit_compute_threads

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("index", "encode", "link", "ppr", "rank", "serialize")
# "app": arrival to response start inside the server (its Server-Timing header); "framework" is
# what of it no stage accounts for (auth, validation, threadpool hand-off, JSON encoding).
BREAKDOWN = (*STAGES, "framework", "app", "cpu")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: str, token: str, threads: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ) | {"HIPPOGRAPH_API_TOKEN": token, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hippograph.cli",
            "--store",
            store,
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--threads",
            str(threads),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not come up in 300 s")


def timed_recall(http: httpx.Client, question: str, top_k: int = 5) -> tuple[float, dict]:
    start = time.perf_counter()
    response = http.post("/recall", json={"question": question, "top_k": top_k, "debug": True})
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    body = response.json()
    header = dict(part.strip().split(";dur=") for part in response.headers["server-timing"].split(","))
    body["timings_ms"]["app"] = float(header["app"])
    body["timings_ms"]["cpu"] = float(header["cpu"])  # CPU time of the handler's thread
    body["timings_ms"]["framework"] = float(header["app"]) - sum(body["timings_ms"].get(s, 0.0) for s in STAGES)
    return elapsed, body


def summary(latencies: list[float]) -> dict:
    return {"n": len(latencies), "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", help="folder of the shared datasets (default: HIPPOGRAPH_DATA)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25, help="questions each concurrent client sends")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests of the 1-client run")
    parser.add_argument("--limit", type=int, help="only the first N passages (and the questions they answer)")
    parser.add_argument("--threads", type=int, default=1, help="compute threads, server and in-process alike")
    args = parser.parse_args()
    limit_compute_threads(args.threads)  # the in-process baseline runs as the server does
    items = questions(args.data)
    if args.limit:
        CACHE.mkdir(parents=True, exist_ok=True)  # the same file build_store fills: a prefix of it
        memory = Memory(Settings.from_env(store=f"sqlite:///{CACHE / 'musique-openie.db'}"))
        memory.ingest(
            [str(dataset("musique_dev100_openie_gpt35.json", args.data))],
            format="openie",
            extractor="none",
            limit=args.limit,
        )
        stored = {p.text for p in memory.store.passages(memory.store.node_ids("passage"))}
        items = [item for item in items if item["gold"] <= stored]
    else:
        memory = build_store("openie", args.data)
    store_uri = memory.settings.store
    # Every string is asked once per path (never a cached encoding): the questions, then variants.
    asked = [
        item["question"] if n < len(items) else f"{item['question']} (variant {n // len(items)})"
        for n, item in ((n, items[n % len(items)]) for n in range(max(args.requests, len(items))))
    ]

    # Baseline, same run: in-process retrieval, first sight of each question (encoding included).
    memory.retrieve("warm up the index", top_k=1)
    local_ms, local_cpu, local_recall, local_top5 = [], [], [], []
    for n, question in enumerate(asked):
        start, cpu = time.perf_counter(), time.thread_time()
        result = memory.retrieve(question, top_k=5)
        local_ms.append((time.perf_counter() - start) * 1000)
        local_cpu.append((time.thread_time() - cpu) * 1000)
        local_top5.append([p.id for p in result.passages])
        if n < len(items):
            local_recall.append(recall([p.text for p in result.passages], items[n]["gold"], 5))
    # Query encoding alone, wall and CPU time (strings never encoded before in this process).
    encode_ms, encode_cpu = [], []
    for question in asked:
        start, cpu = time.perf_counter(), time.thread_time()
        memory.embedder.encode([f"{question} (encode only)"])
        encode_ms.append((time.perf_counter() - start) * 1000)
        encode_cpu.append((time.thread_time() - cpu) * 1000)
    stats = memory.stats()
    memory.close()

    token = secrets.token_urlsafe(24)
    process, url = start_server(store_uri, token, args.threads)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            timed_recall(http, "warm up the connection")
            one_ms, http_recall, stages, same_top5 = [], [], {s: [] for s in BREAKDOWN}, 0
            for n, question in enumerate(asked):
                elapsed, body = timed_recall(http, question)
                one_ms.append(elapsed)
                if n < len(items):
                    http_recall.append(recall([p["text"] for p in body["passages"]], items[n]["gold"], 5))
                same_top5 += [p["id"] for p in body["passages"]] == local_top5[n]
                for stage in BREAKDOWN:
                    stages[stage].append(body["timings_ms"].get(stage, 0.0))

            # Concurrent clients; every question is new to the server, so each request encodes.
            def client(k: int) -> list[float]:
                with httpx.Client(base_url=url, headers=headers, timeout=120) as own:
                    return [
                        timed_recall(own, f"{item['question']} (client {k})")[0]
                        for item in items[k * args.per_client % len(items) :][: args.per_client]
                    ]

            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                many_ms = [ms for part in pool.map(client, range(args.clients)) for ms in part]
            wall = time.perf_counter() - start

            # Read-your-write: a fact nothing else states, recalled right after /remember returns.
            probe = "The harbour of Quellmere was designed by the engineer Ottilie Brandvold in 1911."
            warm = http.post("/remember", json={"text": "Warm-up note about the Vistula.", "source": "bench/warm"})
            http.delete(f"/documents/{warm.json()['id']}")
            start = time.perf_counter()
            doc = http.post("/remember", json={"text": probe, "source": "bench/probe"}).json()
            remember_ms = (time.perf_counter() - start) * 1000
            _, seen = timed_recall(http, "Who designed the harbour of Quellmere?", top_k=1)
            visible = seen["passages"][0]["document_id"] == doc["id"]
            http.delete(f"/documents/{doc['id']}")
            _, after = timed_recall(http, "Who designed the harbour of Quellmere?", top_k=1)
            gone = all(p["document_id"] != doc["id"] for p in after["passages"])
    finally:
        process.terminate()
        process.wait(30)

    local = summary(local_ms)
    single, concurrent = summary(one_ms), summary(many_ms)
    breakdown = {s: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)} for s, v in stages.items()}
    payload = {
        "store": f"musique dev100, openie build{f', first {args.limit} passages' if args.limit else ''}",
        "store_counts": {
            "passages": stats.passages,
            "entities": stats.entities,
            "facts": stats.facts,
            "edges": stats.edges,
        },
        "compute_threads": args.threads,
        "requests_1_client": len(asked),
        "questions": len(items),
        "in_process": local
        | {"cpu_p50_ms": percentile(local_cpu, 50), "recall@5": 100 * sum(local_recall) / len(items)},
        "encode_only": summary(encode_ms) | {"cpu_p50_ms": percentile(encode_cpu, 50)},
        "http_1_client": single
        | {
            "recall@5": 100 * sum(http_recall) / len(items),
            "top5_identical_to_in_process": f"{same_top5}/{len(asked)}",
            "ratio_p50_vs_in_process": single["p50_ms"] / local["p50_ms"],
        },
        f"http_{args.clients}_clients": concurrent
        | {"throughput_rps": len(many_ms) / wall, "ratio_p50_vs_1_client": concurrent["p50_ms"] / single["p50_ms"]},
        "server_breakdown_1_client": breakdown,
        "remember_then_recall": {"remember_ms": remember_ms, "recall_sees_it": visible, "gone_after_forget": gone},
    }
    rows = [
        ["in-process (baseline)", local["n"], local["p50_ms"], local["p95_ms"], payload["in_process"]["recall@5"]],
        ["HTTP, 1 client", single["n"], single["p50_ms"], single["p95_ms"], payload["http_1_client"]["recall@5"]],
        [f"HTTP, {args.clients} clients", concurrent["n"], concurrent["p50_ms"], concurrent["p95_ms"], "-"],
    ]
    table = (
        f"## Recall over HTTP ({payload['store']}: {stats.passages} passages, {stats.facts} facts; "
        f"{len(items)} questions; query encoding included)\n\n"
    )
    table += markdown_table(["path", "requests", "p50 ms", "p95 ms", "recall@5"], rows)
    table += (
        f"\n\nHTTP p50 / in-process p50: {payload['http_1_client']['ratio_p50_vs_in_process']:.2f}; "
        f"top-5 identical to in-process: {payload['http_1_client']['top5_identical_to_in_process']}; "
        f"{args.clients} clients: {payload[f'http_{args.clients}_clients']['throughput_rps']:.1f} req/s, "
        f"p50 x{payload[f'http_{args.clients}_clients']['ratio_p50_vs_1_client']:.2f} of 1 client.\n\n"
    )
    table += (
        f"Query encoding alone (in-process): p50 {payload['encode_only']['p50_ms']:.1f} ms wall, "
        f"{payload['encode_only']['cpu_p50_ms']:.1f} ms CPU; a whole in-process retrieval: "
        f"{payload['in_process']['cpu_p50_ms']:.1f} ms CPU (wall minus CPU = waiting for a core).\n\n"
    )
    table += "### Server-side breakdown, 1 client (ms; cpu = CPU time of the request's thread)\n\n"
    table += markdown_table(["stage", "p50", "p95"], [[s, b["p50_ms"], b["p95_ms"]] for s, b in breakdown.items()])
    table += (
        f"\n\nRemember -> recall: /remember took {remember_ms:.0f} ms; the recall right after it "
        f"{'found' if visible else 'did NOT find'} the new document; after forget it was "
        f"{'gone' if gone else 'STILL THERE'}.\n"
    )
    write_results("serve", payload, table)


if __name__ == "__main__":
    main()
