"""MuSiQue dev100: build a store (OpenIE triples or offline spaCy) and score passage recall."""

from __future__ import annotations

import json
import time
from pathlib import Path

from common import CACHE, dataset

from hippograph import Memory, Settings


def build_store(build: str, data: str | None, embedder: str | None = None) -> Memory:
    """A cached store of the 1,890 MuSiQue passages; ingestion is idempotent, so reruns are cheap."""
    CACHE.mkdir(parents=True, exist_ok=True)
    suffix = "" if not embedder else "-" + embedder.replace("/", "_").replace(":", "_")
    store = CACHE / f"musique-{build}{suffix}.db"
    settings = Settings.from_env(store=f"sqlite:///{store}", embedder=embedder)
    memory = Memory(settings)
    if build == "openie":
        source, fmt, extractor = dataset("musique_dev100_openie_gpt35.json", data), "openie", "none"
    else:
        source, fmt, extractor = dataset("musique_dev100_corpus.json", data), "corpus", "spacy"
    start = time.perf_counter()
    report = memory.ingest([str(source)], format=fmt, extractor=extractor)
    took = time.perf_counter() - start
    print(f"[{build}] ingest: {report.as_dict()['added']} added, {len(report.unchanged)} unchanged in {took:.1f}s")
    return memory


def questions(data: str | None) -> list[dict]:
    items = json.loads(Path(dataset("musique_dev100.json", data)).read_text())
    out = []
    for item in items:
        gold = {f"{p['title']}\n{p['paragraph_text']}" for p in item["paragraphs"] if p["is_supporting"]}
        out.append({"id": item["id"], "question": item["question"], "gold": gold,
                    "hops": item["id"].split("hop")[0] + "hop", "answer": item["answer"],
                    "aliases": item.get("answer_aliases", [])})
    return out


def recall(retrieved_texts: list[str], gold: set[str], k: int) -> float:
    return len(gold & set(retrieved_texts[:k])) / len(gold)
