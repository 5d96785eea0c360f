"""Row models that the API's bodies (``schemas``) and the explorer's (``explore_schemas``) share:
a fact, a stored unit and the store's counts, each written once."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FactRow(BaseModel):
    """A (subject, predicate, object) fact and the interval it holds in."""

    id: str
    subject: str
    predicate: str
    object: str
    text: str
    valid_from: str | None = None
    invalid_at: str | None = None


class UnitRow(BaseModel):
    """A stored passage or episode and the document it came from."""

    id: str
    kind: str
    title: str
    text: str
    document_id: str
    source: str = Field("", description="the source key of the unit's document")
    occurred_at: str | None = None
    speaker: str = ""


class Counts(BaseModel):
    """Counts of nodes by kind and of edges (in total and by type), as GET /stats gives them."""

    documents: int
    passages: int
    episodes: int
    entities: int
    facts: int
    edges: int
    edges_by_type: dict[str, int]
