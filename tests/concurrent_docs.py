"""Overlapping conversations for the concurrent-writer tests, and what a writer process runs.

Each subject has two dated "lives in" facts stated in two different conversations, so whichever
conversation lands second must supersede the other's fact: a writer that read the subject's facts
before another writer committed would miss it. Cities, employers and people recur across
conversations (shared entities, shared facts), and every writer also ingests one common
conversation (the same document written concurrently by all of them).
"""

from __future__ import annotations

import hashlib

import numpy as np

from hippograph.extract.base import Extraction
from hippograph.extract.source import SourceDocument, Turn

N_CONVERSATIONS = 8
N_SUBJECTS = 24
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Kyoto", "Cairo", "Quito", "Perth"]
EMPLOYERS = ["Acme", "Globex", "Initech", "Umbrella"]


class HashEmbedder:
    """Deterministic 64-d vectors from a hash of the text: these tests are about writes, and four
    processes loading a real model would only slow them down."""

    name = "hash-64"
    dim = 64

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest() * 8, dtype=np.uint8)[: self.dim] for t in texts]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim) - 127.5
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True).clip(1e-9)


def conversations() -> list[SourceDocument]:
    turns: dict[int, list[tuple[Turn, Extraction]]] = {c: [] for c in range(N_CONVERSATIONS)}
    for k in range(N_SUBJECTS):
        person = f"Person {k}"
        first, second = k % N_CONVERSATIONS, (k + 3) % N_CONVERSATIONS
        old_city, new_city = CITIES[k % len(CITIES)], CITIES[(k + 1) % len(CITIES)]
        employer = EMPLOYERS[k % len(EMPLOYERS)]
        year = 2020 + k % 3
        for conversation, city, date in ((first, old_city, f"{year}-03-01"), (second, new_city, f"{year + 1}-06-01")):
            text = f"{person} lives in {city} and works at {employer}."
            # The employer fact is stated once (a fact stated twice takes the date of whichever
            # statement lands first, which no writer order fixes); the employer entity recurs.
            triples = [(person, "lives in", city)] + ([(person, "works at", employer)] if city == old_city else [])
            extraction = Extraction(entities=[(person, "PERSON"), (city, "GPE"), (employer, "ORG")], triples=triples)
            turns[conversation].append((Turn(person, text, date, f"c{conversation}/{k}"), extraction))
    docs = []
    for c, items in turns.items():
        items.sort(key=lambda item: item[0].occurred_at or "")
        docs.append(
            SourceDocument(
                source=f"<test>/conversation-{c}",
                title=f"Conversation {c}",
                format="chat",
                text="\n".join(t.text for t, _ in items),
                turns=[t for t, _ in items],
                extractions=[e for _, e in items],
            )
        )
    return docs


def share(writer: int, writers: int) -> list[SourceDocument]:
    """The conversations writer ``writer`` of ``writers`` ingests: its own, plus conversation 0."""
    docs = conversations()
    return [d for i, d in enumerate(docs) if i % writers == writer or i == 0]


def write_share(store: str, writer: int, writers: int) -> dict:
    """A writer process: ingest this writer's share through ``Memory`` (the SDK's driver loop)."""
    from hippograph import Memory, Settings

    with Memory(Settings(store=store, synonym_threshold=2.0), embedder=HashEmbedder()) as memory:
        report = memory.ingest_documents(share(writer, writers))
        return report.as_dict()
