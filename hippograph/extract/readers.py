"""Input readers: text, markdown, JSONL, corpus JSON, HippoRAG OpenIE JSON, LoCoMo, BEAM, folders, stdin.

Every reader yields ``SourceDocument`` records or ``Problem`` records; a bad file or record
never stops the rest of the batch.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from ..errors import ConfigError
from .base import Extraction, clean_triple, scalar_text
from .conversations import read_chat_jsonl, read_locomo
from .markdown import (
    DEFAULT_DATE_KEYS,
    FrontMatterError,
    document_dates,
    front_matter_metadata,
    markdown_sections,
    markdown_title,
    split_front_matter,
)
from .source import Problem, SourceDocument, file_key, stdin_key, unique_key
from .validate import checked, read_guarded
from .walk import store_files, walk_files

MAX_FILE_BYTES = 256 * 1024 * 1024  # larger inputs are refused before they are read: split them

FORMATS = ("auto", "text", "markdown", "jsonl", "corpus", "openie", "locomo", "beam")
_TEXT_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".jsonl": "jsonl",
    ".json": "json",
}


@dataclass(frozen=True)
class ReadOptions:
    """How readers date documents: front-matter keys, an explicit date, or the file time."""

    date_keys: tuple[str, ...] = DEFAULT_DATE_KEYS  # front matter keys of the document date, first wins
    date: str | None = None  # explicit date of every document read (``--date``); wins over front matter
    file_dates: bool = False  # opt-in: undated files take their modification time


def _dated(doc: SourceDocument, options: ReadOptions) -> SourceDocument:
    """Apply the configured front matter keys, the explicit date, or the opt-in file time."""
    if doc.turns is not None:
        return doc  # turns carry their own times
    front = doc.metadata.get("front_matter")
    if isinstance(front, dict) and tuple(options.date_keys) != DEFAULT_DATE_KEYS:
        doc.metadata.pop("date", None)
        doc.metadata.update(document_dates(front, tuple(options.date_keys)))
    if options.date:
        doc.metadata["date"] = options.date
        doc.metadata["date_source"] = "explicit"
    elif "date" not in doc.metadata and options.file_dates and Path(doc.source).is_file():
        mtime = Path(doc.source).stat().st_mtime
        doc.metadata["date"] = datetime.fromtimestamp(mtime, tz=timezone.utc).isoformat()
        doc.metadata["date_source"] = "file modification time"
    return doc


def read_text(
    source: str, text: str, fmt: str = "auto", options: ReadOptions | None = None
) -> SourceDocument | Problem:
    """One text given directly (SDK, server, MCP) rather than read from a file, read as a file
    would be: markdown (``fmt="markdown"``, or ``"auto"`` with a ``.md``/``.markdown`` source)
    gets its front matter as metadata and dates and its headings as section titles; any other
    text is plain text. ``options`` date it (an explicit date wins over front matter)."""
    if fmt == "auto":
        suffix = Path(source.split("#", 1)[0]).suffix.lower()
        fmt = "markdown" if _TEXT_SUFFIXES.get(suffix) == "markdown" else "text"
    if fmt not in ("text", "markdown"):
        raise ConfigError(f"format {fmt!r} does not apply to a single text: use text or markdown")
    doc = (
        _read_markdown(source, text)
        if fmt == "markdown"
        else SourceDocument(source, _title(source, text, fmt), text, fmt)
    )
    return doc if isinstance(doc, Problem) else _dated(doc, options or ReadOptions())


def read_sources(
    sources: list[str],
    fmt: str = "auto",
    *,
    stdin_source: str | None = None,
    exclude: Sequence[str] = (),
    store_path: str | None = None,
    options: ReadOptions | None = None,
) -> Iterator[SourceDocument | Problem]:
    """Read files, folders (recursively), glob patterns (``notes/**/*.md``) and ``-`` (stdin).

    Folders skip hidden and VCS folders, the store's own files (``store_path`` and its journals)
    and ``exclude`` globs. Stdin is keyed ``stdin_source`` when given, else by its content, so
    two different texts piped in never replace each other. Nothing a source holds raises: every
    refused file or record is a ``Problem`` naming it, and the other documents still come."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    skip = store_files(store_path)
    options = options or ReadOptions()
    for source in sources:
        for item in checked(read_guarded(source, partial(_read_source, source, fmt, stdin_source, exclude, skip))):
            yield _dated(item, options) if isinstance(item, SourceDocument) else item


