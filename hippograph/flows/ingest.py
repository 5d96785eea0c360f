"""Prefect flows over the ingestion pipeline: fan-out of extraction and embedding on any task runner
(threads, Dask, Ray), cached extraction, retried writes, a run artifact.

The flow holds no ingestion logic of its own: it runs ``hippograph.pipelines.ingest.ingest`` (the
same driver loop as ``Memory.ingest``) and only decides where each group's extract and embed steps
run. Tasks take and return plain data (``Settings``, prepared documents, extractions, embedded
batches), so they pickle to worker processes; each worker loads its models once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner

from ..config import Settings
from ..extract.readers import read_sources
from ..ids import content_hash
from ..memory import Memory
from ..pipelines.build import Prepared
from ..pipelines.ingest import GroupProcessor, ingest
from ..pipelines.sync import delete_stale
from ..pipelines.work import Extracted, GroupResult, Models, embed_group, extract_group, models_for
from ..pipelines.write import WritePolicy
from .runners import in_process, make_task_runner


def _extraction_key(context, parameters) -> str:
    # Each content hash covers the text and the extractor/chunking signature.
    hashes = "\n".join(p.document.content_hash for p in parameters["group"])
    return "hippograph-extract-" + content_hash(hashes)


@task(name="extract", cache_key_fn=_extraction_key, persist_result=True, retries=2, retry_delay_seconds=1)
def extract_task(settings: Settings, group: list[Prepared], extractor: str, models: Models | None = None) -> Extracted:
    """Extract a group of documents (cached by their content hashes; retried on failure)."""
    return extract_group(group, models or models_for(settings, extractor))


@task(name="embed", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def embed_task(
    settings: Settings,
    group: list[Prepared],
    extracted: Extracted,
    now: str,
    extractor: str,
    models: Models | None = None,
    extracted_here: bool = True,
) -> GroupResult:
    """Build and embed a group's records in one encoder pass per kind."""
    return embed_group(group, extracted, models or models_for(settings, extractor), now, extracted_here)


def submitted(
    task_runner: TaskRunner, settings: Settings, extractor: str, models: Models | None, window: int, cache: bool = True
) -> GroupProcessor:
    """Groups submitted to ``task_runner`` (entered), at most ``window`` ahead of the writer;
    results come back in group order (a failed group comes back as its exception)."""
    extract = extract_task if cache else extract_task.with_options(cache_policy=NO_CACHE, persist_result=False)

    def run(groups: list[list[Prepared]], now: str) -> Iterator[GroupResult | Exception]:
        queue: deque = deque()
        upcoming = iter(groups)

        def submit(group: list[Prepared]) -> None:
            # What ``task.submit`` does inside a flow, on this run's runner instead of the flow's own.
            common = {"settings": settings, "group": group, "extractor": extractor, "models": models}
            extracted = task_runner.submit(extract, common)
            queue.append((extracted, task_runner.submit(embed_task, {**common, "extracted": extracted, "now": now})))

        for group in upcoming:
            submit(group)
            if len(queue) >= window:
                break
        try:
            while queue:
                extracted, embedded = queue.popleft()
                embedded.wait()
                following = next(upcoming, None)
                if following is not None:
                    submit(following)
                if embedded.state.is_failed() or not embedded.state.is_completed():
                    yield _exception(embedded)
                    continue
                result = embedded.result()
                if extracted.state.name == "Cached":  # computed by an earlier run, not by a worker of this one
                    result.workers = result.workers[1:] if len(result.workers) > 1 else result.workers
                    result.extract_seconds = 0.0
                yield result
        finally:  # the writer stopped early (store unreachable): drop the queued work
            for extracted, embedded in queue:
                _cancel(embedded)
                _cancel(extracted)

    return run


