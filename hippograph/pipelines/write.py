"""The write half of ingestion: supersede -> write, by the one writer of a store. Supersession
rules run inside each write transaction (the store locks the subjects first); an LLM judge runs
before, outside any lock, and its verdicts are re-checked inside. Transient failures are retried;
an unreachable store stops the run after a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..errors import StoreError, StoreUnavailable
from ..graph.open import redact_uri
from ..graph.store import FactReader, StoreWriter, Supersede
from ..records import DocumentBatch, Supersession
from .temporal import DEFAULT_RULES, TemporalRules, supersessions_for

__all__ = ["StoreUnavailable", "WritePolicy", "write_group"]


@dataclass(frozen=True)
class WritePolicy:
    """How hard a writer tries. ``retry_delays``: pauses before re-trying a document whose write
    failed (transient errors such as a locked database). ``deadline``: seconds an unreachable store
    is retried, counted from the first failed attempt, before the run stops."""

    retry_delays: tuple[float, ...] = ()
    deadline: float = 30.0
    sleep: Callable[[float], None] = time.sleep


def judged_candidates(
    store: StoreWriter, batch: DocumentBatch, judge, rules: TemporalRules = DEFAULT_RULES
) -> list[Supersession]:
    """What the LLM judge says the batch replaces (asked with no lock held; re-checked at write)."""
    if judge is None:
        return []
    by_rules = set(supersessions_for(store, batch, None, rules))  # type: ignore[arg-type]
    return [s for s in supersessions_for(store, batch, judge, rules) if s not in by_rules]  # type: ignore[arg-type]


def in_transaction(judged: dict[str, list[Supersession]], rules: TemporalRules = DEFAULT_RULES) -> Supersede:
    """The supersession step a store runs inside each write transaction: the rules against the
    facts stored at that moment, plus the judge's verdicts whose old fact is still current."""

    def supersede(batch: DocumentBatch, reader: FactReader) -> list[Supersession]:
        out = supersessions_for(reader, batch, None, rules)  # type: ignore[arg-type]
        candidates = judged.get(batch.document.id, [])
        if candidates:
            current = {f.id for f in reader.facts([s.old_fact_id for s in candidates]) if f.invalid_at is None}
            out += [s for s in candidates if s.old_fact_id in current and s not in out]
        return out

    return supersede


def write_group(
    store: StoreWriter,
    batches: list[DocumentBatch],
    judge,
    policy: WritePolicy,
    report=None,
    rules: TemporalRules = DEFAULT_RULES,
) -> list[tuple[DocumentBatch, str | None]]:
    """Write a group of documents (the store may batch them into few transactions), each
    all-or-nothing; returns each batch with None (written) or the reason it was refused.
    ``rules`` is the relation vocabulary supersession follows (``Settings.functional_relations``
    extends it). Raises ``StoreUnavailable`` once the store has been unreachable for ``policy.deadline``."""
    judged = {b.document.id: judged_candidates(store, b, judge, rules) for b in batches} if judge else {}
    supersede = in_transaction(judged, rules)
    clock = _Deadline(store, policy)
    outcomes = clock.attempt(lambda: store.write_documents(batches, supersede), len(batches))
    result: list[tuple[DocumentBatch, str | None]] = []
    for batch, error in zip(batches, outcomes):
        retries = list(policy.retry_delays)
        while error is not None and retries:
            policy.sleep(retries.pop(0))
            error = clock.attempt(partial(store.write_documents, [batch], supersede), 1)[0]
        result.append((batch, None if error is None else str(error)))
    return result


class _Deadline:
    """Retries an operation while the store is unreachable, up to the policy's deadline."""

    def __init__(self, store: StoreWriter, policy: WritePolicy):
        self.store = store
        self.policy = policy
        self.first_failure: float | None = None

    def attempt(self, operation: Callable[[], list[StoreError | None]], count: int) -> list[StoreError | None]:
        while True:
            started = time.monotonic()
            try:
                return operation()
            except StoreUnavailable as exc:
                now = time.monotonic()
                if self.first_failure is None:
                    # The attempt itself may have spent seconds in the driver's own retries and
                    # connection timeouts: the deadline counts from when it began.
                    self.first_failure = started
                left = self.policy.deadline - (now - self.first_failure)
                if left <= 0:
                    uri = redact_uri(getattr(self.store, "uri", "the store"))
                    raise StoreUnavailable(
                        f"store {uri} unreachable for {self.policy.deadline:g} s, stopping the run: {exc}. "
                        "Documents written before it stopped are intact; re-run to write the rest "
                        "(unchanged documents are skipped)"
                    ) from exc
                self.policy.sleep(min(1.0, left))
            except StoreError as exc:  # a store that does not sort out documents by itself
                return [exc] * count
