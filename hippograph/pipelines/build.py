"""Turn a read document into the records it contributes (units, entities, facts, provenance)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from ..extract.base import Extraction
from ..extract.chunking import chunk_text
from ..extract.readers import SourceDocument
from ..ids import DEFAULT_NAMESPACE, content_hash, document_id, entity_id, fact_id, normalize_name, short_hash
from ..records import Document, DocumentBatch, Entity, Episode, Fact, Mention, Passage, Support


@dataclass
class Prepared:
    """A document split into units, waiting for extraction and embedding."""

    source: SourceDocument
    document: Document
    unit_texts: list[str]
    titles: list[str]
    namespace: str = DEFAULT_NAMESPACE


def prepare(doc: SourceDocument, signature: str, chunk_size: int, overlap: int, now: str,
            namespace: str = DEFAULT_NAMESPACE) -> Prepared:
    """Chunk (unless pre-chunked) and fingerprint a document."""
    if doc.turns is not None:
        units = [t.text for t in doc.turns]
    elif doc.passages is not None:
        units = list(doc.passages)
    else:
        units = [c.text for c in chunk_text(doc.text, chunk_size, overlap)]
    precomputed = ""
    if doc.extractions is not None:
        precomputed = json.dumps([[e.entities, e.triples] for e in doc.extractions], sort_keys=True)
    digest = content_hash("\n\x1e".join([signature, doc.format, doc.text, precomputed,
                                         json.dumps(doc.metadata, sort_keys=True)]))
    document = Document(
        id=document_id(doc.source, namespace), source=doc.source, title=doc.title, content_hash=digest,
        ingested_at=now, metadata_json=json.dumps(doc.metadata, sort_keys=True),
    )
    # Pronouns resolve to the title: for a chat turn that is its speaker ("I moved" -> speaker).
    titles = [t.speaker for t in doc.turns] if doc.turns is not None else [doc.title] * len(units)
    return Prepared(doc, document, units, titles, namespace)


def build_batch(prepared: Prepared, extractions: list[Extraction], now: str) -> DocumentBatch:
    """Records of one document (embeddings are attached later)."""
    doc = prepared.document
    batch = DocumentBatch(document=doc)
    turns = prepared.source.turns
    entity_names: dict[str, Counter] = {}
    entity_types: dict[str, str] = {}
    facts: dict[str, Fact] = {}
    supports: set[tuple[str, str]] = set()
    mentions: Counter = Counter()
    for position, (text, extraction) in enumerate(zip(prepared.unit_texts, extractions)):
        if turns is not None:
            turn = turns[position]
            unit_id = short_hash(doc.id, "episode", str(position))
            batch.episodes.append(Episode(unit_id, doc.id, text, turn.occurred_at, turn.speaker, position,
                                          turn.source_id))
            when = turn.occurred_at
        else:
            unit_id = short_hash(doc.id, "passage", str(position))
            source_id = doc.source if len(prepared.unit_texts) == 1 else f"{doc.source}#{position}"
            batch.passages.append(Passage(unit_id, doc.id, text, prepared.titles[position], position, source_id))
            when = None

        def entity(surface: str, kind: str = "") -> str | None:
            key = entity_id(surface, prepared.namespace)
            if not key:
                return None
            entity_names.setdefault(key, Counter())[surface] += 1
            if kind and not entity_types.get(key):
                entity_types[key] = kind
            mentions[(unit_id, key)] += 1
            return key

        for surface, kind in extraction.entities:
            entity(surface, kind)
        for subject, predicate, obj in extraction.triples:
            s, o = entity(subject), entity(obj)
            if not s or not o or s == o or not normalize_name(predicate):
                continue
            fid = fact_id(s, predicate, o)
            if fid not in facts:
                facts[fid] = Fact(fid, s, predicate.strip(), o, f"{subject} {predicate.strip()} {obj}",
                                  valid_from=when, created_at=now)
            supports.add((unit_id, fid))
    batch.entities = [
        Entity(key, names.most_common(1)[0][0], entity_types.get(key, "")) for key, names in entity_names.items()
    ]
    batch.facts = list(facts.values())
    batch.mentions = [Mention(u, e, c) for (u, e), c in mentions.items()]
    batch.supports = [Support(u, f) for u, f in sorted(supports)]
    return batch
