"""Thoughts at read time: marked as such in results, and never evidence for themselves.

An answer that cites a thought cites the thought's own sources instead (the units it was built
from), so a thought is never the evidence of an answer, nor of the answer that produced it asked
again. An answer resting on thoughts alone is flagged ``from_thoughts_only`` and not written back.
"""

from __future__ import annotations

from ..graph.store import StoreReader
from ..records import RetrievalResult
from .answer import Answer

THOUGHT = "thought"


def mark_thoughts(result: RetrievalResult, store: StoreReader) -> dict[str, list[str]]:
    """Set ``kind`` "thought" on the result's thought units; returns thought id -> its sources."""
    sources = store.thought_sources([p.id for p in result.passages]) if result.passages else {}
    for unit in result.passages:
        if unit.id in sources:
            unit.kind = THOUGHT
    return sources


def ground_citations(answer: Answer, sources: dict[str, list[str]]) -> Answer:
    """Replace each cited thought by the units it cites (in place; returns ``answer``)."""
    used = [c for c in answer.citations if c in sources]
    if not used:
        return answer
    grounded: list[str] = []
    for cited in answer.citations:
        for unit in sources.get(cited, [cited]):
            if unit not in grounded:
                grounded.append(unit)
    answer.from_thoughts_only = len(used) == len(answer.citations)
    answer.citations = grounded
    answer.via_thoughts = used
    return answer
