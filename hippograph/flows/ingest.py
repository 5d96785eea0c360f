"""Prefect flows over the ingestion pipeline: retries, cached extraction, bounded concurrency.

The flow holds no ingestion logic of its own: each task calls one step of
``hippograph.pipelines.ingest.IngestPipeline``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from ..config import Settings
from ..extract.readers import Problem, read_sources
from ..memory import Memory
from ..pipelines.build import Prepared
from ..pipelines.ingest import IngestPipeline, Plan
from ..pipelines.sync import delete_stale
from ..records import DocumentBatch


def _extraction_key(context, parameters) -> str:
    # The content hash covers the text and the extractor/chunking signature.
    return "hippograph-extract-" + parameters["prepared"].document.content_hash


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(pipeline: IngestPipeline, sources: list[str], format: str) -> Plan:
    """Read sources and keep the documents that are new or changed."""
    return pipeline.plan(read_sources(sources, format), datetime.now(timezone.utc).isoformat())


@task(name="extract", cache_key_fn=_extraction_key, persist_result=True, retries=2, retry_delay_seconds=1)
def extract_task(pipeline: IngestPipeline, prepared: Prepared):
    """Extract one document (cached by content hash + extractor config; retried on failure)."""
    return pipeline.extract([prepared])[0]


@task(name="embed", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def embed_task(pipeline: IngestPipeline, group: list[Prepared], extractions: list, plan: Plan) -> list[DocumentBatch]:
    """Build and embed a group of documents in one encoder pass."""
    return pipeline.build(group, extractions, plan)


@task(name="write", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 2, 4])
def write_task(pipeline: IngestPipeline, batch: DocumentBatch) -> DocumentBatch:
    """Write one document in one transaction; transient failures are retried with backoff."""
    pipeline.write(batch)
    return batch


@task(name="sync", cache_policy=NO_CACHE)
def sync_task(pipeline: IngestPipeline, sources: list[str]) -> list[str]:
    return delete_stale(pipeline.store, sources)


@flow(name="hippograph-ingest", task_runner=ThreadPoolTaskRunner(max_workers=4), validate_parameters=False,
      log_prints=True)
def ingest_flow(
    sources: list[str],
    store: str | None = None,
    format: str = "auto",
    extractor: str = "spacy",
    embedder: str | None = None,
    sync: bool = False,
    group_size: int = 32,
    write_retry_delays: list[float] | None = None,
    memory: Memory | None = None,
) -> dict:
    """Ingest ``sources`` into the store: only new/changed documents, each written atomically.

    Permanently failing documents are reported in the summary (and the run artifact); the
    others land. ``memory`` lets in-process callers pass an open ``Memory``.
    """
    logger = get_run_logger()
    own = memory is None
    memory = memory or Memory(Settings.from_env(store=store, embedder=embedder))
    try:
        pipeline = memory.pipeline(extractor)
        plan = plan_task(pipeline, sources, format)
        extraction_futures = extract_task.map(unmapped(pipeline), plan.pending)
        writer = write_task if write_retry_delays is None else write_task.with_options(
            retry_delay_seconds=write_retry_delays, retries=len(write_retry_delays))
        write_futures = []
        for start in range(0, len(plan.pending), group_size):
            group = plan.pending[start : start + group_size]
            futures = extraction_futures[start : start + group_size]
            extracted = []
            for prepared, future in zip(group, futures):
                future.wait()
                if future.state.is_failed():
                    plan.report.problems.append(Problem(prepared.source.source, f"extraction failed: {_error(future)}"))
                else:
                    extracted.append((prepared, future.result()))
            if not extracted:
                continue
            batches = embed_task(pipeline, [p for p, _ in extracted], [e for _, e in extracted], plan)
            write_futures += [(b, writer.submit(pipeline, b)) for b in batches]
        wait([f for _, f in write_futures])
        for batch, future in write_futures:
            if future.state.is_failed():
                plan.report.problems.append(Problem(batch.document.source, _error(future)))
            else:
                plan.record_written(batch)
        report = pipeline.finish(plan)
        deleted = sync_task(pipeline, sources) if sync else []
        summary = report.as_dict() | {"deleted": len(deleted), "store": memory.store.uri}
        for problem in report.problems:
            logger.warning("failed %s: %s", problem.source, problem.reason)
        create_markdown_artifact(key="hippograph-ingest-summary", markdown=_summary_markdown(summary),
                                 description="hippograph ingestion run summary")
        return summary
    finally:
        if own:
            memory.close()


def _error(future) -> str:
    try:
        future.result()
    except Exception as exc:  # the task's own exception, re-raised by Prefect
        return f"{type(exc).__name__}: {exc}"
    return "failed"


def _summary_markdown(summary: dict) -> str:
    lines = ["# hippograph ingestion", "", "| added | updated | unchanged | failed | deleted |",
             "|---|---|---|---|---|",
             f"| {summary['added']} | {summary['updated']} | {summary['unchanged']} | {summary['failed']} | "
             f"{summary['deleted']} |"]
    if summary["problems"]:
        lines += ["", "## Failures", "", "| source | reason |", "|---|---|"]
        lines += [f"| {p['source']} | {p['reason'].replace('|', '/')} |" for p in summary["problems"]]
    return "\n".join(lines)


def serve_ingestion(sources: list[str], *, store: str, name: str = "hippograph-ingest", cron: str | None = None,
                    interval: int | None = None, format: str = "auto", extractor: str = "spacy",
                    embedder: str | None = None, sync: bool = False) -> None:
    """Serve ``ingest_flow`` as a deployment on a cron or interval schedule (blocks).

    Needs a Prefect server (``prefect server start``) with ``PREFECT_API_URL`` set: the
    ephemeral API cannot hold schedules.
    """
    params = {"sources": [str(s) for s in sources], "store": store, "format": format, "extractor": extractor,
              "embedder": embedder, "sync": sync}
    ingest_flow.serve(name=name, cron=cron, interval=interval, parameters=params)
