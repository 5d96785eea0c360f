"""Typed results of retrieval and answering."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class RetrievedUnit:
    """A ranked passage or episode."""

    id: str
    kind: str  # "passage" | "episode"
    title: str
    text: str
    score: float
    document_id: str
    source_id: str = ""
    occurred_at: str | None = None
    speaker: str = ""
    context: list[dict] = field(default_factory=list)  # an episode's neighbouring turns, in order


@dataclass
class LinkedFact:
    """A fact the query linked to (a PPR seed), with its validity."""

    id: str
    subject: str
    predicate: str
    object: str
    text: str
    score: float
    valid_from: str | None = None
    invalid_at: str | None = None


@dataclass
class RetrievalResult:
    question: str
    mode: str
    passages: list[RetrievedUnit] = field(default_factory=list)
    facts: list[LinkedFact] = field(default_factory=list)
    seeds: dict[str, float] = field(default_factory=dict)  # entity id -> seed weight
    fallback: str | None = None  # why hippo mode fell back to dense, if it did

    def as_dict(self, id: str | None = None) -> dict:
        out = {"id": id, "question": self.question, "mode": self.mode,
               "passages": [asdict(p) for p in self.passages], "facts": [asdict(f) for f in self.facts]}
        if self.fallback:
            out["fallback"] = self.fallback
        return out
