"""A full disk, a read-only store and a locked store: each a message naming the store and the
fix, never a traceback, and nothing stored is lost or left half-written."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippograph.cli import app


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _notes(folder: Path, count: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        body = " ".join(f"Note {i} sentence {j} about the city of Lyon and its bridges." for j in range(40))
        (folder / f"note{i:02d}.txt").write_text(body)
    return folder


def _table_counts(path: Path) -> dict:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_doc = dict(
            db.execute(
                "SELECT d.source, COUNT(p.id) FROM documents d LEFT JOIN passages p "
                "ON p.document_id = d.id GROUP BY d.id"
            ).fetchall()
        )
        return {"documents": per_doc, "passages": db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]}
    finally:
        db.close()


def test_full_disk_refuses_documents_one_by_one_and_a_rerun_completes(tmp_path, embedder):
    notes = _notes(tmp_path / "notes", 24)
    store_path = tmp_path / "full.db"
    store = f"sqlite:///{store_path}"
    assert _invoke("ingest", str(notes / "note00.txt"), "--store", store, "--extractor", "none").exit_code == 0
    used = max(os.path.getsize(p) for p in tmp_path.glob("full.db*"))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (used + 48 * 1024, hard))
    try:
        full = _invoke("ingest", str(notes), "--store", store, "--extractor", "none", "--json")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert full.exit_code == 1, full.output
    summary = json.loads(full.stdout)
    assert summary["failed"] > 0 and "Traceback" not in full.output
    assert all(
        "note" in p["source"] and ("full" in p["reason"] or "I/O" in p["reason"]) for p in summary["problems"]
    ), summary["problems"]
    landed = _table_counts(store_path)
    # All or nothing per document: every stored document has all of its passages.
    clean = tmp_path / "clean.db"
    assert _invoke("ingest", str(notes), "--store", f"sqlite:///{clean}", "--extractor", "none").exit_code == 0
    expected = _table_counts(clean)["documents"]
    assert all(expected[source] == n for source, n in landed["documents"].items())
    rerun = _invoke("ingest", str(notes), "--store", store, "--extractor", "none", "--json")
    assert rerun.exit_code == 0 and json.loads(rerun.stdout)["added"] == summary["failed"]
    assert _table_counts(store_path)["documents"] == expected
    assert json.loads(_invoke("stats", "--json", "--store", store).stdout) == json.loads(
        _invoke("stats", "--json", "--store", f"sqlite:///{clean}").stdout
    )


def _make_unwritable(paths: list[Path]) -> bool:
    """Make files and folders unwritable even for root when possible (chattr +i); False if not."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        return done.returncode == 0
    for p in paths:
        p.chmod(0o555 if p.is_dir() else 0o444)
    return True


def _restore(paths: list[Path]) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
    for p in paths:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_read_only_store_is_refused_with_the_fix_and_left_intact(tmp_path, embedder):
    folder = tmp_path / "store"
    folder.mkdir()
    store_path = folder / "ro.db"
    store = f"sqlite:///{store_path}"
    note = _notes(tmp_path / "notes", 1)
    assert _invoke("ingest", str(note), "--store", store, "--extractor", "none").exit_code == 0
    before = _table_counts(store_path)
    paths = [*folder.iterdir(), folder]
    if not _make_unwritable(paths):
        pytest.skip("cannot make a file unwritable here (chattr unavailable)")
    try:
        result = _invoke("ingest", str(_notes(tmp_path / "more", 2, start=5)), "--store", store, "--extractor", "none")
    finally:
        _restore(paths)
    assert result.exit_code == 3, result.output
    assert "read-only" in result.output and str(store_path) in result.output.replace("\n", "")
    assert "Traceback" not in result.output
    assert _table_counts(store_path) == before


def test_locked_store_is_unavailable_not_a_crash(tmp_path, embedder, monkeypatch):
    from hippograph.graph import sqlite_schema

    store_path = tmp_path / "locked.db"
    store = f"sqlite:///{store_path}"
    note = _notes(tmp_path / "notes", 1)
    assert _invoke("ingest", str(note), "--store", store, "--extractor", "none").exit_code == 0
    before = _table_counts(store_path)
    original = sqlite_schema.Connection.__init__
    monkeypatch.setattr(
        sqlite_schema.Connection, "__init__", lambda self, path, timeout=0.3: original(self, path, timeout)
    )
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than we wait
    try:
        for args in (["stats"], ["ingest", str(_notes(tmp_path / "more", 1, start=3))], ["delete", "x"]):
            result = _invoke(*args, "--store", store)
            assert result.exit_code == 3, (args, result.output)
            assert "locked" in result.output and "Traceback" not in result.output
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _table_counts(store_path) == before
