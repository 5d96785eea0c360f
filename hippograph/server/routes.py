"""HTTP routes: thin wrappers over ``operations`` (sync handlers run in the threadpool,
so a slow write never holds up the event loop or the reads beside it)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from .. import __version__
from . import explore
from . import operations as ops
from . import schemas as s
from .auth import OPEN, PRINCIPAL_KEY, Principal
from .explore_schemas import DeletionPreview
from .service import DEFAULT_NAMESPACE, MemoryService, check_namespace

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": s.ErrorBody} for code in (400, 401, 403, 404, 413, 422, 503)}


def service(request: Request) -> MemoryService:
    return request.app.state.service


def authorize(request: Request, namespace: str) -> str:
    """The namespace, if the request's token opens it (403 otherwise)."""
    check_namespace(namespace)
    principal: Principal = getattr(request.state, PRINCIPAL_KEY, OPEN)
    if not principal.allows(namespace):
        raise HTTPException(403, f"this token does not open namespace {namespace!r}")
    return namespace


def namespace_query(
    request: Request, namespace: str = Query(DEFAULT_NAMESPACE, max_length=64, description="memory namespace")
) -> str:
    return authorize(request, namespace)


@router.get("/health", response_model=s.Health, tags=["server"])
def health() -> dict:
    """Liveness (no token needed): the process is up and its models are loaded."""
    return {"status": "ok", "version": __version__}


@router.post("/remember", response_model=s.RememberResponse, responses=ERRORS, tags=["memory"])
def remember(body: s.RememberRequest, request: Request, svc: MemoryService = Depends(service)) -> dict:
    """Remember a text, a document or a conversation turn (with ``speaker``); idempotent by content."""
    ns = authorize(request, body.namespace)
    return ops.remember(
        svc,
        ns,
        body.text,
        source=body.source,
        title=body.title,
        occurred_at=body.occurred_at,
        speaker=body.speaker,
        format=body.format,
        extractor=body.extractor,
    )


@router.post(
    "/recall", response_model=s.RecallResponse, response_model_exclude_none=False, responses=ERRORS, tags=["memory"]
)
def recall(body: s.RecallRequest, request: Request, response: Response, svc: MemoryService = Depends(service)) -> dict:
    """Ranked passages/episodes (with the facts that seeded them) for a question."""
    ns = authorize(request, body.namespace)
    out = ops.recall(
        svc,
        ns,
        body.question,
        top_k=body.top_k,
        mode=body.mode,
        as_of=body.as_of,
        debug=body.debug,
        explain=body.explain,
    )
    timings = out.pop("_timings")
    response.headers["Server-Timing"] = ", ".join(f"{k};dur={v:.3f}" for k, v in timings.items())
    return out


@router.post("/answer", response_model=s.AnswerResponse, responses=ERRORS, tags=["memory"])
def answer(body: s.AnswerRequest, request: Request, svc: MemoryService = Depends(service)) -> dict:
    """An answer with the ids of the passages it cites."""
    ns = authorize(request, body.namespace)
    return ops.answer(
        svc, ns, body.question, top_k=body.top_k, mode=body.mode, as_of=body.as_of, remember=body.remember
    )


@router.delete(
    "/documents/{document_id}", response_model=s.ForgetResponse | DeletionPreview, responses=ERRORS, tags=["memory"]
)
def forget_document(
    document_id: str,
    ns: str = Depends(namespace_query),
    dry_run: bool = Query(False, description="only report what the delete would remove"),
    svc: MemoryService = Depends(service),
) -> dict:
    """Forget a document and everything only it supports (``dry_run``: the preview, nothing deleted)."""
    if dry_run:
        return explore.deletion_preview(svc, ns, document_id)
    return ops.forget(svc, ns, document_id=document_id)


@router.delete("/documents", response_model=s.ForgetResponse, responses=ERRORS, tags=["memory"])
def forget_source(
    source: str = Query(..., description="the source key the documents were remembered under"),
    ns: str = Depends(namespace_query),
    svc: MemoryService = Depends(service),
) -> dict:
    """Forget every document remembered under ``source``."""
    return ops.forget(svc, ns, source=source)


@router.get("/documents", response_model=s.DocumentPage, responses=ERRORS, tags=["browse"])
def documents(
    q: str | None = Query(None, max_length=500, description="substring of source, title or id"),
    title: str | None = Query(None, max_length=500, description="substring of the title"),
    source: str | None = Query(None, max_length=500, description="substring of the source"),
    kind: Literal["passages", "episodes"] | None = Query(
        None, description="documents of passages (texts) or of episodes (conversations)"
    ),
    since: str | None = Query(None, max_length=40, description="ingested on or after (ISO date)"),
    until: str | None = Query(None, max_length=40, description="ingested on or before (ISO date)"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=1000),
    ns: str = Depends(namespace_query),
    svc: MemoryService = Depends(service),
) -> dict:
    return explore.list_documents(
        svc, ns, q=q, title=title, source=source, kind=kind, since=since, until=until, offset=offset, limit=limit
    )


@router.get("/documents/{document_id}", responses=ERRORS, tags=["browse"])
def show(document_id: str, ns: str = Depends(namespace_query), svc: MemoryService = Depends(service)) -> dict:
    """What a document contributed: its units and the facts each supports."""
    return ops.show_document(svc, ns, document_id)


@router.get("/entities", response_model=s.EntityPage, responses=ERRORS, tags=["browse"])
def entities(
    q: str | None = Query(None, max_length=500, description="substring of the normalized name"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=1000),
    ns: str = Depends(namespace_query),
    svc: MemoryService = Depends(service),
) -> dict:
    return ops.list_entities(svc, ns, q=q, offset=offset, limit=limit)


@router.get("/entities/{entity_id}", response_model=s.EntityDetail, responses=ERRORS, tags=["browse"])
def entity(entity_id: str, ns: str = Depends(namespace_query), svc: MemoryService = Depends(service)) -> dict:
    return ops.show_entity(svc, ns, entity_id)


@router.get("/facts", response_model=s.FactPage, responses=ERRORS, tags=["browse"])
def facts(
    q: str | None = Query(None, max_length=500, description="substring of the fact text"),
    subject: str | None = Query(None, max_length=500, description="entity id of the subject"),
    current: bool = Query(False, description="only facts not superseded"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=1000),
    ns: str = Depends(namespace_query),
    svc: MemoryService = Depends(service),
) -> dict:
    return ops.list_facts(svc, ns, q=q, subject=subject, current_only=current, offset=offset, limit=limit)


@router.get("/stats", response_model=s.Stats, responses=ERRORS, tags=["browse"])
def stats(ns: str = Depends(namespace_query), svc: MemoryService = Depends(service)) -> dict:
    return ops.stats(svc, ns)
