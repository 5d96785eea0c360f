"""The evaluation domains of bench/eval_suite.py (MuSiQue, LoCoMo, BEAM), loaded from their cached
stores, and the scoring every tuning script shares: recall by kind over the first k distinct unit
keys, and BEAM's later-evidence-first check."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import percentile
from musique import cached_store as musique_store
from musique import questions as musique_questions

from hippograph import Settings
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


# -- domains ----------------------------------------------------------------------------
def musique_domain(build: str, data: str, partial: bool = False):
    """``partial``: a store whose build did not finish is evaluated on the questions whose
    supporting passages it all holds (labelled partial: not comparable to the full set)."""
    from musique import store_name

    name = "musique_dev100_openie_gpt35.json" if build == "openie" else "musique_dev100_corpus.json"
    if not (Path(data) / name).exists():
        return None
    db, done = store_name(build, data)
    note = None
    if partial and not done.exists():
        if not db.exists():
            return None
        from hippograph import Memory

        memory, took = Memory(Settings.from_env(store=f"sqlite:///{db}")), None
        note = "partial store"
    else:
        memory, took = musique_store(build, data)
    held = {p.text for p in memory.store.passages(memory.store.node_ids("passage"))} if note else None
    items = []
    for n, item in enumerate(musique_questions(data)):
        if held is not None and not item["gold"] <= held:
            continue
        half = "q1-50 (tuned)" if n < 50 else "q51-100"
        items.append(Question(item["id"], half, item["hops"], item["question"], item["gold"], "musique"))
    if not items:
        return None
    if note:
        note = f"PARTIAL: store holds {len(held)} of 1,890 passages; {len(items)} questions whose evidence it holds"
    return {"stores": {"musique": memory}, "questions": items, "ingest_seconds": took, "key": "text", "note": note}


def locomo_domain(data: str, built_only: bool = False):
    from eval_locomo import CATEGORIES, locomo_built, locomo_store

    file = Path(data) / "locomo_dev5.json"
    if not file.exists():
        return None
    samples = json.loads(file.read_text())
    docs = [d for d in read_sources([str(file)], "locomo") if not isinstance(d, Problem)]
    stores, items, took_all, missing = {}, [], 0.0, []
    for sample in samples:
        sid = sample["sample_id"]
        if built_only and not locomo_built(file, sid):
            missing.append(sid)
            continue
        stores[sid], took = locomo_store(file, sid, docs)
        took_all += took
        for n, qa in enumerate(sample["qa"]):
            gold = {f"{sid}/{e}" for e in qa.get("evidence", [])}
            if qa.get("category") in CATEGORIES and gold:
                items.append(Question(f"{sid}/{n}", "all", CATEGORIES[qa["category"]], qa["question"], gold, sid))
    return chat_domain(stores, items, took_all, missing)


def chat_domain(stores: dict, items: list[Question], took: float, missing: list[str]) -> dict | None:
    """A domain of one store per conversation, scored by message (``source_id``); None if none is built."""
    if not stores:
        return None
    return {
        "stores": stores,
        "questions": items,
        "ingest_seconds": took,
        "key": "source_id",
        "chats": sorted(stores),
        "missing": missing,
    }


def beam_domain(base: str, chats: list[str], built_only: bool = False):
    from beam import chat_built, chat_folder, chat_store, read_questions

    stores, items, took_all, missing = {}, [], 0.0, []
    for chat in chats:
        folder = chat_folder(base, chat)
        if not (folder / "chat.json").exists() or (built_only and not chat_built(folder)):
            missing.append(chat)
            continue
        stores[chat], took, _ = chat_store(folder)
        took_all += took
        for q in read_questions(folder):
            items.append(
                Question(
                    q["id"],
                    chat.split("/")[0],
                    q["kind"],
                    q["question"],
                    q["gold"],
                    chat,
                    q.get("original", set()),
                    q.get("updated", set()),
                )
            )
    return chat_domain(stores, items, took_all, missing)


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


def run_domain(domain: dict, settings, modes=MODES) -> dict:
    """Per mode: recall by kind and overall, split by ``Question.domain`` (e.g. MuSiQue halves)."""
    rows: dict = {}
    for memory in domain["stores"].values():
        if not isinstance(memory.retriever.embedder, MemoEmbedder):
            memory.retriever.embedder = MemoEmbedder(memory.embedder)
        memory.retrieve("warm up", top_k=1)
    by_store: dict[str, list[str]] = {}
    for q in domain["questions"]:
        by_store.setdefault(q.store, []).append(q.text)
    for name, texts in by_store.items():  # one batch per store (one by one took minutes)
        memo = domain["stores"][name].retriever.embedder
        todo = [t for t in dict.fromkeys(texts) if t not in memo.memo]
        memo.memo.update(zip(todo, memo.inner.encode(todo)))
    for mode in modes:
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
        rows[mode] = {
            g: {
                kind: {f"R@{k}": sum(s[k] for s in v) / len(v) for k in (2, 5, 10)} | {"n": len(v)}
                for kind, v in kinds.items()
            }
            for g, kinds in per.items()
        }
        rows[mode]["query_ms_p50"] = percentile(times, 50)
        if state:
            rows[mode]["later_first"] = {"pairs": len(state), "percent": 100 * sum(state) / len(state)}
    return rows
