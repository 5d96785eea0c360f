"""The ingestion driver, one straight sequence: plan -> prepare -> (extract -> build -> embed, by
group, anywhere) -> supersede -> write -> synonyms. No orchestration framework here: the SDK, the
CLI, the Prefect flows and the benchmarks all run ``ingest`` and differ only in how groups are
processed (in this process, on threads, on Dask or Ray workers)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..config import Settings
from ..extract.readers import Problem, SourceDocument
from ..extract.validate import document_problem
from ..graph.store import GraphStore
from ..graph.synonyms import SynonymFinder
from ..ids import DEFAULT_NAMESPACE
from .build import Prepared, prepare
from .isolate import DOCUMENT_ERRORS, duplicate_problem
from .temporal import DEFAULT_RULES, TemporalRules
from .work import GroupResult, Worker
from .write import WritePolicy, write_group

Progress = Callable[[int, int], None]
# Processes groups of prepared documents and yields, in group order, each group's result (or the
# exception that made the group fail). ``now`` is the run's timestamp.
GroupProcessor = Callable[[list[list[Prepared]], str], Iterable["GroupResult | Exception"]]


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
    workers: list[Worker] = field(default_factory=list)  # processes that extracted or embedded
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old source, new source), same content
    deleted: list[str] = field(default_factory=list)  # ids removed by sync (their file is gone)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed over groups and workers

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "failed": len(self.problems),
            "skipped_triples": self.skipped_triples,
            "synonyms_added": self.synonyms_added,
            "facts_superseded": self.facts_superseded,
            "problems": [{"source": p.source, "reason": p.reason} for p in self.problems],
            "workers": [{"host": w.host, "pid": w.pid} for w in self.workers],
            "renamed": [{"from": old, "to": new} for old, new in self.renamed],
            "deleted": len(self.deleted),
        }


@dataclass
class Plan:
    """The documents a run will write (new or changed since the store last saw them)."""

    now: str
    stored: dict[str, str]
    pending: list[Prepared] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)


def signature(doc: SourceDocument, extractor: str, settings: Settings) -> str:
    """What, besides the content, shapes a document's records (a change forces re-ingestion)."""
    name = "precomputed" if doc.extractions is not None else extractor
    return f"extractor={name};chunk={settings.chunk_size}/{settings.chunk_overlap}"


def plan(
    items: Iterable[SourceDocument | Problem],
    hashes: Callable[[list[str]], dict[str, str]],
    settings: Settings,
    extractor: str | None = None,
    now: str | None = None,
    namespace: str = DEFAULT_NAMESPACE,
) -> Plan:
    """Prepare (chunk and fingerprint) every document of ``namespace``; keep those new or changed.
    ``hashes(ids)`` gives the stored content hash of those ids (looked up 500 at a time: planning
    costs the documents given, not the documents stored)."""
    result = Plan(now=now or datetime.now(timezone.utc).isoformat(), stored={})
    extractor = extractor or settings.extractor
    seen: dict[str, str] = {}  # id -> content hash of the documents read so far this run
    buffered: list[Prepared] = []

    def keep_changed() -> None:
        result.stored |= hashes([p.document.id for p in buffered])
        for prepared in buffered:
            doc = prepared.document
            clash = duplicate_problem(doc, seen)
            if clash is not None:
                result.report.problems.append(clash)
                continue
            if doc.id in seen or result.stored.get(doc.id) == doc.content_hash:
                result.report.unchanged.append(doc.id)
                continue
            seen[doc.id] = doc.content_hash
            result.pending.append(prepared)
        buffered.clear()

    for item in items:
        if isinstance(item, Problem):
            result.report.problems.append(item)
            continue
        unstorable = document_problem(item)  # documents given directly (SDK, server) are checked too
        if unstorable is not None:
            result.report.problems.append(unstorable)
            continue
        try:
            buffered.append(
                prepare(
                    item,
                    signature(item, extractor, settings),
                    settings.chunk_size,
                    settings.chunk_overlap,
                    result.now,
                    namespace,
                )
            )
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. unserializable metadata
            result.report.problems.append(Problem(item.source, f"cannot prepare it: {type(exc).__name__}: {exc}"))
            continue
        if len(buffered) >= 500:
            keep_changed()
    keep_changed()
    return result


def split(pending: list[Prepared], size: int) -> list[list[Prepared]]:
    """Consecutive groups of at most ``size`` documents (the unit of work a worker gets)."""
    size = max(1, size)
    return [pending[i : i + size] for i in range(0, len(pending), size)]


