"""Documents whose source file is gone (for the opt-in sync/delete step)."""

from __future__ import annotations

from pathlib import Path

from ..extract.source import key_path
from ..graph.store import GraphStore
from ..records import DocumentInfo


def source_path(source: str) -> str:
    """The file part of a document source ('corpus.json#Title' -> 'corpus.json')."""
    return key_path(source)


def stale_documents(store: GraphStore, roots: list[str]) -> list[DocumentInfo]:
    """Stored documents read from a file under ``roots`` that no longer exists."""
    folders = [Path(r).resolve() for r in roots if r != "-" and Path(r).is_dir()]
    files = {Path(r).resolve() for r in roots if r != "-" and not Path(r).is_dir()}
    stale = []
    for doc in store.documents():
        path_text = source_path(doc.source)
        if path_text.startswith("<"):
            continue  # stdin or in-memory sources have no file to check
        path = Path(path_text).resolve()
        inside = path in files or any(path.is_relative_to(folder) for folder in folders)
        if inside and not path.exists():
            stale.append(doc)
    return stale


def delete_stale(store: GraphStore, roots: list[str]) -> list[str]:
    """Delete documents whose source file disappeared; returns their ids."""
    deleted = []
    for doc in stale_documents(store, roots):
        if store.delete_document(doc.id):
            deleted.append(doc.id)
    return deleted


def _file_is_gone(source: str) -> bool:
    path_text = source_path(source)
    if path_text.startswith("<"):
        return False
    try:
        return not Path(path_text).exists()
    except (OSError, ValueError):
        return False


def renamed_documents(store: GraphStore, added: list[str]) -> list[tuple[DocumentInfo, DocumentInfo]]:
    """(old, new) pairs among just-added documents: a stored document with the same content hash
    (text and extraction settings) whose source file no longer exists is the same document moved."""
    if not added:
        return []
    docs = store.documents()
    new_ids = set(added)
    gone: dict[str, list[DocumentInfo]] = {}
    for doc in docs:
        if doc.id not in new_ids and _file_is_gone(doc.source):
            gone.setdefault(doc.content_hash, []).append(doc)
    if not gone:
        return []
    return [(old, new) for new in docs if new.id in new_ids for old in gone.get(new.content_hash, [])]