def _read_source(
    source: str, fmt: str, stdin_source: str | None, exclude: Sequence[str], skip: list[Path]
) -> Iterator[SourceDocument | Problem]:
    if source == "-":
        data = sys.stdin.buffer.read()
        yield from _read_text_blob(stdin_key(data, stdin_source), data, "text" if fmt == "auto" else fmt)
        return
    if not source.strip():
        yield Problem(repr(source), "empty source path: name a file, a folder, a glob pattern or - for stdin")
        return
    path = Path(source)
    if fmt == "beam":  # a BEAM chat folder (or its chat.json), never a glob over folders
        from .beam import read_beam_chat

        yield from read_beam_chat(path.parent if path.name == "chat.json" else path)
        return
    if not path.exists() and any(c in source for c in "*?["):
        matches = sorted(Path(p) for p in glob.glob(source, recursive=True) if Path(p).is_file())
        if not matches:
            yield Problem(source, "glob pattern matched no files")
        for file in matches:
            yield from read_guarded(str(file), partial(_read_file, file, fmt))
    elif path.is_dir():
        errors: list[tuple[str, str]] = []
        files = list(walk_files(path.resolve(), exclude, skip, errors))
        yield from (Problem(folder, f"cannot list folder: {reason}") for folder, reason in errors)
        if not files:
            yield Problem(
                source,
                "folder holds no files to ingest (hidden, VCS and store files, and --exclude matches, are skipped)",
            )
        for file in files:
            yield from read_guarded(str(file), partial(_read_file, file, fmt))
    elif path.is_file():
        yield from _read_file(path, fmt)
    elif path.exists():
        yield Problem(source, "not a regular file or folder (a device, socket or pipe): pass a file or folder")
    else:
        yield Problem(source, "no such file or folder")


