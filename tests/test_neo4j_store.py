"""Neo4j-store behaviour that needs a live server: crashes mid-document, parity with SQLite."""

from __future__ import annotations

import pytest
from storecases import batch

from hippograph.errors import StoreError
from hippograph.graph.neo4j_store import Neo4jStore

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
    store = CrashingStore(
        bolt_server.uri, "root", PASSWORD, server=bolt_server, after=6, max_transaction_retry_time=2.0
    )
    store.write_document(batch("alpha", ["Alice met Bob."], [("alice", "met", "bob")]))
    before = store.stats().as_dict()
    store.armed = True
    try:
        with pytest.raises(StoreError):
            store.write_document(
                batch(
                    "beta",
                    ["Bob lives in Paris.", "Paris is big."],
                    [("bob", "lives in", "paris"), ("paris", "is", "big")],
                )
            )
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
