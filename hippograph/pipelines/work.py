"""The compute half of ingestion, from plain data to plain data: a group of prepared documents in,
extracted and embedded ``DocumentBatch`` records out. Runs in the caller's process or in any
worker process (Dask, Ray); models load once per process, keyed by the settings that name them."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Settings
from ..embedding import Embedder, load_embedder
from ..extract import get_extractor
from ..extract.base import Extraction, Extractor
from ..records import DocumentBatch
from .build import Prepared, build_batch
from .embed import VectorCache, embed_batches


@dataclass
class Models:
    """What the compute steps need: an embedder, an extractor and the embedder's vector cache."""

    embedder: Embedder
    extractor: Extractor
    cache: VectorCache = field(default_factory=VectorCache)


@lru_cache(maxsize=4)
def _models(embedder: str, batch_size: int, extractor: str, llm: str | None) -> Models:
    chat_model = None
    if extractor == "llm" and llm:
        from ..llm import load_chat_model

        chat_model = load_chat_model(llm)
    return Models(load_embedder(embedder, batch_size), get_extractor(extractor, chat_model))


def models_for(settings: Settings, extractor: str | None = None) -> Models:
    """This process's models for ``settings`` (loaded on first use, then reused by every task)."""
    if settings.torch_threads:
        import torch

        if torch.get_num_threads() != settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
    return _models(settings.embedder, settings.embed_batch_size, extractor or settings.extractor, settings.llm)


@dataclass(frozen=True)
class Worker:
    """A process that did compute work (the run summary lists them)."""

    host: str
    pid: int

    @classmethod
    def here(cls) -> Worker:
        return cls(socket.gethostname(), os.getpid())


@dataclass
class Extracted:
    """A group's extractions (one list per document, one ``Extraction`` per unit)."""

    extractions: list[list[Extraction]]
    worker: Worker
    seconds: float = 0.0


@dataclass
class GroupResult:
    """A processed group: its documents' records with vectors, and who computed them how fast."""

    batches: list[DocumentBatch]
    skipped_triples: int
    workers: list[Worker]
    extract_seconds: float = 0.0
    embed_seconds: float = 0.0


def extract(group: list[Prepared], extractor: Extractor) -> list[list[Extraction]]:
    """Extractions of every unit of every document, in one extractor call (precomputed ones pass)."""
    out: list[list[Extraction]] = []
    texts: list[str] = []
    titles: list[str] = []
    owners: list[int] = []
    for i, prepared in enumerate(group):
        if prepared.source.extractions is not None:
            out.append(list(prepared.source.extractions))
        else:
            out.append([])
            texts += prepared.extract_texts or prepared.unit_texts  # markdown: code left out
            titles += prepared.titles
            owners += [i] * len(prepared.unit_texts)
    for owner, extraction in zip(owners, extractor.extract(texts, titles) if texts else []):
        out[owner].append(extraction)
    return out


def build(group: list[Prepared], extractions: list[list[Extraction]], now: str) -> list[DocumentBatch]:
    """The records of each document of a group (vectors are attached by ``embed_batches``)."""
    return [build_batch(prepared, doc_extractions, now) for prepared, doc_extractions in zip(group, extractions)]


def extract_group(group: list[Prepared], models: Models) -> Extracted:
    """The extract step of a group, timed, signed by this process."""
    start = time.perf_counter()
    extractions = extract(group, models.extractor)
    return Extracted(extractions, Worker.here(), time.perf_counter() - start)


def embed_group(
    group: list[Prepared], extracted: Extracted, models: Models, now: str, extracted_here: bool = True
) -> GroupResult:
    """build -> embed for a group whose extractions are known. ``extracted_here`` False leaves the
    extracting process out of the result's workers (extractions reused from a cache)."""
    start = time.perf_counter()
    batches = build(group, extracted.extractions, now)
    embed_batches(batches, models.embedder, models.cache)
    workers = [extracted.worker] if extracted_here else []
    if Worker.here() not in workers:
        workers.append(Worker.here())
    skipped = sum(e.skipped_triples for doc in extracted.extractions for e in doc)
    return GroupResult(
        batches, skipped, workers, extracted.seconds if extracted_here else 0.0, time.perf_counter() - start
    )


def process_group(group: list[Prepared], models: Models, now: str) -> GroupResult:
    """extract -> build -> embed for one group of documents, in this process."""
    return embed_group(group, extract_group(group, models), models, now)
