"""Input readers: text, markdown, JSONL, corpus JSON, HippoRAG OpenIE JSON, LoCoMo, BEAM, folders, stdin.

Every reader yields ``SourceDocument`` records or ``Problem`` records; a bad file or record
never stops the rest of the batch.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from .base import Extraction, clean_triple
from .conversations import read_chat_jsonl, read_locomo
from .source import Problem, SourceDocument, Turn

FORMATS = ("auto", "text", "markdown", "jsonl", "corpus", "openie", "locomo", "beam")
_TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".jsonl": "jsonl",
                  ".json": "json"}


def read_sources(sources: list[str], fmt: str = "auto") -> Iterator[SourceDocument | Problem]:
    """Read files, folders (recursively), glob patterns (``notes/**/*.md``) and ``-`` (stdin)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    for source in sources:
        if source == "-":
            yield from _read_text_blob("<stdin>", sys.stdin.buffer.read(), "text" if fmt == "auto" else fmt)
            continue
        path = Path(source)
        if fmt == "beam":  # a BEAM chat folder (or its chat.json), never a glob over folders
            from .beam import read_beam_chat

            yield from read_beam_chat(path.parent if path.name == "chat.json" else path)
            continue
        if not path.exists() and any(c in source for c in "*?["):
            matches = sorted(Path(p) for p in glob.glob(source, recursive=True) if Path(p).is_file())
            if not matches:
                yield Problem(source, "glob pattern matched no files")
            for file in matches:
                yield from _read_file(file, fmt)
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not files:
                yield Problem(source, "folder holds no files")
            for file in files:
                yield from _read_file(file, fmt)
        elif path.is_file():
            yield from _read_file(path, fmt)
        else:
            yield Problem(source, "no such file or folder")


def _read_file(path: Path, fmt: str) -> Iterator[SourceDocument | Problem]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    if fmt == "auto":
        fmt = _TEXT_SUFFIXES.get(path.suffix.lower(), "text")
    # The absolute path is the document's identity: `notes/a.md` and `/home/me/notes/a.md`
    # are the same document, whichever way it was named on the command line.
    yield from _read_text_blob(str(path.resolve()), data, fmt)


def _decode(source: str, data: bytes) -> str | Problem:
    if b"\x00" in data[:8192]:
        return Problem(source, "binary file (contains NUL bytes): pass text, markdown, JSON or JSONL")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(source, f"not valid UTF-8 (byte {exc.start}): convert the file to UTF-8")
    if not text.strip():
        return Problem(source, "empty file: nothing to ingest")
    return text


def _read_text_blob(source: str, data: bytes, fmt: str) -> Iterator[SourceDocument | Problem]:
    text = _decode(source, data)
    if isinstance(text, Problem):
        yield text
        return
    if fmt in ("text", "markdown"):
        yield SourceDocument(source, _title(source, text, fmt), text, fmt)
        return
    if fmt == "jsonl":
        yield from _read_jsonl(source, text)
        return
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Problem(source, f"invalid JSON (line {exc.lineno}): {exc.msg}")
        return
    if fmt == "json":
        fmt = _detect_json(payload)
        if fmt is None:
            yield Problem(source, "JSON of unknown shape: expected a corpus list of {title, text}, "
                          "HippoRAG OpenIE {docs: [...]}, or LoCoMo conversations; pass --format")
            return
    reader = {"corpus": _read_corpus, "openie": _read_openie, "locomo": read_locomo}.get(fmt)
    if reader is None:
        yield Problem(source, f"format {fmt!r} does not apply to a JSON file")
        return
    yield from reader(source, payload)


def _detect_json(payload: object) -> str | None:
    if isinstance(payload, dict) and isinstance(payload.get("docs"), list):
        return "openie"
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        if "conversation" in payload[0]:
            return "locomo"
        if "text" in payload[0]:
            return "corpus"
    return None


def _title(source: str, text: str, fmt: str) -> str:
    if fmt == "markdown":
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return Path(source).stem if not source.startswith("<") else source


def _record_key(source: str, title: str, seen: dict[str, int]) -> str:
    """'path#title', made unique within one collection by an occurrence suffix."""
    n = seen.get(title, 0)
    seen[title] = n + 1
    return f"{source}#{title}" + (f"~{n}" if n else "")


def _read_corpus(source: str, payload: object) -> Iterator[SourceDocument | Problem]:
    if not isinstance(payload, list):
        yield Problem(source, "corpus format expects a JSON list of {title, text} objects")
        return
    seen: dict[str, int] = {}
    for i, record in enumerate(payload):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            yield Problem(f"{source}[{i}]", "corpus record needs a non-empty string 'text' (and optional 'title')")
            continue
        title = str(record.get("title") or "").strip()
        passage = f"{title}\n{record['text']}" if title else record["text"]
        yield SourceDocument(_record_key(source, title or str(i), seen), title, passage, "corpus", passages=[passage])


def _read_openie(source: str, payload: object) -> Iterator[SourceDocument | Problem]:
    docs = payload.get("docs") if isinstance(payload, dict) else None
    if not isinstance(docs, list):
        yield Problem(source, 'openie format expects HippoRAG OpenIE JSON: {"docs": [{title, text, '
                              'extracted_triples}]}')
        return
    seen: dict[str, int] = {}
    for i, record in enumerate(docs):
        if not isinstance(record, dict):
            yield Problem(f"{source}[{i}]", "openie record is not an object")
            continue
        title = str(record.get("title") or "").strip()
        body = record.get("text")
        text = record.get("passage") or (f"{title}\n{body}" if title and body else body)
        if not isinstance(text, str) or not text.strip():
            yield Problem(f"{source}[{i}]", "openie record needs 'passage' or 'text'")
            continue
        raw_triples = record.get("extracted_triples") or []
        if not isinstance(raw_triples, list):
            raw_triples = [raw_triples]
        triples = [t for t in (clean_triple(r) for r in raw_triples) if t is not None]
        skipped = len(raw_triples) - len(triples)
        entities = [(str(e).strip(), "") for e in record.get("extracted_entities") or [] if str(e).strip()]
        extraction = Extraction(entities=entities, triples=triples, skipped_triples=skipped)
        yield SourceDocument(_record_key(source, title or str(i), seen), title, text, "openie",
                             passages=[text], extractions=[extraction])


def _read_jsonl(source: str, text: str) -> Iterator[SourceDocument | Problem]:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    records = []
    for n, line in lines:
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            yield Problem(f"{source}:{n}", f"invalid JSON line: {exc.msg}")
    if records and all(isinstance(r, dict) and "speaker" in r for _, r in records[:5]):
        yield from read_chat_jsonl(source, records)
        return
    seen: dict[str, int] = {}
    for n, record in records:
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            yield Problem(f"{source}:{n}", "JSONL record needs a non-empty string 'text' "
                          "(documents: {title, text}; chat turns: {speaker, text, timestamp, conversation_id})")
            continue
        title = str(record.get("title") or record.get("id") or n)
        key = str(record["id"]) if record.get("id") is not None else title
        yield SourceDocument(_record_key(source, key, seen), title, record["text"], "jsonl")
