"""What the memory explorer asks of a namespace: entity histories, document impact, overview.

Plain data in and out, read through the store interface and the namespace's retrieval index
(the same snapshot queries use), so the pages show exactly what recall sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph.open import redact_uri
from ..graph.store import GraphStore
from ..records import DocumentInfo, Episode, Fact, Passage, Supersession
from ..retrieve.index import RetrievalIndex
from .operations import check_as_of
from .service import MemoryService, one_snapshot

MAX_EXPORTS = 25  # documents read to find supersession links and names for one entity


@dataclass
class NamespaceView:
    """The store and retrieval index of one namespace, read together."""

    store: GraphStore  # bound to the namespace
    index: RetrievalIndex

    @classmethod
    def of(cls, service: MemoryService, namespace: str) -> NamespaceView:
        reader = service.namespace(namespace).reader
        return cls(reader.store, reader.retriever.indexes.get())

    @property
    def adjacency(self):  # scipy CSR, callers' order
        """The PPR graph's adjacency of this index snapshot (built once per snapshot: O(edges))."""
        cached = getattr(self.index, "_explorer_adjacency", None)
        if cached is None or cached[0] != self.index.generation:
            cached = (self.index.generation, self.index.graph.adjacency())
            self.index._explorer_adjacency = cached  # dies with the snapshot
        return cached[1]

    def _neighbours(self, node: str) -> list[str]:
        position = self.index.graph.index.get(node)
        if position is None:
            return []
        adjacency = self.adjacency
        row = adjacency.indices[adjacency.indptr[position] : adjacency.indptr[position + 1]]
        ids = self.index.graph.node_ids
        return [ids[i] for i in row]

    def unit_neighbours(self, node: str) -> list[str]:
        """Passages/episodes adjacent to ``node`` in the PPR graph (for an entity: units mentioning it)."""
        return [n for n in self._neighbours(node) if n in self.index.unit_kind]

    def entity_neighbours(self, unit: str) -> list[str]:
        """Entities adjacent to a unit: the ones it mentions."""
        return [n for n in self._neighbours(unit) if n not in self.index.unit_kind]

    def units(self, ids: list[str]) -> dict[str, Passage | Episode]:
        kinds = self.index.unit_kind
        records: dict[str, Passage | Episode] = {
            p.id: p for p in self.store.passages([i for i in ids if kinds.get(i) == "passage"])
        }
        records |= {e.id: e for e in self.store.episodes([i for i in ids if kinds.get(i) == "episode"])}
        return records

    def documents(self) -> dict[str, DocumentInfo]:
        """Every document of the namespace by id (read once per index snapshot)."""
        cached = getattr(self.index, "_explorer_documents", None)
        if cached is None or cached[0] != self.index.generation or cached[1] != self.store.generation():
            cached = (self.index.generation, self.store.generation(), {d.id: d for d in self.store.documents()})
            self.index._explorer_documents = cached  # type: ignore[attr-defined]  # dies with the snapshot
        return cached[2]


def unit_row(unit: Passage | Episode, docs: dict[str, DocumentInfo]) -> dict:
    doc = docs.get(unit.document_id)
    return {
        "id": unit.id,
        "kind": "episode" if isinstance(unit, Episode) else "passage",
        "title": getattr(unit, "title", "") or (doc.title if doc else ""),
        "text": unit.text,
        "document_id": unit.document_id,
        "source": doc.source if doc else "",
        "occurred_at": unit.occurred_at,
        "speaker": getattr(unit, "speaker", ""),
    }


def annotate_recall(view: NamespaceView, out: dict) -> None:
    """Give each recalled unit its document ``source``, ``occurred_at`` and ``seed_facts``: the
    linked facts it supports or whose subject/object it mentions."""
    linked = {f["id"]: f for f in out.get("facts", [])}
    units = [p["id"] for p in out.get("passages", [])]
    supported = view.store.unit_facts(units) if linked and units else {}
    records = view.units(units)
    docs = view.documents() if units else {}
    for p in out.get("passages", []):
        mentioned = set(view.entity_neighbours(p["id"])) if linked else set()
        own = {f.id for f in supported.get(p["id"], [])}
        p["seed_facts"] = [
            fid for fid, f in linked.items() if fid in own or f["subject"] in mentioned or f["object"] in mentioned
        ]
        doc = docs.get(p["document_id"])
        p["source"] = doc.source if doc else ""
        record = records.get(p["id"])
        if p.get("occurred_at") is None and record is not None:
            p["occurred_at"] = record.occurred_at


