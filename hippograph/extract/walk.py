"""Which files of a folder are documents: hidden and VCS folders, editor state and the store's own
files are skipped, plus whatever ``--exclude`` globs name."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

# Folders that hold tool state, never notes (hidden ones such as .git or .obsidian go anyway).
SKIPPED_FOLDERS = frozenset({"CVS", "_darcs", "__pycache__", "node_modules", "_build", "venv"})
# SQLite files and their journals (a store kept inside the notes folder must not ingest itself).
STORE_SUFFIXES = (
    ".db",
    ".db-wal",
    ".db-shm",
    ".db-journal",
    ".sqlite",
    ".sqlite-wal",
    ".sqlite-shm",
    ".sqlite3",
    ".sqlite3-wal",
    ".sqlite3-shm",
)
# A SQLite file and its journals, whatever its name, and the recall side file (graph/strength.py).
SIDECARS = tuple(f"{base}{journal}" for base in ("", ".recalls") for journal in ("", "-wal", "-shm", "-journal"))


def store_files(store_path: str | None) -> list[Path]:
    """The files of a SQLite store at ``store_path`` (absolute), to skip wherever it lives."""
    if not store_path or store_path == ":memory:":
        return []
    try:
        base = Path(store_path).resolve()
    except (OSError, ValueError, RuntimeError):
        return []
    return [base.with_name(base.name + suffix) for suffix in SIDECARS]


def skipped_name(name: str) -> bool:
    """A file or folder name skipped by default: hidden, VCS/tool state, or a store file."""
    return name.startswith(".") or name in SKIPPED_FOLDERS or name.endswith(STORE_SUFFIXES) or name.endswith("~")


def excluded(relative: str, patterns: Sequence[str]) -> bool:
    """``relative`` (a POSIX path below the walked folder) matches a pattern as a whole or by one
    of its names: ``drafts`` skips every folder named drafts, ``*.tmp`` every such file,
    ``archive/2019/*`` that folder's contents."""
    names = relative.split("/")
    return any(fnmatch.fnmatchcase(relative, p) or any(fnmatch.fnmatchcase(n, p) for n in names) for p in patterns)


def walk_files(
    root: Path, exclude: Sequence[str] = (), skip: Sequence[Path] = (), errors: list[tuple[str, str]] | None = None
) -> Iterator[Path]:
    """The document files below ``root`` in sorted order, pruning skipped folders without entering
    them. Folders that cannot be listed are appended to ``errors`` as (path, reason)."""
    skip_set = {str(s) for s in skip}

    def on_error(exc: OSError) -> None:
        if errors is not None:
            errors.append((str(exc.filename or root), exc.strerror or str(exc)))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        base = Path(folder)
        prefix = "" if base == root else base.relative_to(root).as_posix() + "/"

        def rel(name: str, prefix: str = prefix) -> str:
            return prefix + name

        dirs[:] = sorted(d for d in dirs if not skipped_name(d) and not excluded(rel(d), exclude))
        for name in sorted(files):
            path = base / name
            if skipped_name(name) or excluded(rel(name), exclude) or str(path) in skip_set:
                continue
            if path.is_file():  # not a FIFO, socket or dangling link
                yield path
