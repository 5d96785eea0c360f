"""The memory server over real clients: httpx against a running uvicorn, the MCP SDK client
over stdio and streamable HTTP, auth, limits, errors, reads during a write."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from serving import ThreadedServer

from hippograph import Settings
from hippograph.server import MemoryService, TokenPolicy
from hippograph.server.app import create_app
from hippograph.server.auth import check_bind
from hippograph.server.client import MemoryClient

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cret-test-token"
CURIE = "Marie Curie was born in Warsaw. Marie Curie discovered polonium with Pierre Curie."
OTHER = "The Vistula River flows through Krakow to the Baltic Sea."
NOTE = """---
title: Priya Shah
date: 2021-02-10
updated: 2022-03
---
# Priya Shah

Priya Shah works at SAP.

## Hobbies

Priya Shah plays chess in Heidelberg.
"""


@pytest.fixture
def service(tmp_path, embedder):
    svc = MemoryService(Settings(store=f"sqlite:///{tmp_path / 'served.db'}"), embedder=embedder)
    svc.warm()
    yield svc
    svc.close()


@pytest.fixture
def server(service):
    app = create_app(service, TokenPolicy(TOKEN), max_body=64 * 1024)
    with ThreadedServer(app) as url:
        yield url


def auth(token: str = TOKEN) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_remember_recall_answer_forget_over_http(server):
    with httpx.Client(base_url=server, headers=auth(), timeout=60) as http:
        assert http.get("/health").json()["status"] == "ok"
        doc = http.post("/remember", json={"text": CURIE, "source": "notes/curie", "title": "Marie Curie"}).json()
        other = http.post("/remember", json={"text": OTHER, "source": "notes/vistula"}).json()
        assert doc["status"] == "added" and doc["units"] >= 1 and other["id"] != doc["id"]

        recalled = http.post("/recall", json={"question": "Where was Marie Curie born?", "top_k": 2}).json()
        assert recalled["passages"][0]["document_id"] == doc["id"]
        assert "Warsaw" in recalled["passages"][0]["text"]
        assert {"id", "title", "text", "score"} <= set(recalled["passages"][0])

        answered = http.post("/answer", json={"question": "Where was Marie Curie born?", "top_k": 1}).json()
        assert "Warsaw" in answered["answer"] and answered["citations"]
        cited = {p["id"]: p for p in answered["passages"]}
        assert cited[answered["citations"][0]]["document_id"] == doc["id"]

        forgotten = http.delete(f"/documents/{doc['id']}").json()
        assert forgotten["deleted"] == [doc["id"]]
        after = http.post("/recall", json={"question": "Where was Marie Curie born?", "top_k": 5}).json()
        assert all(p["document_id"] != doc["id"] for p in after["passages"])
        assert all("Marie Curie" not in p["text"] for p in after["passages"])
        assert http.delete(f"/documents/{doc['id']}").status_code == 404


def test_browse_endpoints_page_and_search(server):
    with MemoryClient(server, token=TOKEN) as memory:
        memory.add_text(CURIE, source="notes/curie")
        memory.add_text(OTHER, source="notes/vistula")
        assert [d.source for d in memory.documents()] == ["notes/curie", "notes/vistula"]
        assert [d.source for d in memory.documents(q="vistula")] == ["notes/vistula"]
        first = memory.entities(limit=1)
        assert first["total"] > 1 and len(first["items"]) == 1
        assert memory.entities(offset=1, limit=1)["items"] != first["items"]
        assert memory.entities(q="curie")["items"] and all(
            "curie" in e["id"] for e in memory.entities(q="curie")["items"]
        )
        facts = memory.facts(q="born")["items"]
        assert facts and all("born" in f["text"] for f in facts)
        assert memory.stats().documents == 2
        doc_id = memory.documents(q="curie")[0].id
        shown = memory.show(doc_id)
        assert shown["document"]["source"] == "notes/curie" and shown["units"]
        assert memory.show("no-such-document") is None
        assert memory.forget_source("notes/vistula") and memory.stats().documents == 1


def test_conversation_turn_becomes_an_episode(server):
    with MemoryClient(server, token=TOKEN) as memory:
        turn = memory.remember(
            "I moved to Lisbon last spring.",
            speaker="Caroline",
            occurred_at="2024-05-01T10:00:00Z",
            source="chat/caroline/1",
        )
        shown = memory.show(turn["id"])
        assert shown["units"][0]["kind"] == "episode"
        hit = memory.retrieve("Where did Caroline move?", top_k=1).passages[0]
        assert hit.kind == "episode" and hit.speaker == "Caroline" and hit.occurred_at.startswith("2024-05-01")


def test_markdown_text_is_read_as_a_markdown_file(server):
    """Front matter dates the note and headings become section titles, whether the text comes
    with format "markdown" or under a .md source; plain text keeps the old reading."""
    with httpx.Client(base_url=server, headers=auth(), timeout=60) as http:
        by_source = http.post("/remember", json={"text": NOTE, "source": "notes/priya.md"}).json()
        by_format = http.post("/remember", json={"text": NOTE, "source": "note-2", "format": "markdown"}).json()
        plain = http.post("/remember", json={"text": NOTE, "source": "note-3", "format": "text"}).json()
        assert by_source["status"] == by_format["status"] == plain["status"] == "added"
        shown = {
            k: http.get(f"/documents/{d['id']}").json() for k, d in (("s", by_source), ("f", by_format), ("t", plain))
        }
    for key in ("s", "f"):
        units = shown[key]["units"]
        assert [u["title"] for u in units] == ["Priya Shah", "Priya Shah / Hobbies"]
        assert all(u["occurred_at"] == "2022-03" for u in units)  # updated wins
        assert all("---" not in u["text"] and "date:" not in u["text"] and "#" not in u["text"] for u in units)
        assert shown[key]["document"]["title"] == "Priya Shah"
    assert "updated: 2022-03" in shown["t"]["units"][0]["text"] and shown["t"]["units"][0]["occurred_at"] is None


def test_tokens_are_required_everywhere_but_health(server):
    for headers in ({}, auth("wrong-token"), {"Authorization": TOKEN}):
        with httpx.Client(base_url=server, headers=headers, timeout=30) as http:
            for method, path, body in (
                ("POST", "/recall", {"question": "x"}),
                ("POST", "/remember", {"text": "x"}),
                ("GET", "/documents", None),
                ("GET", "/openapi.json", None),
                ("DELETE", "/documents/abc", None),
                ("POST", "/mcp", {}),
            ):
                response = http.request(method, path, json=body)
                assert response.status_code == 401, (headers, path)
                assert response.json()["error"] == "unauthorized" and TOKEN not in response.text
            assert http.get("/health").status_code == 200
    with httpx.Client(base_url=server, headers=auth(), timeout=30) as http:
        schema = http.get("/openapi.json").json()
        assert {"/remember", "/recall", "/answer", "/documents/{document_id}"} <= set(schema["paths"])


def test_errors_are_json_with_a_clear_message(server):
    with httpx.Client(base_url=server, headers=auth(), timeout=30) as http:
        bad_date = http.post("/recall", json={"question": "x", "as_of": "last tuesday"})
        assert bad_date.status_code == 422 and "as_of" in bad_date.json()["message"]
        missing = http.post("/remember", json={"source": "x"})
        assert missing.status_code == 422 and "text" in missing.json()["message"]
        bad_ns = http.post("/recall", json={"question": "x", "namespace": "../etc"})
        assert bad_ns.status_code == 422 and "namespace" in bad_ns.json()["message"]
        assert http.get("/documents/nope").json()["error"] == "not_found"
        huge = http.post("/remember", json={"text": "word " * 20_000})
        assert huge.status_code == 413 and "max-body" in huge.json()["message"]


def test_refuses_to_bind_beyond_loopback_without_a_token():
    with pytest.raises(ValueError, match="without a token"):
        check_bind("0.0.0.0", TokenPolicy())
    check_bind("0.0.0.0", TokenPolicy("t"))  # with a token: allowed
    check_bind("127.0.0.1", TokenPolicy())
    env = {k: v for k, v in os.environ.items() if k != "HIPPOGRAPH_API_TOKEN"} | {"PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "hippograph.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 2 and "without a token" in run.stderr


def test_namespace_tokens_open_one_namespace(service):
    policy = TokenPolicy(TOKEN, {"alice": "alice-token"})
    with (
        ThreadedServer(create_app(service, policy)) as url,
        httpx.Client(base_url=url, headers=auth("alice-token"), timeout=60) as http,
    ):
        assert http.post("/remember", json={"text": CURIE, "namespace": "alice"}).status_code == 200
        denied = http.post("/recall", json={"question": "Curie"})  # the default namespace
        assert denied.status_code == 403 and "alice" not in denied.json()["message"].split("namespace")[0]
        assert http.get("/documents", params={"namespace": "alice"}).json()["total"] == 1


def test_reads_do_not_wait_for_a_write_in_progress(server, service):
    with MemoryClient(server, token=TOKEN) as memory:
        memory.add_text(CURIE, source="notes/curie")
        held, release = threading.Event(), threading.Event()

        def open_write_transaction():
            with service.write_lock, service.writer.store._conn.transaction() as db:  # a writer mid-transaction
                db.execute("UPDATE meta SET value = value WHERE key = 'generation'")
                held.set()
                release.wait(60)

        writer = threading.Thread(target=open_write_transaction)
        writer.start()
        try:
            assert held.wait(30)
            result = memory.retrieve("Where was Marie Curie born?", top_k=1)
            assert "Warsaw" in result.passages[0].text
            assert writer.is_alive()  # the read finished while the write transaction was still open
        finally:
            release.set()
            writer.join(30)


def test_recall_reports_server_stage_timings(server):
    with httpx.Client(base_url=server, headers=auth(), timeout=60) as http:
        http.post("/remember", json={"text": CURIE})
        response = http.post("/recall", json={"question": "Who discovered polonium?", "debug": True})
        stages = response.json()["timings_ms"]
        assert {"encode", "link", "ppr", "rank", "serialize"} <= set(stages)
        assert "ppr;dur=" in response.headers["server-timing"]
        plain = http.post("/recall", json={"question": "Who discovered polonium?"}).json()
        assert plain["timings_ms"] is None


def _mcp_roundtrip(session_factory) -> None:
    from mcp import ClientSession

    async def main():
        async with session_factory() as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                assert {"remember", "recall", "recall_as_of", "answer", "forget"} <= set(tools)
                assert all(len(t.description or "") > 40 for t in tools.values())

                async def call(name, **args):
                    result = await session.call_tool(name, args)
                    assert not result.is_error, result.content
                    return result.structured_content or json.loads(result.content[0].text)

                doc = await call("remember", text=CURIE, source="notes/curie")
                await call("remember", text=OTHER, source="notes/vistula")
                hits = await call("recall", question="Where was Marie Curie born?", top_k=2)
                assert hits["passages"][0]["document_id"] == doc["id"]
                past = await call("recall_as_of", question="Where was Marie Curie born?", as_of="2999-01-01")
                assert past["passages"]
                answered = await call("answer", question="Where was Marie Curie born?", top_k=1)
                assert "Warsaw" in answered["answer"] and answered["citations"]
                assert answered["thought_id"] is None  # a plain answer writes nothing
                kept = await call("answer", question="Where was Marie Curie born?", top_k=1, remember=True)
                assert kept["thought_id"] and kept["citations"] == answered["citations"]
                assert (await call("forget", id=doc["id"]))["deleted"] == [doc["id"]]
                gone = await call("recall", question="Where was Marie Curie born?", top_k=5)
                assert all(p["document_id"] != doc["id"] for p in gone["passages"])
                # Markdown (a .md source, or format markdown): front matter dates its units.
                note = await call("remember", text=NOTE, source="notes/priya.md")
                await call("remember", text=NOTE.replace("SAP", "Bosch"), source="priya-2", format="markdown")
                asked = "Where does Priya Shah work?"
                for as_of, seen in (("2022-02-01", set()), ("2022-04-01", {note["id"]})):
                    hits = await call("recall_as_of", question=asked, as_of=as_of, top_k=5)
                    assert {p["document_id"] for p in hits["passages"]} & {note["id"]} == seen
                    assert all("---" not in p["text"] and "updated:" not in p["text"] for p in hits["passages"])
                bad = await session.call_tool("recall_as_of", {"question": "x", "as_of": "someday"})
                assert bad.is_error and "as_of" in bad.content[0].text

    asyncio.run(main())


def test_mcp_over_stdio(tmp_path):
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    params = StdioServerParameters(
        command=sys.executable,
        env=env,
        args=["-m", "hippograph.cli", "--store", f"sqlite:///{tmp_path / 'mcp.db'}", "mcp"],
    )
    # A real file for the server's stderr: pytest's captured streams have no file descriptor.
    with open(tmp_path / "mcp.stderr", "w") as errlog:
        _mcp_roundtrip(lambda: stdio_client(params, errlog=errlog))


def test_mcp_over_streamable_http_behind_the_token(server):
    import httpx2  # the mcp SDK's HTTP client
    from mcp.client.streamable_http import streamable_http_client

    def session():
        return streamable_http_client(f"{server}/mcp", http_client=httpx2.AsyncClient(headers=auth(), timeout=60))

    _mcp_roundtrip(session)


def test_index_snapshots_are_never_changed_under_a_reader(service):
    from hippograph.server import operations as ops

    ops.remember(service, "default", CURIE, source="notes/curie")
    indexes = service.namespace("default").reader.retriever.indexes
    before = indexes.get()
    units, facts, edges = list(before.units.ids), list(before.fact_records), before.graph.size
    ops.remember(service, "default", OTHER, source="notes/vistula")
    after = indexes.get()
    assert after is not before and len(after.units) == len(units) + 1 and len(after.fact_records) > len(facts)
    # A request still holding the old snapshot sees it exactly as it was.
    assert list(before.units.ids) == units and list(before.fact_records) == facts and before.graph.size == edges


def test_a_pinned_reader_keeps_its_snapshot_across_writes_and_no_write_copies_the_index(service, monkeypatch):
    import copy

    from hippograph.server import operations as ops

    copies = []
    real_deepcopy = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda x, *a: copies.append(type(x).__name__) or real_deepcopy(x, *a))
    ops.remember(service, "default", CURIE, source="notes/curie")
    ns = service.namespace("default")
    pinned = threading.Event()
    done = threading.Event()
    seen = {}

    def reader():
        with ns.reading() as index:
            seen["units"] = list(index.units.ids)
            pinned.set()
            done.wait(60)
            seen["after"] = list(index.units.ids)
            seen["same"] = ns.indexes.get() is index  # every access in the request: the same copy

    thread = threading.Thread(target=reader)
    thread.start()
    assert pinned.wait(30)
    ops.remember(service, "default", OTHER, source="notes/vistula")  # updates the standby copy
    second = threading.Thread(
        target=lambda: ops.remember(service, "default", "Polonium is named after Poland.", source="notes/po")
    )
    second.start()
    second.join(2)
    assert second.is_alive()  # this change would update the reader's copy: it waits for the read
    done.set()
    thread.join(30)
    second.join(60)
    assert not second.is_alive()
    assert seen["after"] == seen["units"] and seen["same"]
    latest = ns.indexes.get()
    assert len(latest.units) == len(seen["units"]) + 2
    hits = ops.recall(service, "default", "What is polonium named after?", top_k=1)
    assert "Poland" in hits["passages"][0]["text"]
    # One copy ever (the second buffer), however many changes: never one per refresh.
    assert copies.count("RetrievalIndex") == 1
