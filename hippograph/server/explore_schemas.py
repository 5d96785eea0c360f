"""Bodies of the explorer's API routes (entity history, document impact, overview, explain)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .rows import Counts, FactRow, UnitRow


class ExplainNode(BaseModel):
    id: str
    kind: str = Field(..., description="question, fact, entity, passage or episode")
    label: str
    mass: float | None = Field(
        None,
        description="PPR mass of the node in the run that ranked the units "
        "(dense basis: share of the dense score); None off the graph",
    )
    x: float = Field(..., description="layout position in [0, 1], question on the left")
    y: float
    score: float | None = Field(None, description="a linked fact's link score")
    document_id: str | None = None
    subject: str | None = Field(None, description="a fact's subject entity id")
    superseded: bool | None = None


class ExplainEdge(BaseModel):
    source: str
    target: str
    kind: str = Field(
        ...,
        description="link (question-fact), subject/object (fact-entity), fact, synonym "
        "(entity-entity), mention (unit-entity), next (episode-episode), "
        "superseded (old fact -> new fact), dense",
    )


class Explanation(BaseModel):
    basis: str = Field(..., description="ppr, or dense when no PageRank ran (dense mode, fallback)")
    nodes: list[ExplainNode]
    edges: list[ExplainEdge]


class TimelineSource(UnitRow):
    """A unit on an entity's timeline."""


class Superseding(FactRow):
    at: str | None = None


class TimelineFact(FactRow):
    status: str = Field(..., description="current/superseded (now), or valid/not_yet_valid/superseded at as_of")
    superseded_by: list[Superseding]
    supersedes: list[str]
    sources: list[TimelineSource] = Field(..., description="units stating it, with their document and date")


class Alias(BaseModel):
    id: str
    score: float


class EntityHistory(BaseModel):
    id: str
    name: str
    namespace: str
    as_of: str | None = None
    aliases: list[Alias] = Field(..., description="synonym entities (embedding neighbours) with their score")
    mentions: int
    facts: list[TimelineFact] = Field(..., description="facts about it (subject or object), oldest first")
    units: list[TimelineSource] = Field(..., description="passages and episodes mentioning it (dated up to as_of)")


class FactRef(BaseModel):
    id: str
    text: str


class DeletionPreview(BaseModel):
    document_id: str
    namespace: str
    dry_run: bool = True
    removes: Counts = Field(..., description="what the delete removes, counted as GET /stats counts")
    facts: list[FactRef] = Field(..., description="facts only this document supports")
    entities: list[str] = Field(..., description="entities nothing else refers to")
    facts_restored: list[str] = Field(..., description="facts valid again: their superseding fact goes")


class IndexState(BaseModel):
    generation: int
    up_to_date: bool
    units: int
    facts: int
    graph_nodes: int
    entities: int
    vector_index: str


class Overview(BaseModel):
    namespace: str
    store: str = Field(..., description="the store URI, any password masked")
    namespaces: list[str]
    stats: Counts
    generation: int = Field(..., description="the store's last change (generation counter)")
    index: IndexState
