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

from hippograph.config import data_dir


def dataset(name: str, folder: str | None = None) -> Path:
    base = folder or data_dir()
    if not base or not (Path(base) / name).exists():
        raise SystemExit(f"dataset {name} not found: set HIPPOGRAPH_DATA or pass --data to the shared/datasets folder")
    return Path(base) / name


STAMPED_PACKAGES = (
    "numpy",
    "scipy",
    "torch",
    "sentence-transformers",
    "spacy",
    "neo4j",
    "prefect",
    "hnswlib",
    "usearch",
    "igraph",
    "fastapi",
)


def run_stamp() -> dict:
    """What tells two results apart: commit, date, Python and key library versions, the machine
    and how busy it was (1-minute load average per core; under 0.5 counts as idle)."""
    import platform
    import subprocess
    from importlib import metadata

    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain", "--", "../hippograph"], capture_output=True, text=True
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    versions = {"python": platform.python_version()}
    for package in STAMPED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return {
        "commit": commit + ("+dirty" if dirty else ""),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": versions,
        "machine": {
            "cpus": cpus,
            "platform": platform.platform(),
            "load_per_cpu": round(load / cpus, 2),
            "idle": load / cpus < 0.5,
        },
    }


def write_results(name: str, payload: dict, table: str) -> None:
    """bench/results/NAME.json and NAME.md, both stamped (``run_stamp``)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run_stamp()
    payload = {"benchmark": name, "written_at": stamp["date"], **stamp, **payload}
    machine = stamp["machine"]
    footer = (
        f"\n\n_commit {stamp['commit']}, {stamp['date']}, Python {stamp['versions']['python']}, "
        f"{machine['cpus']} CPUs, load {machine['load_per_cpu']}/CPU "
        f"({'idle' if machine['idle'] else 'busy'})_"
    )
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(table.rstrip() + footer + "\n")
    print(table + footer)


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


def cached_memory(name: str, key: str, build, log=print, embedder: str | None = None):
    """A store under bench/.cache named by ``name`` and ``key``, built once by ``build(memory)``.

    Returns (memory, ingest seconds, cached). A ``.done`` marker records a finished build;
    ingestion is idempotent per document, so an interrupted build resumes where it stopped.
    """
    from hippograph import Memory, Settings

    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"{name}-{key}.db"
    done = db.with_suffix(".done")
    memory = Memory(Settings.from_env(store=f"sqlite:///{db}", embedder=embedder))
    if done.exists():
        return memory, float(json.loads(done.read_text())["ingest_seconds"]), True
    start = time.perf_counter()
    build(memory)
    took = time.perf_counter() - start
    done.write_text(json.dumps({"ingest_seconds": took}))
    log(f"[{name}] ingested in {took:.0f}s")
    return memory, took, False
