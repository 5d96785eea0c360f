"""Evolving entity notes (A-MEM): what memory holds about one entity, derived on every read.

A note is never stored as a second source of truth: its current facts, superseded count, aliases,
first and last seen are computed from the retrieval index of the current store generation, so any
change (an ingestion, a supersession, a delete) shows in the next note. With a chat model, a short
prose note is written from those facts and kept per facts fingerprint: it is regenerated exactly
when the entity's facts change, and never otherwise.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..dates import sort_key
from ..extract.aliases import alias_map
from ..graph.store import GraphStore
from ..ids import normalize_name
from ..records import Episode, Fact, Passage, RetrievalResult
from .index import IndexCache, RetrievalIndex

PROSE_PROMPT = """Write a short note (at most three sentences) about {name} for a personal memory.
Use only these facts; the current ones hold now, the superseded ones held before.
Current facts:
{current}
Superseded facts:
{superseded}
Note:"""


@dataclass
class EntityNote:
    """An entity's summary: its current facts, aliases, first and last seen, and an optional prose note."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # texts of its current facts, by validity start
    superseded: list[str] = field(default_factory=list)  # texts of facts about it that no longer hold
    first_seen: str | None = None  # earliest date of a unit mentioning it
    last_seen: str | None = None  # latest such date
    units: int = 0  # passages/episodes mentioning it
    fingerprint: str = ""  # hash of its facts: the prose note is regenerated when this changes
    prose: str | None = None  # written by the chat model, when one is configured

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def text(self) -> str:
        """The note as one searchable text."""
        parts = [self.name, *self.aliases, *self.facts, self.prose or ""]
        return " ".join(p for p in parts if p)


