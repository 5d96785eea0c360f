"""Recall strength on Neo4j: ``(:UnitRecall {key, namespace, unit, recalls, last_recalled})`` nodes.

They are not part of the memory graph (no edge to a unit: a recall must not lock a unit node an
ingestion writer holds) and are written in their own transaction, never through the change log, so
the store's generation does not move.
"""

from __future__ import annotations

from typing import Any

from ..errors import StoreError
from .cypher import mechanisms as q
from .strength import FLUSH_EVERY, RecallStats, StrengthStore


class Neo4jStrength(StrengthStore):
    """Recall stats of one namespace of a ``Neo4jStore`` (its driver and database)."""

    def __init__(self, store: Any, flush_every: int = FLUSH_EVERY):
        super().__init__(store.namespace, flush_every)
        self._driver = store._driver
        self._database = store.database
        self._uri = store.uri
        self._schema = False

    def _run(self, query: str, routing: str = "w", **params: Any) -> list:
        try:
            if not self._schema and routing == "w":
                self._driver.execute_query(q.RECALL_CONSTRAINT, database_=self._database)
                self._schema = True
            records, _, _ = self._driver.execute_query(
                query, {"namespace": self.namespace, **params}, database_=self._database, routing_=routing
            )
        except Exception as exc:
            raise StoreError(f"recall counts on {self._uri}: {type(exc).__name__}: {exc}") from exc
        return list(records)

    def _write(self, rows: list[tuple[str, int, str]]) -> None:
        self._run(q.RECORD_RECALLS, rows=[{"unit": u, "n": n, "at": at} for u, n, at in rows])

    def _read(self, unit_ids: list[str] | None) -> dict[str, RecallStats]:
        if unit_ids is None:
            records = self._run(q.RECALLS, routing="r")
        else:
            records = self._run(q.RECALLS_OF, routing="r", units=unit_ids)
        return {r["unit"]: RecallStats(r["unit"], int(r["recalls"]), r["last"]) for r in records}

    def _delete(self, unit_ids: list[str]) -> None:
        self._run(q.DELETE_RECALLS, units=unit_ids)
