"""The change feed and namespaces, on every store (embedded SQLite and Neo4j over Bolt)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from storecases import batch

from hippograph.errors import ConfigError
from hippograph.records import SynonymEdge


def _pair(s: str, t: str) -> tuple[str, str]:
    return (s, t) if s < t else (t, s)


def _graph(store) -> dict[tuple[str, str], float]:
    edges = store.graph_edges()
    out: dict[tuple[str, str], float] = defaultdict(float)
    for s, t, w in zip(edges.sources, edges.targets, edges.weights):
        out[_pair(s, t)] += w
    return {k: round(v, 6) for k, v in out.items() if abs(v) > 1e-9}


class Replica:
    """What a reader following only the change feed knows: node ids per kind and edge weights."""

    def __init__(self, store):
        self.store = store
        self.generation = store.generation()
        self.nodes = {kind: set(store.node_ids(kind)) for kind in ("passage", "episode", "entity", "fact")}
        self.edges = defaultdict(float, _graph(store))

    def follow(self) -> None:
        changes = self.store.changes_since(self.generation)
        assert changes is not None
        for kind in self.nodes:
            assert not changes.upserted[kind] & changes.removed[kind]
            self.nodes[kind] -= changes.removed[kind]
            self.nodes[kind] |= changes.upserted[kind]
        for e in changes.edges:
            self.edges[_pair(e.source, e.target)] += e.weight
        self.generation = changes.generation

    def matches(self) -> bool:
        edges = {k: round(v, 6) for k, v in self.edges.items() if abs(v) > 1e-9}
        nodes = {kind: set(self.store.node_ids(kind)) for kind in self.nodes}
        return edges == _graph(self.store) and nodes == self.nodes


def test_change_feed_replays_every_write(store):
    replica = Replica(store)
    steps = [
        lambda: store.write_document(
            batch(
                "alpha",
                ["Alice met Bob.", "Bob lives in Paris."],
                [("alice", "met", "bob"), ("bob", "lives in", "paris")],
            )
        ),
        lambda: store.write_document(
            batch("beta", ["Bob left."], [("bob", "lives in", "paris"), ("carol", "knows", "bob")])
        ),
        lambda: store.add_synonyms([SynonymEdge("carol", "paris", 0.9)], resolved=["carol"]),
        lambda: store.write_document(batch("alpha", ["Alice met Dan."], [("alice", "met", "dan")], version="2")),
        lambda: store.delete_document("beta"),
    ]
    for step in steps:
        before = store.generation()
        step()
        assert store.generation() != before
        replica.follow()
        assert replica.matches()
    # Deleting beta removed carol, and with her the synonym edge, through the feed too.
    assert "carol" not in replica.nodes["entity"] and _pair("carol", "paris") not in _graph(store)


def test_change_feed_reports_validity_changes(store):
    from hippograph.ids import fact_id
    from hippograph.records import Supersession

    store.write_document(batch("old", ["Ann lives in Oslo."], [("ann", "lives in", "oslo")]))
    generation = store.generation()
    new = batch("new", ["Ann lives in Rome."], [("ann", "lives in", "rome")])
    old_fact = fact_id("ann", "lives in", "oslo")
    new.supersessions = [Supersession(old_fact, fact_id("ann", "lives in", "rome"), "2024-01-01")]
    store.write_document(new)
    changes = store.changes_since(generation)
    assert old_fact in changes.upserted["fact"]  # its invalid_at changed: re-read it
    assert store.facts([old_fact])[0].invalid_at == "2024-01-01"


def test_pending_synonyms_survive_until_resolved(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    assert store.pending_synonym_entities() == ["alice", "bob"]
    store.add_synonyms([], resolved=["alice"])
    assert store.pending_synonym_entities() == ["bob"]
    store.write_document(batch("beta", ["B."], [("bob", "knows", "carol")]))
    assert store.pending_synonym_entities() == ["bob", "carol"]  # bob already existed: still pending


def test_namespaces_never_see_each_other(store):
    work = store.in_namespace("work")
    store.write_document(batch("alpha", ["Ann lives in Oslo."], [("ann", "lives in", "oslo")]))
    work.write_document(batch("alpha", ["Ann lives in Rome."], [("ann", "lives in", "rome")], namespace="work"))
    assert sorted(store.namespaces()) == ["default", "work"]
    for view, city in ((store, "oslo"), (work, "rome")):
        assert view.stats().documents == 1 and view.stats().entities == 2 and view.stats().facts == 1
        (fact,) = view.facts(view.node_ids("fact"))
        assert fact.object.endswith(city)
        assert all(not s.endswith("rome" if city == "oslo" else "oslo") for s in _graph(view) for s in s)
        assert len(view.documents()) == 1 and len(view.node_ids("passage")) == 1
    # Ids from the other namespace read as absent.
    assert store.passages(work.node_ids("passage")) == [] and work.facts(store.node_ids("fact")) == []
    assert work.delete_document(store.documents()[0].id) is False
    assert store.stats().documents == 1
    assert work.delete_namespace() == 1
    assert work.stats().documents == 0 and store.stats().documents == 1 and store.namespaces() == ["default"]


def test_a_document_cannot_point_into_another_namespace(store):
    from hippograph.errors import StoreError

    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    intruder = batch("beta", ["B."], [("alice", "knows", "bob")])  # default-namespace entity ids
    intruder.entities = []  # relies on the entities already stored... in "default", not "work"
    with pytest.raises(StoreError):
        store.in_namespace("work").write_document(intruder)
    assert store.in_namespace("work").stats().documents == 0


def test_bad_namespace_names_are_refused(store):
    for bad in ("", "a b", "../x", "x" * 65):
        with pytest.raises(ConfigError):
            store.in_namespace(bad)
