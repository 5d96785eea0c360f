"""Kill -9 harness: run an ingestion in a child process, SIGKILL it at a chosen or a random point,
re-run it, and compare the store with one an uninterrupted run built.

Reusable for any stage: a ``KillPoint`` names a method of the child's store or pipeline (e.g.
``store.write_document``, ``store.add_synonyms``, ``pipeline.build``) and which call to die at,
before or after the call. The child kills itself with SIGKILL there (nothing is flushed or cleaned
up, as with a real ``kill -9``); ``kill_after`` instead has the parent SIGKILL it after a delay.

Run as a script it is the child: ``python tests/killharness.py STORE [OBJECT.METHOD:CALL:WHEN]``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


class TrigramEmbedder:
    """A deterministic, model-free embedder: hashed character trigrams, L2-normalized. Names that
    share most trigrams ("river thames" / "the river thames") reach the synonym threshold."""

    name = "trigram-test"
    dim = 128

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[i : i + 3].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def corpus(documents: int = 12, seed: int = 7):
    """Documents with precomputed extractions over entities that come in near-duplicate variants."""
    from hippograph.extract.base import Extraction
    from hippograph.extract.source import SourceDocument

    rng = np.random.default_rng(seed)
    stems = [
        "river thames",
        "mount everest",
        "barack obama",
        "new york city",
        "marie curie",
        "isaac newton",
        "red cross",
        "amazon river",
        "great wall",
        "eiffel tower",
    ]
    variants = [v for s in stems for v in (s, f"the {s}", f"{s}s", s.split()[-1])]
    docs = []
    for d in range(documents):
        passages, extractions = [], []
        for p in range(3):
            names = [str(n) for n in rng.choice(variants, 3, replace=False)]
            passages.append(f"Document {d} passage {p} mentions {', '.join(names)}.")
            extractions.append(
                Extraction(
                    entities=[(n, "") for n in names],
                    triples=[(names[0], "relates to", names[1]), (names[1], "near", names[2])],
                )
            )
        docs.append(
            SourceDocument(
                source=f"/corpus/doc{d}.txt",
                title=f"doc {d}",
                text="\n\n".join(passages),
                format="openie",
                passages=passages,
                extractions=extractions,
            )
        )
    return docs


@dataclass(frozen=True)
class KillPoint:
    target: str  # "store.<method>" or "pipeline.<method>"
    call: int  # die at this call (1-based)
    when: str = "before"  # "before" or "after" the call

    def spec(self) -> str:
        return f"{self.target}:{self.call}:{self.when}"

    @classmethod
    def parse(cls, spec: str) -> KillPoint:
        target, call, when = spec.split(":")
        return cls(target, int(call), when)


def _arm(obj: object, method: str, point: KillPoint) -> None:
    original = getattr(obj, method)
    calls = [0]

    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == point.call and point.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls[0] == point.call and point.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(obj, method, wrapped)


def child(store_path: str, spec: str | None) -> None:
    from hippograph.config import Settings
    from hippograph.extract.base import NoExtractor
    from hippograph.graph.sqlite_store import SQLiteStore
    from hippograph.pipelines import ingest as driver
    from hippograph.pipelines.work import Models

    store = SQLiteStore(store_path)
    if spec:
        point = KillPoint.parse(spec)
        owner, method = point.target.split(".")
        _arm(store if owner == "store" else driver, method, point)
    report = driver.ingest(
        corpus(), store, Settings(ingest_group_size=2), driver.in_process(Models(TrigramEmbedder(), NoExtractor()))
    )
    store.close()
    print(f"done added={len(report.added)} synonyms={report.synonyms_added}")


def run_child(
    store: Path, point: KillPoint | None = None, kill_after: float | None = None, timeout: float = 300
) -> int:
    """Run the child ingestion; returns its exit code (-9 when killed)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), str(HERE), os.environ.get("PYTHONPATH", "")]))
    args = [sys.executable, str(Path(__file__).resolve()), str(store)] + ([point.spec()] if point else [])
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"child ingestion failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode


def snapshot(store_path: Path) -> dict:
    """What must match an uninterrupted run: SYNONYM edges, node and edge counts, pending marks."""
    from hippograph.graph.sqlite_store import SQLiteStore

    with SQLiteStore(store_path) as store:
        return {
            "synonyms": [(e.source, e.target, e.score) for e in store.synonym_edges()],
            "stats": store.stats().as_dict(),
            "pending": store.pending_synonym_entities(),
        }


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
