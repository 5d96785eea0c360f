"""A served schedule fires and ingests a file dropped into a watched folder.

Starts `prefect server start` on loopback, serves `hippograph flows serve FOLDER --interval N`
against it, drops a new note into the folder and waits until it is in the store.
Writes the timeline to bench/results/schedule_demo.{json,md}.

    python bench/schedule_demo.py [--interval 15] [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import markdown_table, write_results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(1)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def documents(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hippograph-schedule-"))
    folder, db = tmp / "inbox", tmp / "memory.db"
    folder.mkdir()
    (folder / "first.md").write_text("# First\n\nAda Lovelace wrote the first published algorithm.\n")
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    timeline = []
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=open(tmp / "server.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    serve = None
    try:

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        timeline.append(["prefect server healthy", f"{wait_for(healthy, 120, 'the Prefect server'):.1f}"])
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hippograph.cli",
                "--store",
                f"sqlite:///{db}",
                "flows",
                "serve",
                str(folder),
                "--interval",
                str(args.interval),
                "--name",
                "inbox",
            ],
            env=env,
            stdout=open(tmp / "serve.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        timeline.append(
            [
                "first scheduled run ingested first.md",
                f"{wait_for(lambda: documents(db) >= 1, args.timeout, 'the first run'):.1f}",
            ]
        )
        (folder / "second.md").write_text("# Second\n\nGrace Hopper built the first compiler.\n")
        timeline.append(
            [
                "a later scheduled run ingested the dropped second.md",
                f"{wait_for(lambda: documents(db) >= 2, args.timeout, 'the dropped file'):.1f}",
            ]
        )
    finally:
        for proc in (serve, server):
            if proc and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    table = (
        f"## Scheduled ingestion: `hippograph flows serve inbox/ --interval {args.interval}` against "
        f"`prefect server start`\n\n"
        + markdown_table(["event", "seconds after the previous step"], timeline)
        + f"\n\nDocuments in the store at the end: {documents(db)}."
    )
    write_results(
        "schedule_demo", {"interval_seconds": args.interval, "timeline": timeline, "documents": documents(db)}, table
    )


if __name__ == "__main__":
    main()
