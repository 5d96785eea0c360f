"""The ingestion pipeline: read -> chunk -> extract -> embed -> write -> synonyms (no orchestration)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..embedding import Embedder
from ..extract.base import Extraction, Extractor
from ..extract.readers import Problem, SourceDocument
from ..errors import StoreError
from ..graph.store import GraphStore
from ..graph.synonyms import SynonymFinder
from ..records import DocumentBatch, Episode, Passage
from .build import Prepared, build_batch, prepare
from .temporal import LLMContradictionJudge, supersessions_for

Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    """What an ingestion run did; ``ok`` is False when any input failed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_triples: int = 0
    synonyms_added: int = 0
    facts_superseded: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged),
            "failed": len(self.problems), "skipped_triples": self.skipped_triples,
            "synonyms_added": self.synonyms_added, "facts_superseded": self.facts_superseded,
            "problems": [{"source": p.source, "reason": p.reason} for p in self.problems],
        }


def embedding_text(unit: Passage | Episode) -> str:
    """What a unit's vector encodes: a chat turn with its speaker ("Caroline: I went ..."),
    since questions name people the turn itself only says "I" for."""
    if isinstance(unit, Episode):
        return f"{unit.speaker}: {unit.text}"
    return unit.text


@dataclass
class Plan:
    """One ingestion run's state: what to write, what was written, what went wrong."""

    stored: dict[str, str]
    now: str
    pending: list[Prepared] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)

    def record_written(self, batch: DocumentBatch) -> None:
        doc = batch.document
        self.report.facts_superseded += len(batch.supersessions)
        (self.report.updated if doc.id in self.stored else self.report.added).append(doc.id)