def _read_file(path: Path, fmt: str) -> Iterator[SourceDocument | Problem]:
    # The absolute path is the document's identity: `notes/a.md` and `/home/me/notes/a.md`
    # are the same document, whichever way it was named on the command line.
    key = file_key(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Problem(
                key,
                f"file is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit: "
                "split it into smaller files",
            )
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(key, f"cannot read: {exc.strerror or exc}")
        return
    if fmt == "auto":
        fmt = _TEXT_SUFFIXES.get(path.suffix.lower(), "text")
    yield from _read_text_blob(key, data, fmt)


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _decode(source: str, data: bytes) -> str | Problem:
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return Problem(source, f"{name}-encoded text: convert the file to UTF-8 (e.g. iconv -f {name} -t UTF-8)")
    nul = data.find(b"\x00")
    if nul >= 0:
        return Problem(source, f"binary file (NUL byte at offset {nul}): pass text, markdown, JSON or JSONL")
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
    if fmt == "markdown":
        yield _read_markdown(source, text)
        return
    if fmt == "text":
        yield SourceDocument(source, _title(source, text, fmt), text, fmt)
        return
    if fmt == "jsonl":
        yield from _read_jsonl(source, text)
        return
    payload = _parse_json(text)
    if isinstance(payload, JSONProblem):
        yield Problem(source, payload.reason)
        return
    if fmt == "json":
        detected = _detect_json(payload)
        if detected is None:
            yield Problem(
                source,
                "JSON of unknown shape: expected a corpus list of {title, text}, "
                "HippoRAG OpenIE {docs: [...]}, or LoCoMo conversations; pass --format",
            )
            return
        fmt = detected
    reader = {"corpus": _read_corpus, "openie": _read_openie, "locomo": read_locomo}.get(fmt)
    if reader is None:
        yield Problem(source, f"format {fmt!r} does not apply to a JSON file")
        return
    found = False
    for item in reader(source, payload):
        found = True
        yield item
    if not found:
        yield Problem(source, f"no {fmt} documents in it (an empty list or no usable records): nothing to ingest")


class JSONProblem:
    """Why a JSON text could not be parsed (kept apart from a parsed value)."""

    def __init__(self, reason: str):
        self.reason = reason


def _parse_json(text: str) -> object:
    """The parsed value, or a ``JSONProblem`` for invalid, too deeply nested or oversized-number JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return JSONProblem(f"invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
    except RecursionError:
        return JSONProblem("JSON nested too deeply to read: flatten the structure")
    except ValueError as exc:  # e.g. an integer literal of more than 4,300 digits
        return JSONProblem(f"unreadable JSON value: {str(exc).split(';')[0]}; quote it as a string")


def _detect_json(payload: object) -> str | None:
    if isinstance(payload, dict) and isinstance(payload.get("docs"), list):
        return "openie"
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        if "conversation" in payload[0]:
            return "locomo"
        if "text" in payload[0]:
            return "corpus"
    return None


def _read_markdown(source: str, text: str) -> SourceDocument | Problem:
    """A note: front matter -> metadata and dates, headings -> section titles."""
    try:
        front, body = split_front_matter(text)
    except FrontMatterError as exc:
        return Problem(source, str(exc))
    stem = _title(source, "", "text")
    sections = markdown_sections(body, "")
    if not sections:
        return Problem(source, "markdown file has no text below its front matter: nothing to ingest")
    title = markdown_title(front, sections, stem)
    for section in sections:
        section.title = section.title or title
    return SourceDocument(
        source, title, body, "markdown", metadata=front_matter_metadata(front, DEFAULT_DATE_KEYS), sections=sections
    )


def _title(source: str, text: str, fmt: str) -> str:
    lines = text.split("\n")  # not splitlines(): U+2028 inside a line does not end it
    if fmt == "markdown":
        for line in lines:
            if line.startswith("# "):
                return line[2:].strip()
    if source.startswith("<"):  # stdin: its first line says more than "<stdin>"
        first = next((line.strip() for line in lines if line.strip()), source)
        return first if len(first) <= 80 else first[:79] + "…"
    return Path(source.split("#", 1)[0]).stem


def _record_key(source: str, title: str, seen: set[str]) -> str:
    """'path#title', made unique within one collection (see ``unique_key``)."""
    return unique_key(source, title, seen)


def _read_corpus(source: str, payload: object) -> Iterator[SourceDocument | Problem]:
    if not isinstance(payload, list):
        yield Problem(source, "corpus format expects a JSON list of {title, text} objects")
        return
    seen: set[str] = set()
    for i, record in enumerate(payload):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            yield Problem(f"{source}[{i}]", "corpus record needs a non-empty string 'text' (and optional 'title')")
            continue
        title = scalar_text(record.get("title"))
        if title is None:
            yield Problem(f"{source}[{i}]", "corpus record 'title' must be a string")
            continue
        passage = f"{title}\n{record['text']}" if title else record["text"]
        yield SourceDocument(_record_key(source, title or str(i), seen), title, passage, "corpus", passages=[passage])


def _read_openie(source: str, payload: object) -> Iterator[SourceDocument | Problem]:
    docs = payload.get("docs") if isinstance(payload, dict) else None
    if not isinstance(docs, list):
        yield Problem(
            source, 'openie format expects HippoRAG OpenIE JSON: {"docs": [{title, text, extracted_triples}]}'
        )
        return
    seen: set[str] = set()
    for i, record in enumerate(docs):
        if not isinstance(record, dict):
            yield Problem(f"{source}[{i}]", "openie record is not an object")
            continue
        title = scalar_text(record.get("title"))
        body = record.get("text")
        text = record.get("passage") or (f"{title}\n{body}" if title and isinstance(body, str) and body else body)
        if title is None or not isinstance(text, str) or not text.strip():
            yield Problem(
                f"{source}[{i}]", "openie record needs a string 'passage' or 'text' (and a string 'title', when given)"
            )
            continue
        raw_triples = record.get("extracted_triples") or []
        if not isinstance(raw_triples, list):
            raw_triples = [raw_triples]
        triples = [t for t in (clean_triple(r) for r in raw_triples) if t is not None]
        raw_entities = record.get("extracted_entities") or []
        if not isinstance(raw_entities, list):
            raw_entities = [raw_entities]
        names = [scalar_text(e) for e in raw_entities]
        entities = [(name, "") for name in names if name]
        # Malformed triples and entities (None, numbers' booleans, nested lists) are dropped and counted.
        skipped = len(raw_triples) - len(triples) + len(raw_entities) - len(entities)
        extraction = Extraction(entities=entities, triples=triples, skipped_triples=skipped)
        yield SourceDocument(
            _record_key(source, title or str(i), seen), title, text, "openie", passages=[text], extractions=[extraction]
        )


def _read_jsonl(source: str, text: str) -> Iterator[SourceDocument | Problem]:
    # Records end at "\n" only: U+2028/U+2029 are legal unescaped inside JSON strings.
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    records = []
    for n, line in lines:
        value = _parse_json(line)
        if isinstance(value, JSONProblem):
            yield Problem(f"{source}:{n}", value.reason.replace("line 1, column", "column"))
        else:
            records.append((n, value))
    if records and all(isinstance(r, dict) and "speaker" in r for _, r in records[:5]):
        yield from read_chat_jsonl(source, records)
        return
    seen: set[str] = set()
    for n, record in records:
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
            yield Problem(
                f"{source}:{n}",
                "JSONL record needs a non-empty string 'text' "
                "(documents: {title, text}; chat turns: {speaker, text, timestamp, conversation_id})",
            )
            continue
        title, record_id = scalar_text(record.get("title")), scalar_text(record.get("id"))
        if title is None or record_id is None:
            yield Problem(f"{source}:{n}", "JSONL record 'title' and 'id' must be strings or numbers")
            continue
        title = title or record_id or str(n)
        key = record_id or title
        yield SourceDocument(_record_key(source, key, seen), title, record["text"], "jsonl")