def supersessions_touching(
    view: NamespaceView, fact_ids: set[str], fact_units: dict[str, list[str]] | None = None
) -> list[Supersession]:
    """SUPERSEDED_BY links whose old or new fact is in ``fact_ids``, read from the documents that
    support those facts or other facts about the same subjects (the store keeps a supersession with
    the document of its newer fact)."""
    if not fact_ids:
        return []
    subjects = {f.subject for f in view.index.fact_records if f.id in fact_ids}
    related_records = [f for f in view.index.fact_records if f.subject in subjects or f.id in fact_ids]
    if not any(f.invalid_at is not None for f in related_records):
        return []  # every supersession ends its old fact's validity: none here
    related = fact_ids | {f.id for f in related_records}
    fact_units = fact_units if fact_units is not None else view.store.fact_units()
    unit_ids = sorted({u for f in related for u in fact_units.get(f, [])})
    doc_ids = sorted({u.document_id for u in view.units(unit_ids).values()})
    found: dict[tuple[str, str], Supersession] = {}
    for doc_id in doc_ids[: MAX_EXPORTS * 4]:
        batch = view.store.export_document(doc_id)
        for s in batch.supersessions if batch else []:
            if s.old_fact_id in fact_ids or s.new_fact_id in fact_ids:
                found[(s.old_fact_id, s.new_fact_id)] = s
    return [found[k] for k in sorted(found)]


def fact_status(fact: Fact, as_of: str | None) -> str:
    """``current``/``superseded`` now, or ``valid``/``not_yet_valid``/``superseded`` at ``as_of``."""
    if as_of is None:
        return "current" if fact.invalid_at is None else "superseded"
    if fact.valid_from is not None and fact.valid_from[: len(as_of)] > as_of:
        return "not_yet_valid"
    ended = fact.invalid_at is not None and (fact.invalid_at == "" or fact.invalid_at[: len(as_of)] <= as_of)
    return "superseded" if ended else "valid"


def _fact_row(fact: Fact) -> dict:
    return {
        "id": fact.id,
        "subject": fact.subject,
        "predicate": fact.predicate,
        "object": fact.object,
        "text": fact.text,
        "valid_from": fact.valid_from,
        "invalid_at": fact.invalid_at,
    }


@one_snapshot
def entity_history(service: MemoryService, namespace: str, entity_id: str, as_of: str | None = None) -> dict:
    """An entity's name, aliases, facts as a timeline (with provenance and supersession) and mentions."""
    as_of = check_as_of(as_of)
    view = NamespaceView.of(service, namespace)
    index = view.index
    if entity_id not in index.graph.index or entity_id in index.unit_kind:
        raise LookupError(f"no entity {entity_id!r} in namespace {namespace!r} (list them with GET /entities)")
    facts = {f.id: f for f in index.fact_records if entity_id in (f.subject, f.object)}
    facts |= {f.id: f for f in view.store.facts_about(entity_id)}
    fact_units = view.store.fact_units()
    links = supersessions_touching(view, set(facts), fact_units)
    others = {s.new_fact_id for s in links} | {s.old_fact_id for s in links}
    extra = {f.id: f for f in view.store.facts(sorted(others - set(facts)))}
    mentioning = view.unit_neighbours(entity_id)
    unit_ids = sorted({u for f in facts for u in fact_units.get(f, [])} | set(mentioning))
    records = view.units(unit_ids)
    docs = view.documents()
    name = _entity_name(view, entity_id, [records[u].document_id for u in unit_ids if u in records])
    timeline = []
    for fact in sorted(facts.values(), key=lambda f: (f.valid_from or "", f.created_at, f.id)):
        row = _fact_row(fact)
        row["status"] = fact_status(fact, as_of)
        row["superseded_by"] = [
            _fact_row(facts.get(s.new_fact_id) or extra[s.new_fact_id]) | {"at": s.at}
            for s in links
            if s.old_fact_id == fact.id and (s.new_fact_id in facts or s.new_fact_id in extra)
        ]
        row["supersedes"] = [s.old_fact_id for s in links if s.new_fact_id == fact.id]
        row["sources"] = [
            unit_row(records[u], docs) | {"text": records[u].text[:300]}
            for u in fact_units.get(fact.id, [])
            if u in records
        ]
        timeline.append(row)
    mentions = [unit_row(records[u], docs) for u in mentioning if u in records]
    if as_of is not None:
        mentions = [m for m in mentions if not m["occurred_at"] or m["occurred_at"][: len(as_of)] <= as_of]
    mentions.sort(key=lambda m: (m["occurred_at"] or "", m["id"]))
    aliases = sorted(
        (
            {"id": e.target if e.source == entity_id else e.source, "score": round(e.score, 4)}
            for e in view.store.synonym_edges()
            if entity_id in (e.source, e.target)
        ),
        key=lambda a: (-a["score"], a["id"]),  # type: ignore[operator]
    )
    return {
        "id": entity_id,
        "name": name,
        "namespace": namespace,
        "as_of": as_of,
        "aliases": aliases,
        "mentions": int(index.unit_mentions.get(entity_id, 0)),
        "facts": timeline,
        "units": mentions,
    }


def _entity_name(view: NamespaceView, entity_id: str, doc_ids: list[str]) -> str:
    """The stored surface name (read with a document that mentions it), else the normalized id."""
    for doc_id in list(dict.fromkeys(doc_ids))[:3]:
        batch = view.store.export_document(doc_id)
        for entity in batch.entities if batch else []:
            if entity.id == entity_id:
                return entity.name or entity_id
    return entity_id


