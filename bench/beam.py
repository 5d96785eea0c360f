"""BEAM work chats: the named chat folders, their probing questions, and cached per-chat stores.

The BEAM repository carries no licence, so its data is read from a folder the user names
(``--beam``, default ``$BEAM_DATA`` or /work/data/beam) and never committed. Chats are named
explicitly, never globbed: tuning on 100K/11-15, reporting 100K/16-20 and 500K/1-35 untouched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from common import CACHE, cached_memory, ingest_key

from hippograph import Settings
from hippograph.extract.beam import beam_chat_name, read_beam_chat

TUNE = [f"100K/{n}" for n in range(11, 16)]
HELD_100K = [f"100K/{n}" for n in range(16, 21)]
HELD_500K = [f"500K/{n}" for n in range(1, 36)]
SPLITS = {"tune": TUNE, "held-100K": HELD_100K, "held-500K": HELD_500K}
DEFAULT_FOLDER = os.environ.get("BEAM_DATA", "/work/data/beam")
# Store contents depend on these and on the data only; retrieval settings never enter the key.
INGEST_VERSION = "beam-reader-1"


def chat_folder(base: str | Path, chat: str) -> Path:
    """``base/chats/100K/11`` (``base`` may also be the ``chats`` folder itself)."""
    base = Path(base)
    root = base if base.name == "chats" else base / "chats"
    return root / chat


def evidence_ids(sources: object) -> list[int]:
    """``source_chat_ids`` as a flat list: a list, or a dict of lists (their union)."""
    if isinstance(sources, dict):
        return sorted({i for v in sources.values() if isinstance(v, list) for i in v if isinstance(i, int)})
    if isinstance(sources, list):
        return sorted({i for i in sources if isinstance(i, int)})
    return []


def read_questions(folder: Path) -> list[dict]:
    """Probing questions with evidence, abstention left out; ids are ``<chat>/<message id>``."""
    chat = beam_chat_name(folder)
    payload = json.loads((folder / "probing_questions" / "probing_questions.json").read_text(encoding="utf-8"))
    out = []
    for kind, items in payload.items():
        if kind == "abstention":
            continue
        for n, item in enumerate(items):
            sources = item.get("source_chat_ids")
            gold = evidence_ids(sources)
            if not gold:
                continue
            entry = {
                "id": f"{chat}/{kind}/{n}",
                "chat": chat,
                "kind": kind,
                "question": item["question"],
                "gold": {f"{chat}/{i}" for i in gold},
            }
            if kind == "knowledge_update" and isinstance(sources, dict):
                entry["original"] = {f"{chat}/{i}" for i in sources.get("original_info") or []}
                entry["updated"] = {f"{chat}/{i}" for i in sources.get("updated_info") or []}
            out.append(entry)
    return out


def chat_key(folder: Path, extractor: str = "spacy") -> str:
    base = Settings.from_env()
    return ingest_key(
        [folder / "chat.json"],
        [INGEST_VERSION, extractor, base.embedder, base.chunk_size, base.chunk_overlap, base.synonym_threshold],
    )


def chat_built(folder: Path, extractor: str = "spacy") -> bool:
    """Whether the chat's store is already in the cache (fully built)."""
    name = "beam-" + beam_chat_name(folder).replace("/", "-")
    return (CACHE / f"{name}-{chat_key(folder, extractor)}.done").exists()


def chat_store(folder: Path, extractor: str = "spacy", log=print):
    """The cached store of one chat (built on first use): (memory, ingest seconds, was cached)."""
    base = Settings.from_env()
    key = chat_key(folder, extractor)

    def build(memory):
        memory.ingest_documents(list(read_beam_chat(folder, base.chunk_size, base.chunk_overlap)), extractor=extractor)

    return cached_memory("beam-" + beam_chat_name(folder).replace("/", "-"), key, build, log)


def main() -> None:
    """Build the stores of the named splits ahead of evaluation (for a background job)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--beam", default=DEFAULT_FOLDER)
    parser.add_argument("--split", action="append", choices=list(SPLITS))
    parser.add_argument("--chat", action="append", help="chats by name (e.g. 100K/16), in this order")
    args = parser.parse_args()
    chats = args.chat or [c for split in args.split or list(SPLITS) for c in SPLITS[split]]
    for chat in chats:
        folder = chat_folder(args.beam, chat)
        if not (folder / "chat.json").exists():
            print(f"[beam {chat}] absent: skipped", flush=True)
            continue
        if not claim(chat):
            print(f"[beam {chat}] being built by another process: skipped", flush=True)
            continue
        try:
            memory, _, _ = chat_store(folder, log=lambda m: print(m, flush=True))
            memory.close()
        finally:
            (CACHE / f"beam-{chat.replace('/', '-')}.building").unlink(missing_ok=True)


def claim(chat: str) -> bool:
    """Let several background builders share the chat list: one builds each chat."""
    CACHE.mkdir(parents=True, exist_ok=True)
    lock = CACHE / f"beam-{chat.replace('/', '-')}.building"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            os.kill(int(lock.read_text() or 0), 0)
            return False
        except (ProcessLookupError, ValueError):
            lock.unlink(missing_ok=True)  # its builder died: take it over
            return claim(chat)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


if __name__ == "__main__":
    main()
