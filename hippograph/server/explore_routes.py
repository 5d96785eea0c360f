"""HTTP routes the memory explorer reads (part of the public API, in ``/openapi.json``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from . import explore
from .explore_schemas import DeletionPreview, EntityHistory, Overview
from .routes import ERRORS, namespace_query, service
from .service import MemoryService

router = APIRouter()


@router.get("/entities/{entity_id}/history", response_model=EntityHistory, responses=ERRORS, tags=["browse"])
def entity_history(
    entity_id: str,
    as_of: str | None = Query(
        None, max_length=40, description="ISO date: the facts' status then, units dated up to then"
    ),
    ns: str = Depends(namespace_query),
    svc: MemoryService = Depends(service),
) -> dict:
    """An entity's name, aliases, its facts as a timeline (validity, superseded by what, from which
    document and date) and the passages/episodes that mention it."""
    return explore.entity_history(svc, ns, entity_id, as_of)


@router.get("/documents/{document_id}/impact", response_model=DeletionPreview, responses=ERRORS, tags=["browse"])
def document_impact(
    document_id: str, ns: str = Depends(namespace_query), svc: MemoryService = Depends(service)
) -> dict:
    """What only this document supports: what deleting it would remove (= ``DELETE ?dry_run=true``)."""
    return explore.deletion_preview(svc, ns, document_id)


@router.get("/overview", response_model=Overview, responses=ERRORS, tags=["browse"])
def overview(ns: str = Depends(namespace_query), svc: MemoryService = Depends(service)) -> dict:
    """Counts by kind, namespaces, the store (credentials masked), the last change and the index state."""
    return explore.overview(svc, ns)