class NoteBook:
    """Entity notes over one store and its retrieval index; prose notes cached by fingerprint."""

    def __init__(self, store: GraphStore, llm: object | None = None):
        self.store = store
        self.llm = llm
        self._prose: dict[tuple[str, str], str] = {}  # (entity id, fingerprint) -> prose
        self.prose_calls = 0  # chat-model calls made (what "regenerated only on change" is tested by)
        self._neighbours: tuple[int, Any] | None = None
        self.indexes = IndexCache(store)  # used when no retriever (and so no embedder) is loaded

    def resolve(self, index: RetrievalIndex, ref: str) -> str | None:
        """The entity id ``ref`` names: an id, or a name (normalized, in this namespace)."""
        if ref in index.graph.index and ref not in index.unit_kind:
            return ref
        key = normalize_name(ref)
        prefix = "" if self.store.namespace == "default" else f"{self.store.namespace}:"
        for candidate in (prefix + key, key):
            if candidate in index.graph.index and candidate not in index.unit_kind:
                return candidate
        return None

    def lookup(self, index: RetrievalIndex, ref: str) -> EntityNote | None:
        """The note of the entity ``ref`` names, or None."""
        entity = self.resolve(index, ref)
        return self.note(index, entity) if entity else None

    def note(self, index: RetrievalIndex, entity_id: str) -> EntityNote:
        """The note of ``entity_id`` as of ``index``'s generation (prose from the chat model, if any)."""
        facts = [f for f in index.fact_records if entity_id in (f.subject, f.object)]
        current = sorted((f for f in facts if f.invalid_at is None), key=_by_validity)
        old = sorted((f for f in facts if f.invalid_at is not None), key=_by_validity)
        mentioning = self._unit_neighbours(index, entity_id)
        dates = self._dates(index, mentioning)
        note = EntityNote(
            entity_id,
            self._name(mentioning, entity_id),
            self._aliases(index, entity_id),
            [f.text for f in current],
            [f.text for f in old],
            min(dates, key=sort_key) if dates else None,
            max(dates, key=sort_key) if dates else None,
            len(mentioning),
        )
        signature = "\x1f".join(["+", *note.facts, "-", *note.superseded])
        note.fingerprint = hashlib.sha1(signature.encode()).hexdigest()[:16]
        if self.llm is not None and facts:
            note.prose = self._prose_for(note)
        return note

    def find(self, index: RetrievalIndex, query: str, limit: int = 10) -> list[EntityNote]:
        """Notes whose text holds every word of ``query`` (name, aliases, current facts, prose)."""
        words = normalize_name(query).split()
        if not words:
            return []
        # Candidates: entities whose name or a current fact names a query word (cheap), then the full check.
        candidates = {e for e in index.graph.index if e not in index.unit_kind and any(w in e for w in words)}
        for fact in index.fact_records:
            if fact.invalid_at is None and any(w in normalize_name(fact.text) for w in words):
                candidates |= {fact.subject, fact.object}
        found = []
        for entity in sorted(candidates):
            if entity not in index.graph.index:
                continue
            note = self.note(index, entity)
            text = f" {normalize_name(note.text)} "
            if all(f" {w} " in text for w in words):
                found.append(note)
        found.sort(key=lambda n: (-n.units, n.id))
        return found[:limit]

    def ranked(self, index: RetrievalIndex, result: RetrievalResult, limit: int) -> list[EntityNote]:
        """Notes as retrieval units: the ``limit`` entities the query's walk reached most (PPR
        mass), else those of its linked facts in link order (dense mode, or a fallback)."""
        if limit <= 0:
            return []
        activation = result.activation
        if activation is not None:
            mass = np.array(activation.mass, dtype=float)
            mass[index.unit_nodes[index.unit_nodes < len(mass)]] = -np.inf  # entities only
            reached = np.flatnonzero(mass > 0)
            if reached.size > 4 * limit:  # the best few by partition, not a sort of every node
                reached = reached[np.argpartition(-mass[reached], 4 * limit - 1)[: 4 * limit]]
            best = sorted(reached.tolist(), key=lambda i: (-mass[i], activation.node_ids[i]))
            entities = [activation.node_ids[i] for i in best]
        else:
            entities = [e for f in result.facts for e in (f.subject, f.object)]
        chosen = [e for e in dict.fromkeys(entities) if e in index.graph.index][:limit]
        return [self.note(index, e) for e in chosen]

    # -- parts ---------------------------------------------------------------------
    def _unit_neighbours(self, index: RetrievalIndex, entity_id: str) -> list[str]:
        if self._neighbours is None or self._neighbours[0] != index.generation:
            self._neighbours = (index.generation, index.graph.adjacency())
        adjacency = self._neighbours[1]
        row = index.graph.index[entity_id]
        ids = index.graph.node_ids
        return [
            ids[i]
            for i in adjacency.indices[adjacency.indptr[row] : adjacency.indptr[row + 1]]
            if ids[i] in index.unit_kind
        ]

    def _dates(self, index: RetrievalIndex, units: list[str]) -> list[str]:
        kinds = index.unit_kind
        records: list[Passage | Episode] = [
            *self.store.passages([u for u in units if kinds.get(u) == "passage"]),
            *self.store.episodes([u for u in units if kinds.get(u) == "episode"]),
        ]
        dated = [r.occurred_at for r in records if r.occurred_at]
        if len(dated) < len(records):  # undated units: when their documents were stored
            stored = {d.id: d.ingested_at for d in self.store.documents()}
            dated += [stored[r.document_id] for r in records if not r.occurred_at and stored.get(r.document_id)]
        return dated

    def _name(self, units: list[str], entity_id: str) -> str:
        """The stored surface form (read with one document that mentions it), else the id."""
        found: list[Passage | Episode] = [*self.store.passages(units[:3]), *self.store.episodes(units[:3])]
        owners = [u.document_id for u in found]
        for doc_id in dict.fromkeys(owners):
            batch = self.store.export_document(doc_id)
            for entity in batch.entities if batch else []:
                if entity.id == entity_id:
                    return entity.name or entity_id
        return entity_id

    def _aliases(self, index: RetrievalIndex, entity_id: str) -> list[str]:
        names = alias_map([e for e in index.graph.index if e not in index.unit_kind])
        out = {short for short, full in names.items() if full == entity_id}
        out |= {names[entity_id]} if entity_id in names else set()
        out |= {
            e.target if e.source == entity_id else e.source
            for e in self.store.synonym_edges()
            if entity_id in (e.source, e.target)
        }
        return sorted(out - {entity_id})

    def _prose_for(self, note: EntityNote) -> str:
        key = (note.id, note.fingerprint)
        if key not in self._prose:
            prompt = PROSE_PROMPT.format(
                name=note.name,
                current="\n".join(f"- {f}" for f in note.facts) or "- (none)",
                superseded="\n".join(f"- {f}" for f in note.superseded) or "- (none)",
            )
            reply = self.llm.invoke(prompt)  # type: ignore[union-attr]
            self.prose_calls += 1
            self._prose[key] = str(getattr(reply, "content", reply)).strip()
        return self._prose[key]


def _by_validity(fact: Fact) -> tuple:
    return (sort_key(fact.valid_from), fact.created_at, fact.id)
