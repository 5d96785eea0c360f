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
