"""Multi-domain retrieval evaluation: dense vs hippo per domain and per question kind, one table.

    python bench/eval_suite.py [--data ../shared/datasets] [--beam /work/data/beam] [--quick]

Domains: MuSiQue dev100 with GPT-3.5 triples (openie) and with spaCy (corpus), each reported on
its tuning half (questions 1-50 in file order) and its other half; LoCoMo dev5; BEAM work chats
(tuning: 100K/11-15; untouched: 100K/16-20 and 500K/1-35). ``--quick`` runs only the tuning
chats of BEAM. A domain whose data is absent is marked "skipped". Stores are cached under
bench/.cache by data hash and ingest settings, so a rerun that changes only retrieval is fast.

Recall@k counts the first k distinct unit keys of the ranking itself (a MuSiQue passage, a
LoCoMo turn, a BEAM message: chunks of one message share its key), the same way for both modes;
``context`` neighbours never count. Writes bench/results/eval_suite.json and .md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from common import cached_memory, ingest_key, markdown_table, percentile, write_results
from musique import questions as musique_questions

from hippograph import Settings
from hippograph.config import data_dir
from hippograph.extract.readers import Problem, read_sources

MODES = ("dense", "hippo")
DEPTH = 50  # units retrieved per query before collapsing chunks to distinct keys


@dataclass
class Question:
    id: str
    domain: str
    kind: str
    text: str
    gold: set[str]
    store: str  # which store answers it
    original: set[str] = field(default_factory=set)  # BEAM knowledge-update pairs
    updated: set[str] = field(default_factory=set)


class MemoEmbedder:
    """Encodes each query once, so timings below are link + PPR + rank (as in bench/eval.py)."""

    def __init__(self, embedder):
        self.inner, self.memo = embedder, {}

    def encode(self, texts):
        return self.inner.encode(texts)

    def encode_query(self, text):
        if text not in self.memo:
            encode = getattr(self.inner, "encode_query", None)
            self.memo[text] = encode(text) if encode else self.inner.encode([text])[0]
        return self.memo[text]


def ingest_parts(extractor: str) -> list:
    s = Settings.from_env()
    return [extractor, s.embedder, s.chunk_size, s.chunk_overlap, s.synonym_threshold]


# -- domains ----------------------------------------------------------------------------
def musique_domain(build: str, data: str):
    file = Path(data) / ("musique_dev100_openie_gpt35.json" if build == "openie" else "musique_dev100_corpus.json")
    fmt, extractor = ("openie", "none") if build == "openie" else ("corpus", "spacy")
    if not file.exists():
        return None
    memory, took, _ = cached_memory(f"suite-musique-{build}", ingest_key([file], ingest_parts(extractor)),
                                    lambda m: m.ingest([str(file)], format=fmt, extractor=extractor))
    items = []
    for n, item in enumerate(musique_questions(data)):
        half = "q1-50 (tuned)" if n < 50 else "q51-100"
        items.append(Question(item["id"], half, item["hops"], item["question"], item["gold"], "musique"))
    return {"stores": {"musique": memory}, "questions": items, "ingest_seconds": took, "key": "text"}


def locomo_domain(data: str):
    from eval_locomo import CATEGORIES

    file = Path(data) / "locomo_dev5.json"
    if not file.exists():
        return None
    samples = json.loads(file.read_text())
    docs = [d for d in read_sources([str(file)], "locomo") if not isinstance(d, Problem)]
    stores, items, took_all = {}, [], 0.0
    for sample in samples:
        sid = sample["sample_id"]
        mine = [d for d in docs if d.metadata["sample_id"] == sid]
        stores[sid], took, _ = cached_memory(f"suite-locomo-{sid}", ingest_key([file], ingest_parts("spacy") + [sid]),
                                             lambda m, mine=mine: m.ingest_documents(mine, extractor="spacy"))
        took_all += took
        for n, qa in enumerate(sample["qa"]):
            gold = {f"{sid}/{e}" for e in qa.get("evidence", [])}
            if qa.get("category") in CATEGORIES and gold:
                items.append(Question(f"{sid}/{n}", "all", CATEGORIES[qa["category"]], qa["question"], gold, sid))
    return {"stores": stores, "questions": items, "ingest_seconds": took_all, "key": "source_id"}


def beam_domain(base: str, chats: list[str], limit_missing: bool = True):
    from beam import chat_folder, chat_store, read_questions

    stores, items, took_all, missing = {}, [], 0.0, []
    for chat in chats:
        folder = chat_folder(base, chat)
        if not (folder / "chat.json").exists():
            missing.append(chat)
            continue
        stores[chat], took, _ = chat_store(folder)
        took_all += took
        for q in read_questions(folder):
            items.append(Question(q["id"], "all", q["kind"], q["question"], q["gold"], chat,
                                  q.get("original", set()), q.get("updated", set())))
    if not stores:
        return None
    return {"stores": stores, "questions": items, "ingest_seconds": took_all, "key": "source_id",
            "chats": sorted(stores), "missing": missing}


# -- scoring ----------------------------------------------------------------------------
def distinct_keys(units, key: str, k: int) -> list[str]:
    out: list[str] = []
    for u in units:
        value = getattr(u, key)
        if value not in out:
            out.append(value)
            if len(out) == k:
                break
    return out


def later_first(ranking: list[str], original: set[str], updated: set[str]) -> bool:
    """An ``updated`` message is in the top 10 and above every ``original`` one."""
    top = ranking[:10]
    first_updated = next((i for i, r in enumerate(top) if r in updated), None)
    if first_updated is None:
        return False
    return all(r not in original for r in top[:first_updated])


def run_domain(domain: dict, settings) -> dict:
    """Per mode: recall by kind and overall, split by ``Question.domain`` (e.g. MuSiQue halves)."""
    rows: dict = {}
    for memory in domain["stores"].values():
        memory.retriever.embedder = MemoEmbedder(memory.embedder)
        memory.retrieve("warm up", top_k=1)
    for q in domain["questions"]:
        domain["stores"][q.store].retriever.embedder.encode_query(q.text)
    for mode in MODES:
        per: dict = {}
        times = []
        state = []
        for q in domain["questions"]:
            retriever = domain["stores"][q.store].retriever
            start = time.perf_counter()
            result = retriever.retrieve(q.text, top_k=DEPTH, mode=mode, settings=settings)
            times.append((time.perf_counter() - start) * 1000)
            ranking = distinct_keys(result.passages, domain["key"], 10)
            scores = {k: 100 * len(q.gold & set(ranking[:k])) / len(q.gold) for k in (2, 5, 10)}
            for group in (q.domain, "overall"):
                per.setdefault(group, {}).setdefault(q.kind, []).append(scores)
                per[group].setdefault("all", []).append(scores)
            if q.original and q.updated and not (q.original & q.updated):
                state.append(later_first(ranking, q.original, q.updated))
        rows[mode] = {g: {kind: {f"R@{k}": sum(s[k] for s in v) / len(v) for k in (2, 5, 10)}
                          | {"n": len(v)} for kind, v in kinds.items()} for g, kinds in per.items()}
        rows[mode]["query_ms_p50"] = percentile(times, 50)
        if state:
            rows[mode]["later_first"] = {"pairs": len(state), "percent": 100 * sum(state) / len(state)}
    return rows


def parse_overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        out[name] = json.loads(value) if value not in ("", None) and value[0] in "0123456789-[{tfn" else value
    return out


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    from beam import DEFAULT_FOLDER, HELD_100K, HELD_500K, TUNE

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="shared datasets folder (default: HIPPOGRAPH_DATA)")
    parser.add_argument("--beam", default=DEFAULT_FOLDER, help="folder holding BEAM's chats/ (never committed)")
    parser.add_argument("--quick", action="store_true", help="BEAM tuning chats only")
    parser.add_argument("--domain", action="append", help="run only these domains (by name)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="retrieval setting override for hippo mode (tuning; default: the defaults)")
    parser.add_argument("--name", default="eval_suite", help="results file name")
    parser.add_argument("--beam-500k-limit", type=int, default=None, help="only the first N 500K chats")
    args = parser.parse_args()
    data = args.data or data_dir() or ""
    settings = replace(Settings.from_env().retrieval, **parse_overrides(args.set))
    chats_500k = HELD_500K[: args.beam_500k_limit] if args.beam_500k_limit else HELD_500K
    specs = {
        "musique-gpt35": lambda: musique_domain("openie", data),
        "musique-spacy": lambda: musique_domain("corpus", data),
        "locomo-dev5": lambda: locomo_domain(data),
        "beam-tune": lambda: beam_domain(args.beam, TUNE),
        "beam-held-100K": lambda: beam_domain(args.beam, HELD_100K),
        "beam-held-500K": lambda: beam_domain(args.beam, chats_500k),
    }
    if args.quick:
        specs = {"beam-tune": specs["beam-tune"]}
    if args.domain:
        specs = {k: v for k, v in specs.items() if k in args.domain}
    results: dict = {}
    for name, spec in specs.items():
        domain = spec()
        if domain is None:
            results[name] = "skipped"
            print(f"{name}: skipped (data absent)", flush=True)
            continue
        res = run_domain(domain, settings)
        res["ingest_seconds"] = domain["ingest_seconds"]
        res["questions"] = len(domain["questions"])
        for key in ("chats", "missing"):
            if key in domain:
                res[key] = domain[key]
        results[name] = res
        for memory in domain["stores"].values():
            memory.close()
        print(summary_line(name, res), flush=True)
    payload = {"commit": commit(), "retrieval_settings": settings.__dict__, "depth": DEPTH, "results": results}
    write_results(args.name, payload, render(results, payload))


def summary_line(name: str, res: dict) -> str:
    d, h = res["dense"]["overall"]["all"], res["hippo"]["overall"]["all"]
    extra = ""
    if "later_first" in res["hippo"]:
        extra = (f" later-first hippo {res['hippo']['later_first']['percent']:.0f}% dense "
                 f"{res['dense']['later_first']['percent']:.0f}% of {res['hippo']['later_first']['pairs']}")
    return (f"{name}: n={h['n']} " + " ".join(f"R@{k} {d[f'R@{k}']:.1f}->{h[f'R@{k}']:.1f}" for k in (2, 5, 10))
            + extra)


def render(results: dict, payload: dict) -> str:
    overall, kinds, state = [], [], []
    for name, res in results.items():
        if res == "skipped":
            overall.append([name, "skipped", "", "", "", "", "", "", "", "", "", ""])
            continue
        for group in res["hippo"]:
            if group in ("query_ms_p50", "later_first"):
                continue
            d, h = res["dense"][group]["all"], res["hippo"][group]["all"]
            label = name if group == "overall" else f"{name} {group}"
            overall.append([label, h["n"], *[d[f"R@{k}"] for k in (2, 5, 10)], *[h[f"R@{k}"] for k in (2, 5, 10)],
                            *[h[f"R@{k}"] - d[f"R@{k}"] for k in (5, 10)],
                            f"{res['ingest_seconds']:.0f}" if group == "overall" else "",
                            f"{res['dense']['query_ms_p50']:.1f} / {res['hippo']['query_ms_p50']:.1f}"
                            if group == "overall" else ""])
        for kind, h in res["hippo"]["overall"].items():
            if kind == "all":
                continue
            d = res["dense"]["overall"][kind]
            kinds.append([name, kind, h["n"], d["R@5"], h["R@5"], d["R@10"], h["R@10"], h["R@10"] - d["R@10"]])
        if "later_first" in res["hippo"]:
            state.append([name, res["hippo"]["later_first"]["pairs"], res["dense"]["later_first"]["percent"],
                          res["hippo"]["later_first"]["percent"]])
    out = [f"## Retrieval suite: dense vs hippo (commit {payload['commit']}, all-MiniLM-L6-v2, "
           f"R@k over distinct units)\n",
           markdown_table(["domain", "n", "dense R@2", "dense R@5", "dense R@10", "hippo R@2", "hippo R@5",
                           "hippo R@10", "d R@5", "d R@10", "ingest s", "query ms p50 dense / hippo"], overall),
           "\n### By question kind\n",
           markdown_table(["domain", "kind", "n", "dense R@5", "hippo R@5", "dense R@10", "hippo R@10", "d R@10"],
                          kinds)]
    if state:
        out += ["\n### State questions (BEAM knowledge update: later evidence ranked first, top 10)\n",
                markdown_table(["domain", "scorable pairs", "dense %", "hippo %"], state)]
    return "\n".join(out)


if __name__ == "__main__":
    main()
