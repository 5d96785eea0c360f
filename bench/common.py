"""Shared helpers of the benchmark scripts: dataset location, cached stores, result files."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CACHE = ROOT / ".cache"
sys.path.insert(0, str(ROOT.parent))

from hippograph.config import data_dir  # noqa: E402


def dataset(name: str, folder: str | None = None) -> Path:
    base = folder or data_dir()
    if not base or not (Path(base) / name).exists():
        raise SystemExit(f"dataset {name} not found: set HIPPOGRAPH_DATA or pass --data to the shared/datasets folder")
    return Path(base) / name


def write_results(name: str, payload: dict, table: str) -> None:
    """bench/results/NAME.json and NAME.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "machine": f"{os.cpu_count()} CPU cores", **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(table.rstrip() + "\n")
    print(table)


def markdown_table(headers: list[str], rows: list[list]) -> str:
    def cell(v):
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def ingest_key(files: list[Path], settings_parts: list) -> str:
    """Hash of the data files and of every ingest setting that changes what is stored."""
    import hashlib

    digest = hashlib.sha256()
    for file in files:
        digest.update(Path(file).read_bytes())
    digest.update(json.dumps(settings_parts).encode())
    return digest.hexdigest()[:12]


def cached_memory(name: str, key: str, build, log=print):
    """A store under bench/.cache named by ``name`` and ``key``, built once by ``build(memory)``.

    Returns (memory, ingest seconds, cached). A ``.done`` marker records a finished build;
    ingestion is idempotent per document, so an interrupted build resumes where it stopped.
    """
    from hippograph import Memory, Settings

    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"{name}-{key}.db"
    done = db.with_suffix(".done")
    memory = Memory(Settings.from_env(store=f"sqlite:///{db}"))
    if done.exists():
        return memory, float(json.loads(done.read_text())["ingest_seconds"]), True
    start = time.perf_counter()
    build(memory)
    took = time.perf_counter() - start
    done.write_text(json.dumps({"ingest_seconds": took}))
    log(f"[{name}] ingested in {took:.0f}s")
    return memory, took, False
