"""A small typed client for the HTTP API (httpx), mirroring ``Memory``'s reading and writing calls.

>>> from hippograph.server.client import MemoryClient
>>> with MemoryClient("http://127.0.0.1:8000", token="...") as memory:
...     doc = memory.add_text("Marie Curie was born in Warsaw.", source="notes/curie")
...     memory.retrieve("Where was Marie Curie born?").passages[0].text
"""

from __future__ import annotations

import os
from dataclasses import fields
from typing import Any

import httpx

from ..graph.store import StoreError
from ..records import DocumentInfo, StoreStats
from ..retrieve.answer import Answer
from ..retrieve.results import LinkedFact, RetrievalResult, RetrievedUnit
from .auth import TOKEN_ENV


class ServerError(RuntimeError):
    """The server refused a request; ``status`` and ``kind`` say why, the message how to fix it."""

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(f"{status} {kind}: {message}")
        self.status, self.kind, self.message = status, kind, message


def _build(cls, data: dict):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _result(data: dict) -> RetrievalResult:
    return RetrievalResult(
        question=data["question"],
        mode=data["mode"],
        passages=[_build(RetrievedUnit, p) for p in data["passages"]],
        facts=[_build(LinkedFact, f) for f in data["facts"]],
        fallback=data.get("fallback"),
        timings_ms=data.get("timings_ms") or {},
    )


class MemoryClient:
    """``Memory``-shaped access to a running ``hippograph serve`` (one namespace per client)."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        namespace: str = "default",
        timeout: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ):
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.namespace = namespace
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def in_namespace(self, namespace: str) -> MemoryClient:
        """A client on the same connection bound to another namespace."""
        other = object.__new__(MemoryClient)
        other.namespace, other._http = namespace, self._http
        return other

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StoreError(f"cannot reach the hippograph server at {self._http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
                kind, message = body.get("error", "error"), body.get("message", response.text)
            except ValueError:
                kind, message = "error", response.text
            raise ServerError(response.status_code, kind, message)
        return response.json()

    # -- writing ---------------------------------------------------------------------
    def remember(
        self,
        text: str,
        *,
        source: str | None = None,
        title: str | None = None,
        occurred_at: str | None = None,
        speaker: str | None = None,
        format: str = "auto",
    ) -> dict:
        """Remember a text (or, with ``speaker``, a conversation turn); returns ``{id, status, ...}``."""
        body = {
            "text": text,
            "source": source,
            "title": title,
            "occurred_at": occurred_at,
            "speaker": speaker,
            "format": format,
            "namespace": self.namespace,
        }
        return self._call("POST", "/remember", json=body)

    def add_text(self, text: str, *, source: str, title: str = "") -> dict:
        """As ``Memory.add_text``: remember one text under a stable ``source`` key."""
        return self.remember(text, source=source, title=title or None)

    def delete(self, document_id: str) -> bool:
        """As ``Memory.delete``: False when the document was absent."""
        try:
            self._call("DELETE", f"/documents/{document_id}", params={"namespace": self.namespace})
        except ServerError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def forget_source(self, source: str) -> list[str]:
        return self._call("DELETE", "/documents", params={"source": source, "namespace": self.namespace})["deleted"]

    # -- reading ---------------------------------------------------------------------
    def retrieve(
        self, question: str, *, top_k: int = 5, mode: str = "hippo", as_of: str | None = None, debug: bool = False
    ) -> RetrievalResult:
        body = {
            "question": question,
            "top_k": top_k,
            "mode": mode,
            "as_of": as_of,
            "namespace": self.namespace,
            "debug": debug,
        }
        return _result(self._call("POST", "/recall", json=body))

    def answer(self, question: str, *, top_k: int = 5, mode: str = "hippo", as_of: str | None = None) -> Answer:
        data = self._call(
            "POST",
            "/answer",
            json={"question": question, "top_k": top_k, "mode": mode, "as_of": as_of, "namespace": self.namespace},
        )
        return Answer(
            data["question"],
            data["answer"],
            data["citations"],
            [_build(RetrievedUnit, p) for p in data["passages"]],
            [_build(LinkedFact, f) for f in data["facts"]],
            data["abstained"],
            data["reader"],
        )

    def show(self, document_id: str) -> dict | None:
        try:
            return self._call("GET", f"/documents/{document_id}", params={"namespace": self.namespace})
        except ServerError as exc:
            if exc.status == 404:
                return None
            raise

    def documents(self, q: str | None = None, limit: int = 1000) -> list[DocumentInfo]:
        items: list[dict] = []
        params = {"namespace": self.namespace, "limit": limit} | ({"q": q} if q else {})
        while True:
            page = self._call("GET", "/documents", params=params | {"offset": len(items)})
            items += page["items"]
            if len(items) >= page["total"] or not page["items"]:
                break
        return [
            DocumentInfo(d["id"], d["source"], d["title"], d["passages"], d["episodes"], "", d["ingested_at"])
            for d in items
        ]

    def entities(self, q: str | None = None, offset: int = 0, limit: int = 50) -> dict:
        params = {"namespace": self.namespace, "offset": offset, "limit": limit} | ({"q": q} if q else {})
        return self._call("GET", "/entities", params=params)

    def facts(self, q: str | None = None, subject: str | None = None, offset: int = 0, limit: int = 50) -> dict:
        params = {"namespace": self.namespace, "offset": offset, "limit": limit}
        params |= {k: v for k, v in (("q", q), ("subject", subject)) if v}
        return self._call("GET", "/facts", params=params)

    def stats(self) -> StoreStats:
        d = self._call("GET", "/stats", params={"namespace": self.namespace})
        return StoreStats(
            d["documents"], d["passages"], d["episodes"], d["entities"], d["facts"], d["edges"], d["edges_by_type"]
        )

    def health(self) -> dict:
        return self._call("GET", "/health")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MemoryClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
