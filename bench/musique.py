"""MuSiQue dev100: build a store (OpenIE triples or offline spaCy) and score passage recall."""

from __future__ import annotations

import json
from pathlib import Path

from common import CACHE, cached_memory, dataset, ingest_key

from hippograph import Memory, Settings


def build_store(build: str, data: str | None, embedder: str | None = None) -> Memory:
    """A cached store of the 1,890 MuSiQue passages (see ``cached_store``)."""
    return cached_store(build, data, embedder)[0]


def _source(build: str, data: str | None):
    if build == "openie":
        return dataset("musique_dev100_openie_gpt35.json", data), "openie", "none"
    return dataset("musique_dev100_corpus.json", data), "corpus", "spacy"


def _key(build: str, data: str | None, embedder: str | None = None) -> str:
    source, _, extractor = _source(build, data)
    settings = Settings.from_env(embedder=embedder)
    return ingest_key(
        [source],
        [extractor, settings.embedder, settings.chunk_size, settings.chunk_overlap, settings.synonym_threshold],
    )


def store_name(build: str, data: str | None) -> tuple[Path, Path]:
    """The cached store file of a build and its finished-build marker."""
    db = CACHE / f"suite-musique-{build}-{_key(build, data)}.db"
    return db, db.with_suffix(".done")


def cached_store(build: str, data: str | None, embedder: str | None = None) -> tuple[Memory, float]:
    """The store of a build, cached under bench/.cache by data hash and ingest settings.

    Returns (memory, seconds its ingestion took when it was built)."""
    source, fmt, extractor = _source(build, data)
    key = _key(build, data, embedder)
    memory, took, _ = cached_memory(
        f"suite-musique-{build}",
        key,
        lambda m: m.ingest([str(source)], format=fmt, extractor=extractor),
        embedder=embedder,
    )
    return memory, took


def questions(data: str | None) -> list[dict]:
    items = json.loads(Path(dataset("musique_dev100.json", data)).read_text())
    out = []
    for item in items:
        gold = {f"{p['title']}\n{p['paragraph_text']}" for p in item["paragraphs"] if p["is_supporting"]}
        out.append(
            {
                "id": item["id"],
                "question": item["question"],
                "gold": gold,
                "hops": item["id"].split("hop")[0] + "hop",
                "answer": item["answer"],
                "aliases": item.get("answer_aliases", []),
            }
        )
    return out


def recall(retrieved_texts: list[str], gold: set[str], k: int) -> float:
    return len(gold & set(retrieved_texts[:k])) / len(gold)
