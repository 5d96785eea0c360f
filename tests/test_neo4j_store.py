"""Neo4j-store behaviour that needs a live server: crashes mid-document, parity with SQLite."""

from __future__ import annotations

import pytest

from hippograph.graph.neo4j_store import Neo4jStore
from hippograph.errors import StoreError
from storecases import batch

pytestmark = pytest.mark.neo4j


class CrashingStore(Neo4jStore):
    """Kills the server after a few statements of the next document write."""

    def __init__(self, *args, server, after: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.server = server
        self.after = after
        self.armed = False

    def _write(self, what, work):
        store = self

        class KillingTransaction:
            """Passes statements through; kills the server before the ``after``-th one when armed."""

            def __init__(self, tx):
                self.tx = tx
                self.count = 0

            def run(self, query, params=None):
                self.count += 1
                if store.armed and self.count == store.after:
                    store.armed = False
                    store.server.kill()
                return self.tx.run(query, params)

        return super()._write(what, lambda tx, change: work(KillingTransaction(tx), change))


def test_server_killed_mid_document_leaves_no_partial_document(bolt_server):
    from bolt_server import PASSWORD

    bolt_server.wipe()
    store = CrashingStore(bolt_server.uri, "root", PASSWORD, server=bolt_server, after=6,
                          max_transaction_retry_time=2.0)
    store.write_document(batch("alpha", ["Alice met Bob."], [("alice", "met", "bob")]))
    before = store.stats().as_dict()
    store.armed = True
    try:
        with pytest.raises(StoreError):
            store.write_document(batch("beta", ["Bob lives in Paris.", "Paris is big."],
                                       [("bob", "lives in", "paris"), ("paris", "is", "big")]))
    finally:
        store.close()
        bolt_server.stop()
        bolt_server.start()
    survivor = Neo4jStore(bolt_server.uri, "root", PASSWORD)
    try:
        assert survivor.stats().as_dict() == before
        assert set(survivor.document_hashes()) == {"alpha"}
        assert survivor.existing_ids("entity", ["paris", "big"]) == set()
    finally:
        survivor.close()


def test_uri_and_credentials_from_environment(bolt_server, monkeypatch):
    from hippograph.graph import open_store

    for key, value in bolt_server.env().items():
        monkeypatch.setenv(key, value)
    store = open_store(bolt_server.uri)
    try:
        assert isinstance(store, Neo4jStore) and store.generation() >= 0
    finally:
        store.close()
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-secret-value")
    with pytest.raises(StoreError) as info:
        open_store(bolt_server.uri)
    assert "wrong-secret-value" not in str(info.value)
    assert bolt_server.uri in str(info.value)


def _browser_blocks(text: str):
    """(params, query) for every cypher block of a Markdown text or --explain-cypher output."""
    import json
    import re

    blocks = re.findall(r"```cypher\n(.*?)```", text, re.S) or [text]
    for block in blocks:
        params, lines = {}, []
        for line in block.splitlines():
            if line.startswith(":param "):
                name, _, value = line[len(":param "):].partition(" => ")
                params[name.strip()] = json.loads(value)
            elif line.strip():
                lines.append(line)
        yield params, "\n".join(lines)


def test_browser_queries_run_on_the_bolt_server(bolt_server, embedder, sample_dir):
    from pathlib import Path

    from hippograph import Memory, Settings
    from hippograph.graph.browser import activated_subgraph_cypher

    memory = Memory(Settings(store=bolt_server.uri), store=bolt_server.fresh_store(), embedder=embedder)
    try:
        memory.ingest([str(sample_dir)])
        result = memory.retrieve("Where was the husband of Marie Curie born?", top_k=3)
        docs = (Path(__file__).resolve().parent.parent / "docs" / "neo4j.md").read_text()
        queries = list(_browser_blocks(docs)) + list(_browser_blocks(activated_subgraph_cypher(result)))
        assert len(queries) >= 6
        driver = memory.store._driver
        for params, query in queries:
            records, _, _ = driver.execute_query(query, params)  # valid Cypher, values as parameters
        explain_params, explain_query = queries[-1]
        records, _, _ = driver.execute_query(explain_query, explain_params)
        assert {r["u"]["id"] for r in records} == {p.id for p in result.passages}
    finally:
        memory.close()