@dataclass
class IngestPipeline:
    """Idempotent ingestion into a store: unchanged documents (by content hash) are skipped,
    changed ones replaced, each document written in its own transaction."""

    store: GraphStore
    embedder: Embedder
    extractor: Extractor
    chunk_size: int = 1200
    chunk_overlap: int = 150
    synonym_threshold: float = 0.8
    group_size: int = 128  # documents extracted and embedded together
    judge: LLMContradictionJudge | None = None  # supersession for relations the rules do not know
    synonyms: SynonymFinder | None = None  # entity neighbour index, kept across runs of this pipeline

    def signature(self, doc: SourceDocument) -> str:
        """What, besides the content, shapes a document's records (changes force re-ingestion)."""
        extractor = "precomputed" if doc.extractions is not None else self.extractor.name
        return f"extractor={extractor};chunk={self.chunk_size}/{self.chunk_overlap}"

    def plan(self, inputs: Iterable[SourceDocument | Problem], now: str) -> "Plan":
        """Fingerprint every document; keep those new or changed since the store last saw them."""
        plan = Plan(stored={}, now=now)
        seen: set[str] = set()
        buffered: list[Prepared] = []
        for item in inputs:
            if isinstance(item, Problem):
                plan.report.problems.append(item)
                continue
            buffered.append(prepare(item, self.signature(item), self.chunk_size, self.chunk_overlap, now,
                                    self.store.namespace))
            if len(buffered) >= 500:
                self._keep_changed(plan, buffered, seen)
                buffered = []
        self._keep_changed(plan, buffered, seen)
        return plan

    def _keep_changed(self, plan: "Plan", buffered: list[Prepared], seen: set[str]) -> None:
        # Hashes are looked up by id: planning costs the documents given, not the documents stored.
        plan.stored |= self.store.document_hashes([p.document.id for p in buffered])
        for prepared in buffered:
            doc = prepared.document
            if doc.id in seen or plan.stored.get(doc.id) == doc.content_hash:
                plan.report.unchanged.append(doc.id)
                continue
            seen.add(doc.id)
            plan.pending.append(prepared)

    def run(self, inputs: Iterable[SourceDocument | Problem], progress: Progress | None = None) -> IngestReport:
        """Ingest every document of ``inputs``; problems are reported, never raised."""
        plan = self.plan(inputs, datetime.now(timezone.utc).isoformat())
        total = len(plan.pending)
        if progress:
            progress(0, total)
        for start in range(0, total, self.group_size):
            group = plan.pending[start : start + self.group_size]
            for batch in self.build(group, self.extract(group), plan):
                try:
                    self.write(batch)
                except (StoreError, ValueError) as exc:
                    plan.report.problems.append(Problem(batch.document.source, str(exc)))
                    continue
                plan.record_written(batch)
            if progress:
                progress(min(start + self.group_size, total), total)
        return self.finish(plan)

    def build(self, group: list[Prepared], extractions: list[list[Extraction]], plan: "Plan") -> list[DocumentBatch]:
        """Records of each document of a group, embedded together (one encoder pass per kind)."""
        batches: list[DocumentBatch] = []
        for prepared, doc_extractions in zip(group, extractions):
            plan.report.skipped_triples += sum(e.skipped_triples for e in doc_extractions)
            batches.append(build_batch(prepared, doc_extractions, plan.now))
        self._embed(batches)
        return batches

    def write(self, batch: DocumentBatch) -> None:
        """Write one document in one transaction (raises ``StoreError``; nothing lands on failure)."""
        self._embed_missing(batch)
        batch.supersessions = supersessions_for(self.store, batch, self.judge)
        self.store.write_document(batch)

    def finish(self, plan: "Plan") -> IngestReport:
        """Add SYNONYM edges for the entities this run created; return the report."""
        plan.report.synonyms_added = self._add_synonyms()
        return plan.report

    def extract(self, group: list[Prepared]) -> list[list[Extraction]]:
        """Extractions of every unit of every document (precomputed ones pass through)."""
        out: list = [None] * len(group)
        texts: list[str] = []
        titles: list[str] = []
        owners: list[int] = []
        for i, prepared in enumerate(group):
            if prepared.source.extractions is not None:
                out[i] = prepared.source.extractions
            else:
                out[i] = []
                texts += prepared.unit_texts
                titles += prepared.titles
                owners += [i] * len(prepared.unit_texts)
        for owner, extraction in zip(owners, self.extractor.extract(texts, titles) if texts else []):
            out[owner].append(extraction)
        return out

    def _embed(self, batches: list[DocumentBatch]) -> None:
        """Embed units, and entities/facts the store does not hold yet, in one pass per kind."""
        units = [u for b in batches for u in (*b.passages, *b.episodes)]
        for unit, vector in zip(units, self.embedder.encode([embedding_text(u) for u in units])):
            unit.embedding = vector
        entity_ids = {e.id for b in batches for e in b.entities}
        fact_ids = {f.id for b in batches for f in b.facts}
        known_entities = self.store.existing_ids("entity", entity_ids)
        known_facts = self.store.existing_ids("fact", fact_ids)
        # One surface form per new node (its first occurrence, in document order): every
        # document carrying the node then writes the same name/text with the vector of exactly
        # that string, whichever document's write lands first.
        entities: dict[str, str] = {}
        facts: dict[str, str] = {}
        for batch in batches:
            for e in batch.entities:
                if e.id not in known_entities:
                    e.name = entities.setdefault(e.id, e.name)
            for f in batch.facts:
                if f.id not in known_facts:
                    f.text = facts.setdefault(f.id, f.text)
        entity_vectors = dict(zip(entities, self.embedder.encode(list(entities.values()))))
        fact_vectors = dict(zip(facts, self.embedder.encode(list(facts.values()))))
        for batch in batches:
            for entity in batch.entities:
                entity.embedding = entity_vectors.get(entity.id)
            for fact in batch.facts:
                fact.embedding = fact_vectors.get(fact.id)

    def _embed_missing(self, batch: DocumentBatch) -> None:
        # An entity/fact skipped as "already stored" may have been removed since by an
        # earlier document of this group: embed it now rather than store it without a vector.
        for kind, records, text in (("entity", batch.entities, lambda r: r.name),
                                    ("fact", batch.facts, lambda r: r.text)):
            bare = [r for r in records if r.embedding is None]
            if not bare:
                continue
            present = self.store.existing_ids(kind, [r.id for r in bare])
            missing = [r for r in bare if r.id not in present]
            for record, vector in zip(missing, self.embedder.encode([text(r) for r in missing])):
                record.embedding = vector

    def _add_synonyms(self) -> int:
        """SYNONYM edges for every entity still marked pending (this run's, or a crashed run's),
        through the entity neighbour index this pipeline keeps (see ``graph/synonyms.py``)."""
        if self.synonyms is None or self.synonyms.threshold != self.synonym_threshold:
            self.synonyms = SynonymFinder(self.synonym_threshold)
        return self.synonyms.add_pending(self.store)
