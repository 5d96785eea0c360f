"""The server's operations on a namespace, shared by the HTTP routes and the MCP tools.

Each takes plain values and returns plain data (JSON-ready); input problems raise
``InputError`` with a message naming the input and the fix, a missing document ``LookupError``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from datetime import date, datetime

from ..errors import InputError
from ..extract.conversations import normalize_timestamp
from ..extract.readers import ReadOptions, read_text
from ..extract.source import Problem, SourceDocument, Turn
from ..ids import short_hash
from .service import MemoryService, one_snapshot


def check_as_of(as_of: str | None) -> str | None:
    """``as_of`` must be an ISO date (2024-05-01) or datetime (2024-05-01T10:00:00)."""
    if as_of is None or as_of == "":
        return None
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            parse(as_of)
            return as_of
        except ValueError:
            continue
    raise InputError(f"as_of {as_of!r} is not an ISO date or datetime: use e.g. 2024-05-01 or 2024-05-01T10:00:00")


def _source_document(
    text: str,
    source: str | None,
    title: str | None,
    occurred_at: str | None,
    speaker: str | None,
    fmt: str,
    options: ReadOptions,
) -> SourceDocument:
    if not text.strip():
        raise InputError("text is empty: send the text to remember")
    when = None
    if occurred_at:
        when = normalize_timestamp(occurred_at)
        if when is None:
            raise InputError(f"occurred_at {occurred_at!r} is not an ISO 8601 date/time: use e.g. 2024-05-01T10:00:00Z")
    if speaker is not None:
        if not speaker.strip():
            raise InputError("speaker is empty: name who said the turn, or leave speaker out for a plain text")
        key = source or "chat:" + short_hash(speaker, text, when or "")
        turn = Turn(speaker.strip(), text.strip(), when, key)
        return SourceDocument(
            key,
            title or f"{speaker.strip()} at {when or 'unknown time'}",
            f"{turn.speaker}: {turn.text}",
            "chat",
            turns=[turn],
            metadata={"speaker": turn.speaker},
        )
    key = source or "text:" + short_hash(text)
    # Markdown is read as a file is (front matter -> dates and metadata, headings -> section
    # titles); an explicit occurred_at wins over front matter dates.
    doc = read_text(key, text, fmt, replace(options, date=when))
    if isinstance(doc, Problem):
        raise InputError(f"text of {key!r} could not be read as {fmt}: {doc.reason}")
    if title:
        doc.title = title
    elif doc.format == "text":
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), key)
        doc.title = first_line.lstrip("# ")[:120]
    return doc


def remember(
    service: MemoryService,
    namespace: str,
    text: str,
    *,
    source: str | None = None,
    title: str | None = None,
    occurred_at: str | None = None,
    speaker: str | None = None,
    format: str = "auto",
    extractor: str | None = None,
) -> dict:
    """Write one document (text, markdown or a conversation turn); returns its id and what happened.
    ``format`` "auto" reads a ``.md``/``.markdown`` source as markdown, anything else as text."""
    ns = service.namespace(namespace)
    doc = _source_document(text, source, title, occurred_at, speaker, format, ns.writer.read_options())
    with service.write_lock:
        report = ns.writer.ingest_documents([doc], extractor=extractor)
        ns.refresh()  # the next recall, from any client, sees what was just written
    if report.problems:
        raise InputError(f"could not remember {doc.source!r}: {report.problems[0].reason}")
    for status, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged)):
        if ids:
            doc_id = ids[0]
            units = len(ns.writer.store.document_units(doc_id))
            return {
                "id": doc_id,
                "namespace": namespace,
                "status": status,
                "units": units,
                "facts_superseded": report.facts_superseded,
                "synonyms_added": report.synonyms_added,
            }
    raise InputError(f"could not remember {doc.source!r}: nothing was written")


def forget(
    service: MemoryService, namespace: str, *, document_id: str | None = None, source: str | None = None
) -> dict:
    """Delete a document by id, or every document of a source; LookupError when none matches."""
    if (document_id is None) == (source is None):
        raise InputError("give exactly one of id (a document id) or source (the source key it was remembered under)")
    ns = service.namespace(namespace)
    with service.write_lock:
        if document_id is not None:
            targets = [document_id]
        else:
            targets = [d.id for d in ns.writer.documents() if d.source == source]
        deleted = [d for d in targets if ns.writer.delete(d)]
        ns.refresh()
    if not deleted:
        what = f"document {document_id!r}" if document_id is not None else f"document with source {source!r}"
        raise LookupError(f"no {what} in namespace {namespace!r} (list them with GET /documents)")
    return {"deleted": deleted, "namespace": namespace}


@one_snapshot
def recall(
    service: MemoryService,
    namespace: str,
    question: str,
    *,
    top_k: int = 5,
    mode: str = "hippo",
    as_of: str | None = None,
    debug: bool = False,
    explain: bool = False,
) -> dict:
    """Ranked passages/episodes (with source, date, seeding facts) and the facts that seeded them;
    ``timings_ms`` per stage; with ``explain``, the activated subgraph of this run."""
    from .explain import explain as explain_graph
    from .explore import NamespaceView, annotate_recall

    as_of = check_as_of(as_of)
    ns = service.namespace(namespace)
    cpu_start = time.thread_time()  # CPU this request's thread used: its cost whatever the load
    result = ns.reader.retrieve(question, top_k=top_k, mode=mode, as_of=as_of)
    start = time.perf_counter()
    out = result.as_dict()
    out.pop("id", None)
    out["namespace"] = namespace
    view = NamespaceView.of(service, namespace)
    annotate_recall(view, out)
    if explain:
        out["explain"] = explain_graph(result, out, view)
    timings = dict(result.timings_ms)
    timings["serialize"] = (time.perf_counter() - start) * 1000
    timings["cpu"] = (time.thread_time() - cpu_start) * 1000
    out["timings_ms"] = {k: round(v, 3) for k, v in timings.items()} if debug else None
    out["_timings"] = timings  # for the Server-Timing header; dropped before the body is sent
    return out


@one_snapshot
def answer(
    service: MemoryService,
    namespace: str,
    question: str,
    *,
    top_k: int = 5,
    mode: str = "hippo",
    as_of: str | None = None,
    remember: bool = False,
) -> dict:
    """An answer with citations (the configured LLM, else the extractive reader); ``remember``
    writes it back as a thought (through the writer, like any write)."""
    as_of = check_as_of(as_of)
    ns = service.namespace(namespace)
    result = ns.reader.answer(question, top_k=top_k, mode=mode, as_of=as_of, remember=False)
    if remember:
        with service.write_lock:
            ns.writer.remember_answer(result)
            ns.refresh()
    out = result.as_dict()
    out["namespace"] = namespace
    return out


def _page(items: list, offset: int, limit: int) -> dict:
    return {"total": len(items), "offset": offset, "limit": limit, "items": items[offset : offset + limit]}


def _matches(q: str | None, *fields: str) -> bool:
    return not q or any(q.lower() in (f or "").lower() for f in fields)


def list_documents(
    service: MemoryService, namespace: str, *, q: str | None = None, offset: int = 0, limit: int = 50
) -> dict:
    """Documents (id, source, title, unit counts), filtered by a substring of source or title."""
    docs = service.namespace(namespace).reader.documents()
    rows = [d.as_dict() for d in docs if _matches(q, d.source, d.title, d.id)]
    return _page(rows, offset, limit)


def show_document(service: MemoryService, namespace: str, document_id: str) -> dict:
    data = service.namespace(namespace).reader.show(document_id)
    if data is None:
        raise LookupError(f"no document {document_id!r} in namespace {namespace!r} (list them with GET /documents)")
    data["namespace"] = namespace
    return data


@one_snapshot
def list_entities(
    service: MemoryService, namespace: str, *, q: str | None = None, offset: int = 0, limit: int = 50
) -> dict:
    """Entities of the graph (normalized names) with how many units mention them, most mentioned first."""
    index = service.namespace(namespace).reader.retriever.indexes.get()
    units = index.unit_kind
    rows = [
        {"id": node, "mentions": int(index.unit_mentions.get(node, 0))}
        for node in index.graph.node_ids
        if node not in units and _matches(q, node)
    ]
    rows.sort(key=lambda r: (-r["mentions"], r["id"]))  # type: ignore[operator]
    return _page(rows, offset, limit)


@one_snapshot
def show_entity(service: MemoryService, namespace: str, entity_id: str) -> dict:
    ns = service.namespace(namespace)
    index = ns.reader.retriever.indexes.get()
    if entity_id not in index.graph.index or entity_id in index.unit_kind:
        raise LookupError(f"no entity {entity_id!r} in namespace {namespace!r} (list them with GET /entities)")
    facts = [_fact(f) for f in ns.reader.store.facts_about(entity_id)]
    return {"id": entity_id, "mentions": int(index.unit_mentions.get(entity_id, 0)), "facts": facts}


@one_snapshot
def list_facts(
    service: MemoryService,
    namespace: str,
    *,
    q: str | None = None,
    subject: str | None = None,
    current_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> dict:
    """Facts (subject, predicate, object, validity), filtered by a substring of their text or by subject."""
    index = service.namespace(namespace).reader.retriever.indexes.get()
    rows = [
        _fact(f)
        for f in index.fact_records
        if _matches(q, f.text)
        and (subject is None or f.subject == subject)
        and (not current_only or f.invalid_at is None)
    ]
    rows.sort(key=lambda r: (r["subject"], r["predicate"], r["object"], r["id"]))
    return _page(rows, offset, limit)


def stats(service: MemoryService, namespace: str) -> dict:
    return {"namespace": namespace, **service.namespace(namespace).reader.stats().as_dict()}


def _fact(fact) -> dict:
    return {k: v for k, v in asdict(fact).items() if k not in ("embedding", "created_at")}