@one_snapshot
def deletion_preview(service: MemoryService, namespace: str, document_id: str) -> dict:
    """What deleting ``document_id`` removes (counts as ``GET /stats`` counts them) and which facts
    and entities only it supports; the cascade rules are the stores' (``delete_document``)."""
    view = NamespaceView.of(service, namespace)
    batch = view.store.export_document(document_id)
    if batch is None:
        raise LookupError(f"no document {document_id!r} in namespace {namespace!r} (list them with GET /documents)")
    units = {u.id for u in batch.passages} | {e.id for e in batch.episodes}
    fact_units = view.store.fact_units()
    touched_facts = {s.fact_id for s in batch.supports}
    gone_facts = {f for f in touched_facts if set(fact_units.get(f, [])) <= units}
    superseded = supersessions_touching(view, gone_facts, fact_units) if gone_facts else []
    gone_links = [s for s in superseded if s.old_fact_id in gone_facts or s.new_fact_id in gone_facts]
    # A fact superseded only through links that go away is valid again (the stores restore it).
    olds = {s.old_fact_id for s in gone_links if s.old_fact_id not in gone_facts}
    every_link = supersessions_touching(view, olds, fact_units) if olds else []
    restored = sorted(o for o in olds if all(s.old_fact_id != o or s in gone_links for s in every_link))
    facts_by_id = {f.id: f for f in batch.facts}
    touched_entities = {m.entity_id for m in batch.mentions}
    touched_entities |= {
        e for f in touched_facts if f in facts_by_id for e in (facts_by_id[f].subject, facts_by_id[f].object)
    }
    still_used = {e for f in view.index.fact_records if f.id not in gone_facts for e in (f.subject, f.object)}
    gone_entities = sorted(
        e for e in touched_entities if e not in still_used and not set(view.unit_neighbours(e)) - units
    )
    gone_set = set(gone_entities)
    synonyms = [e for e in view.store.synonym_edges() if e.source in gone_set or e.target in gone_set]
    episodes = {e.id for e in batch.episodes}
    chain = view.index.next_episode
    next_edges = {(a, b) for a, b in chain.items() if a in episodes or b in episodes}
    n_facts = len(gone_facts)
    edges = {
        "HAS_PASSAGE": len(batch.passages),
        "HAS_EPISODE": len(batch.episodes),
        "MENTIONS": len(batch.mentions),
        "SUPPORTS": len(batch.supports),
        "RELATES": n_facts,
        "SUBJECT": n_facts,
        "OBJECT": n_facts,
        "SYNONYM": len(synonyms),
        "NEXT": len(next_edges),
        "SUPERSEDED_BY": len(gone_links),
    }
    names = {f.id: f.text for f in batch.facts}
    return {
        "document_id": document_id,
        "namespace": namespace,
        "dry_run": True,
        "removes": {
            "documents": 1,
            "passages": len(batch.passages),
            "episodes": len(batch.episodes),
            "entities": len(gone_entities),
            "facts": n_facts,
            "edges": sum(edges.values()),
            "edges_by_type": dict(sorted(edges.items())),
        },
        "facts": [{"id": f, "text": names.get(f, f)} for f in sorted(gone_facts)],
        "entities": gone_entities,
        "facts_restored": restored,
    }


@one_snapshot
def overview(service: MemoryService, namespace: str) -> dict:
    """Counts, namespaces, the store (credentials masked), last change and the index state."""
    reader = service.namespace(namespace).reader
    store = reader.store
    index = reader.retriever.indexes.get()
    generation = store.generation()
    n_units = len(index.units)
    return {
        "namespace": namespace,
        "store": redact_uri(store.uri),
        "namespaces": store.namespaces(),
        "stats": store.stats().as_dict(),
        "generation": generation,
        "index": {
            "generation": index.generation,
            "up_to_date": index.generation == generation,
            "units": n_units,
            "facts": len(index.facts),
            "graph_nodes": len(index.graph.index),
            "entities": len(index.graph.index) - n_units,
            "vector_index": reader.retriever.indexes.backend,
        },
    }


def list_documents(
    service: MemoryService,
    namespace: str,
    *,
    q: str | None = None,
    title: str | None = None,
    source: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict:
    """Documents filtered by substrings of title/source, kind (``passages``/``episodes``) and the
    ingestion date range [since, until] (ISO dates, compared by prefix)."""
    since, until = check_as_of(since), check_as_of(until)
    rows = []
    for d in service.namespace(namespace).reader.documents():
        doc_kind = "episodes" if d.episodes and not d.passages else "passages"
        if q and not any(q.lower() in (v or "").lower() for v in (d.source, d.title, d.id)):
            continue
        if title and title.lower() not in (d.title or "").lower():
            continue
        if source and source.lower() not in (d.source or "").lower():
            continue
        if kind and kind != doc_kind:
            continue
        if since and d.ingested_at[: len(since)] < since:
            continue
        if until and d.ingested_at[: len(until)] > until:
            continue
        rows.append(d.as_dict() | {"kind": doc_kind})
    return {"total": len(rows), "offset": offset, "limit": limit, "items": rows[offset : offset + limit]}