@flow(name="hippograph-ingest", validate_parameters=False, log_prints=True)
def ingest_flow(
    sources: list[str],
    store: str | None = None,
    format: str = "auto",
    extractor: str = "spacy",
    embedder: str | None = None,
    sync: bool = False,
    group_size: int | None = None,
    write_retry_delays: list[float] | None = None,
    deadline: float = 30.0,
    runner: str = "thread",
    workers: int | None = None,
    address: str | None = None,
    torch_threads: int | None = None,
    cache_extraction: bool = True,
    memory: Memory | None = None,
) -> dict:
    """Ingest ``sources`` into the store: only new/changed documents, each written atomically.

    Extraction and embedding run on ``runner`` (``thread``: this process's pool of ``workers``
    threads, sharing its models; ``dask``/``ray``: ``workers`` local worker processes, or the
    cluster at ``address``), a task runner this flow enters from its parameters, so a deployment's
    parameters alone choose where the work runs. Permanently failing documents are reported in the
    summary (and the run artifact); the others land. ``memory`` lets in-process callers pass an
    open ``Memory``.
    """
    logger = get_run_logger()
    own = memory is None
    memory = memory or Memory(Settings.from_env(store=store, embedder=embedder, torch_threads=torch_threads))
    try:
        settings = memory.settings
        models = memory.models(extractor) if in_process(runner) else None
        parallelism = workers or (4 if in_process(runner) else 2)
        policy = WritePolicy(
            retry_delays=tuple(write_retry_delays if write_retry_delays is not None else (1, 2, 4)), deadline=deadline
        )
        with make_task_runner(runner, workers, address) as task_runner:
            process = submitted(task_runner, settings, extractor, models, parallelism + 1, cache_extraction)
            report = ingest(
                read_sources(sources, format),
                memory.store,
                settings,
                process,
                extractor=extractor,
                judge=memory.judge(),
                group_size=group_size,
                parallelism=parallelism,
                policy=policy,
            )
        deleted = delete_stale(memory.store, sources) if sync else []
        summary = report.as_dict() | {"deleted": len(deleted), "store": memory.store.uri, "runner": runner}
        for problem in report.problems:
            logger.warning("failed %s: %s", problem.source, problem.reason)
        create_markdown_artifact(
            key="hippograph-ingest-summary",
            markdown=_summary_markdown(summary),
            description="hippograph ingestion run summary",
        )
        return summary
    finally:
        if own:
            memory.close()


def run_ingestion(
    sources: list[str], *, runner: str = "thread", workers: int | None = None, address: str | None = None, **parameters
) -> dict:
    """Run ``ingest_flow`` once on the named task runner (``thread``, ``dask``, ``ray``); see
    ``make_task_runner`` for ``workers`` and ``address``. Returns the run summary."""
    make_task_runner(runner, workers, address)  # a bad option fails here, before Prefect starts
    return ingest_flow(sources=[str(s) for s in sources], runner=runner, workers=workers, address=address, **parameters)


def _cancel(future) -> None:
    # Prefect futures have no cancel(); the runner's own future (a thread pool's or Dask's) does,
    # and a task that has not started yet then never runs.
    wrapped = getattr(future, "wrapped_future", None)
    if wrapped is not None and hasattr(wrapped, "cancel"):
        wrapped.cancel()


def _exception(future) -> Exception:
    try:
        future.result()
    except Exception as exc:  # the task's own exception, re-raised by Prefect
        return exc
    return RuntimeError(f"task ended in state {future.state.name}")


def _summary_markdown(summary: dict) -> str:
    lines = [
        "# hippograph ingestion",
        "",
        "| added | updated | unchanged | failed | deleted | workers |",
        "|---|---|---|---|---|---|",
        f"| {summary['added']} | {summary['updated']} | {summary['unchanged']} | {summary['failed']} | "
        f"{summary['deleted']} | {len(summary['workers'])} |",
    ]
    if summary["problems"]:
        lines += ["", "## Failures", "", "| source | reason |", "|---|---|"]
        lines += [f"| {p['source']} | {p['reason'].replace('|', '/')} |" for p in summary["problems"]]
    return "\n".join(lines)


def serve_ingestion(
    sources: list[str],
    *,
    store: str,
    name: str = "hippograph-ingest",
    cron: str | None = None,
    interval: int | None = None,
    format: str = "auto",
    extractor: str = "spacy",
    embedder: str | None = None,
    sync: bool = False,
    runner: str = "thread",
    workers: int | None = None,
    address: str | None = None,
) -> None:
    """Serve ``ingest_flow`` as a deployment on a cron or interval schedule (blocks).

    Needs a Prefect server (``prefect server start``) with ``PREFECT_API_URL`` set: the
    ephemeral API cannot hold schedules.
    """
    make_task_runner(runner, workers, address)  # a bad option fails now, not at the first scheduled run
    params = {
        "sources": [str(s) for s in sources],
        "store": store,
        "format": format,
        "extractor": extractor,
        "embedder": embedder,
        "sync": sync,
        "runner": runner,
        "workers": workers,
        "address": address,
    }
    ingest_flow.serve(name=name, cron=cron, interval=interval, parameters=params)
