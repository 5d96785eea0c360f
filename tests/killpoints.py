"""The kill -9 harness of ``tests/killharness.py`` (issue 12: synonyms) extended to every ingestion
stage: a child process ingests a corpus and SIGKILLs itself at a named call (before or after it),
the parent re-runs the ingestion and compares the whole store with what uninterrupted runs leave
(timestamps and the generation counter aside).

Stages are functions of the ingestion steps or methods of the child's store, e.g.
``work.extract_group``, ``work.embed_group`` (records + vectors), ``write.supersessions_for``
(supersession, inside each write transaction),
``store.write_document``, ``store.add_synonyms``, ``store.delete_document`` (sync). The child kills
itself with SIGKILL, so nothing is flushed or cleaned up, as with a real ``kill -9``.

A run is a list of steps; each step ingests one version of the corpus (``v1``, ``v2``: some
documents changed, one gone, with ``--sync``-style deletion). Killing a step and re-running it must
give the store the uninterrupted steps give.

As a script it is the child: ``python tests/killpoints.py STORE VERSION [OBJECT.METHOD:CALL:WHEN]``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from killharness import KillPoint, TrigramEmbedder, _arm

# Columns that record when something happened, not what is stored.
VOLATILE = {"documents": {"ingested_at"}, "facts": {"created_at"}}
TABLES = (
    "documents",
    "passages",
    "episodes",
    "entities",
    "facts",
    "mentions",
    "supports",
    "synonyms",
    "next_edges",
    "superseded",
)


def corpus(version: str) -> list:
    """Notes (passages with precomputed facts over near-duplicate names) and dated chats whose
    residence/employer facts supersede each other; ``v2`` changes two notes, drops one and moves
    a chat forward in time (new facts superseding stored ones)."""
    from hippograph.extract.base import Extraction
    from hippograph.extract.source import SourceDocument, Turn

    rng = np.random.default_rng(11)
    stems = ["river thames", "mount everest", "marie curie", "isaac newton", "red cross", "eiffel tower"]
    variants = [v for s in stems for v in (s, f"the {s}", s.split()[-1])]
    docs = []
    for d in range(8):
        if version == "v2" and d == 5:
            continue  # deleted in v2
        passages, extractions = [], []
        for p in range(2):
            names = [str(n) for n in rng.choice(variants, 3, replace=False)]
            edit = " (revised)" if version == "v2" and d in (1, 6) else ""
            passages.append(f"Note {d} part {p} mentions {', '.join(names)}{edit}.")
            extractions.append(
                Extraction(
                    entities=[(n, "") for n in names],
                    triples=[(names[0], "relates to", names[1]), (names[1], "near", names[2])],
                )
            )
        docs.append(
            SourceDocument(
                f"/kill9/note{d}.txt",
                f"note {d}",
                "\n\n".join(passages),
                "openie",
                passages=passages,
                extractions=extractions,
            )
        )
    moves = [
        ("Caroline", "lives in", "Lisbon", "2024-01-05"),
        ("Caroline", "moved to", "Porto", "2024-03-01"),
        ("Caroline", "works at", "Acme", "2024-01-10"),
        ("Bob", "lives in", "Oslo", "2024-02-01"),
        ("Caroline", "moved to", "Madrid", "2024-06-01"),
        ("Bob", "moved to", "Bergen", "2024-05-01"),
        ("Caroline", "works at", "Globex", "2024-07-01"),
    ]
    if version == "v2":
        moves += [("Caroline", "moved to", "Paris", "2024-09-01"), ("Bob", "works at", "Initech", "2024-09-02")]
    for chat, chunk in enumerate((moves[:3], moves[3:5], moves[5:])):
        turns = [
            Turn(s, f"{s} {p} {o}.", f"{day}T10:00:00+00:00", f"chat{chat}/{i}")
            for i, (s, p, o, day) in enumerate(chunk)
        ]
        extractions = [Extraction(entities=[(s, "PERSON"), (o, "GPE")], triples=[(s, p, o)]) for s, p, o, _ in chunk]
        text = "\n".join(f"{t.speaker}: {t.text}" for t in turns)
        docs.append(
            SourceDocument(
                f"/kill9/chat{chat}.jsonl#c{chat}", f"chat {chat}", text, "jsonl", turns=turns, extractions=extractions
            )
        )
    return docs


def child(store_path: str, version: str, spec: str | None) -> None:
    from hippograph.config import Settings
    from hippograph.extract.base import NoExtractor
    from hippograph.graph.sqlite_store import SQLiteStore
    from hippograph.pipelines import ingest as driver
    from hippograph.pipelines import work
    from hippograph.pipelines import write as writes

    store = SQLiteStore(store_path)
    models = work.Models(TrigramEmbedder(), NoExtractor())
    targets = {"store": store, "work": work, "write": writes}
    if spec:
        point = KillPoint.parse(spec)
        owner, method = point.target.split(".")
        _arm(targets[owner], method, point)
    docs = corpus(version)
    driver.ingest(docs, store, Settings(ingest_group_size=3), driver.in_process(models))
    # Sync: documents of the corpus folder that this version no longer has.
    keep = {d.source for d in docs}
    for info in store.documents():
        if info.source.startswith("/kill9/") and info.source not in keep:
            store.delete_document(info.id)
    store.close()


def run_child(store: Path, version: str = "v1", point: KillPoint | None = None, timeout: float = 300) -> int:
    """Run one ingestion step in a child process; its exit code (-9 when it killed itself)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]))
    args = [sys.executable, str(Path(__file__).resolve()), str(store), version] + ([point.spec()] if point else [])
    done = subprocess.run(args, env=env, capture_output=True, timeout=timeout)
    if done.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"child ingestion failed ({done.returncode}): {done.stderr.decode()[-3000:]}")
    return done.returncode


def snapshot(store_path: Path) -> dict[str, list[tuple]]:
    """Every stored row of every table (volatile timestamp columns dropped, vectors as digests),
    sorted: two stores are equal when their snapshots are."""
    db = sqlite3.connect(store_path)
    try:
        out = {}
        for table in TABLES:
            cursor = db.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cursor.description]
            keep = [i for i, n in enumerate(names) if n not in VOLATILE.get(table, set())]
            rows = []
            for row in cursor.fetchall():
                rows.append(
                    tuple(hashlib.sha1(row[i]).hexdigest() if isinstance(row[i], bytes) else row[i] for i in keep)
                )
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        db.close()


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