def ingest(
    items: Iterable[SourceDocument | Problem],
    store: GraphStore,
    settings: Settings,
    process: GroupProcessor,
    *,
    extractor: str | None = None,
    judge=None,
    group_size: int | None = None,
    parallelism: int = 1,
    policy: WritePolicy | None = None,
    progress: Progress | None = None,
    synonyms: SynonymFinder | None = None,
) -> IngestReport:
    """Ingest ``items`` into ``store``: the one driver loop of every entry point.

    Groups are processed by ``process`` (possibly elsewhere, in parallel: ``parallelism`` workers
    get groups small enough to share the work) and written here, in plan order, by this single
    writer. Document problems are reported, never raised; an
    unreachable store raises ``StoreUnavailable`` once ``policy.deadline`` has passed. ``synonyms``
    is the entity neighbour index kept between runs (a fresh one is built when absent).
    """
    run = plan(items, store.document_hashes, settings, extractor, namespace=store.namespace)
    report = run.report
    size = group_size or settings.ingest_group_size
    if parallelism > 1:  # several groups per worker, so every worker gets work and none idles at the end
        size = min(size, -(-len(run.pending) // (4 * parallelism)))
    groups = split(run.pending, size)
    outcomes = process(groups, run.now)
    try:
        _drive(
            store,
            run,
            groups,
            outcomes,
            judge,
            policy or WritePolicy(),
            progress,
            retry=lambda singles: process(singles, run.now),
            rules=TemporalRules(tuple(settings.functional_relations)),
        )
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:  # a run that stopped early cancels the work still queued
            close()
    start = time.perf_counter()
    if synonyms is None or synonyms.threshold != settings.synonym_threshold:
        synonyms = SynonymFinder(settings.synonym_threshold)
    report.synonyms_added = synonyms.add_pending(store)
    report.stage_seconds["synonyms"] = time.perf_counter() - start
    return report


def _drive(
    store: GraphStore,
    run: Plan,
    groups: list[list[Prepared]],
    outcomes: Iterable[GroupResult | Exception],
    judge,
    policy: WritePolicy,
    progress: Progress | None,
    retry: Callable[[list[list[Prepared]]], Iterable] | None = None,
    rules: TemporalRules = DEFAULT_RULES,
) -> None:
    """Write each group as its result arrives, in plan order. A group that failed is processed
    again one document per group (``retry``), so only the documents that fail are refused.
    Supersession follows ``rules`` (the default vocabulary plus the configured functional relations)."""
    report = run.report
    total, done = len(run.pending), 0
    if progress:
        progress(0, total)
    write_seconds = 0.0

    def handle(group: list[Prepared], outcome: GroupResult | Exception) -> None:
        nonlocal done, write_seconds
        if isinstance(outcome, Exception):
            if len(group) > 1 and retry is not None:
                singles = [[p] for p in group]
                for single, again in zip(singles, retry(singles)):
                    handle(single, again)
                return
            reason = f"extraction/embedding failed: {type(outcome).__name__}: {outcome}"
            report.problems += [Problem(p.source.source, reason) for p in group]
        else:
            _record_compute(report, outcome)
            start = time.perf_counter()
            for batch, error in write_group(store, outcome.batches, judge, policy, report, rules):
                doc = batch.document
                done += 1
                if progress:  # per document, not per group
                    progress(min(done, total), total)
                if error is not None:
                    report.problems.append(Problem(doc.source, error))
                    continue
                report.facts_superseded += len(batch.supersessions)
                (report.updated if doc.id in run.stored else report.added).append(doc.id)
            write_seconds += time.perf_counter() - start

    for group, outcome in zip(groups, outcomes):
        before = done
        handle(group, outcome)
        done = before + len(group)
        if progress:
            progress(done, total)
    report.stage_seconds["write"] = write_seconds


def _record_compute(report: IngestReport, outcome: GroupResult) -> None:
    report.skipped_triples += outcome.skipped_triples
    report.workers += [w for w in outcome.workers if w not in report.workers]
    for stage, seconds in (("extract", outcome.extract_seconds), ("embed", outcome.embed_seconds)):
        report.stage_seconds[stage] = report.stage_seconds.get(stage, 0.0) + seconds


def in_process(models) -> GroupProcessor:
    """Process groups one after another in this process (lazily: each group is computed just
    before it is written, so a long run keeps little in memory)."""
    from .work import process_group

    def run(groups: list[list[Prepared]], now: str) -> Iterator[GroupResult | Exception]:
        for group in groups:
            try:
                yield process_group(group, models, now)
            except DOCUMENT_ERRORS as exc:  # the group's documents are reported; the run goes on
                yield exc

    return run
