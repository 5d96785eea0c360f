"""Turn a read document into the records it contributes (units, entities, facts, provenance)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from ..dates import parse_written_date
from ..extract.aliases import alias_map
from ..extract.base import Extraction
from ..extract.chunking import chunk_text
from ..extract.readers import SourceDocument
from ..ids import DEFAULT_NAMESPACE, content_hash, document_id, entity_id, fact_id, normalize_name, short_hash
from ..records import Document, DocumentBatch, Entity, Episode, Fact, Mention, Passage, Support
from .temporal import DEFAULT_RULES, TemporalRules


@dataclass
class Prepared:
    """A document split into units, waiting for extraction and embedding."""

    source: SourceDocument
    document: Document
    unit_texts: list[str]
    titles: list[str]  # what pronouns resolve to: the document title, a chat turn's speaker
    namespace: str = DEFAULT_NAMESPACE
    passage_titles: list[str] | None = None  # section titles of markdown units (else ``titles``)
    extract_texts: list[str] | None = None  # what extraction reads when it differs (code left out)
    links: list[list[str]] | None = None  # wikilink targets of each unit
    date: str | None = None  # the document's date (front matter, --date, opt-in file time)


def prepare(
    doc: SourceDocument, signature: str, chunk_size: int, overlap: int, now: str, namespace: str = DEFAULT_NAMESPACE
) -> Prepared:
    """Chunk (unless pre-chunked) and fingerprint a document."""
    sectioned = None
    if doc.turns is not None:
        units = [t.text for t in doc.turns]
    elif doc.sections is not None:
        sectioned = _section_units(doc, chunk_size, overlap)
        units = sectioned[0]
    elif doc.passages is not None:
        units = list(doc.passages)
    else:
        units = [c.text for c in chunk_text(doc.text, chunk_size, overlap)]
    precomputed = ""
    if doc.extractions is not None:
        precomputed = json.dumps([[e.entities, e.triples] for e in doc.extractions], sort_keys=True)
    digest = content_hash(
        "\n\x1e".join([signature, doc.format, doc.text, precomputed, json.dumps(doc.metadata, sort_keys=True)])
    )
    document = Document(
        id=document_id(doc.source, namespace),
        source=doc.source,
        title=doc.title,
        content_hash=digest,
        ingested_at=now,
        metadata_json=json.dumps(doc.metadata, sort_keys=True),
    )
    # Pronouns resolve to the title: for a chat turn that is its speaker ("I moved" -> speaker).
    titles = [t.speaker for t in doc.turns] if doc.turns is not None else [doc.title] * len(units)
    prepared = Prepared(doc, document, units, titles, namespace, date=doc.metadata.get("date"))
    if sectioned is not None:
        _, prepared.passage_titles, prepared.extract_texts, prepared.links = sectioned
    return prepared


def _section_units(doc: SourceDocument, chunk_size: int, overlap: int):
    """Units of a markdown document: each section chunked on its own, titled by its heading."""
    units, titles, prose, links = [], [], [], []
    for section in doc.sections or []:
        # chunk_text squeezes whitespace within paragraphs: match code the same way.
        code = [" ".join(p.split()) for block in section.code for p in block.split("\n\n") if p.strip()]
        for chunk in chunk_text(section.text, chunk_size, overlap):
            units.append(chunk.text)
            titles.append(section.title)
            text = chunk.text
            for block in code:
                text = text.replace(block, "")
            prose.append(text)
            links.append(list(section.links))
    return units, titles, prose, links


def _document_aliases(prepared: Prepared, extractions: list[Extraction]) -> dict[str, str]:
    """First name -> full name within one document: only full names typed PERSON here count."""

    def key(name: str) -> str:
        return entity_id(name, prepared.namespace)

    people = {key(surface) for e in extractions for surface, kind in e.entities if kind == "PERSON"}
    # A speaker introducing themselves ("I'm Sam Carter") names their full name.
    speakers = {key(t.speaker) for t in prepared.source.turns or []}
    people |= {key(o) for e in extractions for s, p, o in e.triples if key(s) in speakers and normalize_name(p) == "be"}
    names = {
        key(x)
        for e in extractions
        for x in [*(s for s, _ in e.entities), *(a for t in e.triples for a in (t[0], t[2]))]
    }
    return alias_map((names | speakers | people) - {""}, people - {""})


def build_batch(
    prepared: Prepared, extractions: list[Extraction], now: str, rules: TemporalRules = DEFAULT_RULES
) -> DocumentBatch:
    """Records of one document (embeddings are attached later).

    Facts are valid from the date their sentence states ("since March 2021"), else the unit's
    date (a turn's time, the note's date). First names resolve to the document's one full name.
    """
    doc = prepared.document
    batch = DocumentBatch(document=doc)
    turns = prepared.source.turns
    aliases = _document_aliases(prepared, extractions)
    entity_names: dict[str, Counter] = {}
    entity_types: dict[str, str] = {}
    for extraction in extractions:
        for surface, kind in extraction.entities:
            key = entity_id(surface, prepared.namespace)
            key = aliases.get(key, key)
            if kind and key and not entity_types.get(key):
                entity_types[key] = kind
    # How a full name is written, for facts whose sentence used the first name only.
    full_surface: dict[str, str] = {}
    for extraction in extractions:
        for surface in [*(x for x, _ in extraction.entities), *(a for t in extraction.triples for a in (t[0], t[2]))]:
            full_surface.setdefault(entity_id(surface, prepared.namespace), surface)
    facts: dict[str, Fact] = {}
    supports: set[tuple[str, str]] = set()
    mentions: Counter = Counter()
    for position, (text, extraction) in enumerate(zip(prepared.unit_texts, extractions)):
        if turns is not None:
            turn = turns[position]
            unit_id = short_hash(doc.id, "episode", str(position))
            batch.episodes.append(
                Episode(unit_id, doc.id, text, turn.occurred_at, turn.speaker, position, turn.source_id)
            )
            when = turn.occurred_at
        else:
            unit_id = short_hash(doc.id, "passage", str(position))
            source_id = doc.source if len(prepared.unit_texts) == 1 else f"{doc.source}#{position}"
            title = (prepared.passage_titles or prepared.titles)[position]
            batch.passages.append(Passage(unit_id, doc.id, text, title, position, source_id, prepared.date))
            when = prepared.date

        def entity(surface: str, kind: str = "") -> str | None:
            key = entity_id(surface, prepared.namespace)
            if not key:
                return None
            names = entity_names.setdefault(aliases.get(key, key), Counter())
            if key in aliases:
                key = aliases[key]
            else:
                names[surface] += 1
            mentions[(unit_id, key)] += 1  # noqa: B023 (called right away, inside this iteration)
            return key

        for surface, _kind in extraction.entities:
            entity(surface)
        for name in prepared.links[position] if prepared.links else []:
            entity(name)
        for n, (subject, predicate, obj) in enumerate(extraction.triples):
            s, o = entity(subject), entity(obj)
            if not s or not o or s == o or not normalize_name(predicate):
                continue
            predicate = rules.canonical_predicate(predicate.strip(), entity_types.get(o, ""))
            phrase = extraction.dates[n] if n < len(extraction.dates) else ""
            valid_from = (parse_written_date(phrase, when) if phrase else None) or when
            fid = fact_id(s, predicate, o)
            if fid not in facts:
                said = [
                    full_surface.get(k, x) if entity_id(x, prepared.namespace) != k else x
                    for k, x in ((s, subject), (o, obj))
                ]
                facts[fid] = Fact(
                    fid, s, predicate, o, f"{said[0]} {predicate} {said[1]}", valid_from=valid_from, created_at=now
                )
            supports.add((unit_id, fid))
    batch.entities = [
        # The full name a first name stands for is the entity's name.
        Entity(key, names.most_common(1)[0][0] if names else full_surface.get(key, key), entity_types.get(key, ""))
        for key, names in entity_names.items()
    ]
    batch.facts = list(facts.values())
    batch.mentions = [Mention(u, e, c) for (u, e), c in mentions.items()]
    batch.supports = [Support(u, f) for u, f in sorted(supports)]
    return batch
