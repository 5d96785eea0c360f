"""The retrieval index kept current from the change feed equals one loaded from scratch."""

from __future__ import annotations

import copy
import logging
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storecases import batch, vec

from hippograph.graph.ppr import personalized_pagerank
from hippograph.graph.sqlite_store import SQLiteStore
from hippograph.ids import fact_id, short_hash
from hippograph.records import Episode, Supersession, SynonymEdge
from hippograph.retrieve.index import RetrievalIndex
from hippograph.retrieve.lexical import LexicalIndex
from hippograph.retrieve.timeview import TimeView, attach_time_view

NAMES = ["alice", "bob", "carol", "dan", "paris", "rome"]
RELATIONS = ["knows", "lives in", "met"]
triples = st.tuples(st.sampled_from(NAMES), st.sampled_from(RELATIONS), st.sampled_from(NAMES)).filter(
    lambda t: t[0] != t[2]
)
operations = st.one_of(
    st.tuples(
        st.just("write"),
        st.integers(0, 3),
        st.integers(1, 3),
        st.lists(triples, max_size=3, unique=True),
        st.integers(0, 2),
        st.integers(0, 9),
    ),
    st.tuples(st.just("delete"), st.integers(0, 3)),
    st.tuples(st.just("synonym"), st.sampled_from(NAMES), st.sampled_from(NAMES), st.floats(0.8, 1.0)),
    st.tuples(st.just("supersede"), st.integers(0, 3), triples, triples).filter(lambda t: t[2] != t[3]),
)


def _document(number: int, passages: int, facts: list, episodes: int, version: int, supersede=()):
    doc = f"doc{number}"
    b = batch(doc, [f"{doc} v{version} passage {i}" for i in range(passages)], facts, version=str(version))
    for i in range(episodes):
        b.episodes.append(
            Episode(
                short_hash(doc, "turn", str(i)),
                doc,
                f"turn {i} of {doc} v{version}",
                f"2026-01-0{i + 1}",
                "speaker",
                i,
                f"{doc}@{i}",
                embedding=vec(1000 + 7 * i + version),
            )
        )
    b.supersessions = list(supersede)
    return b


def apply(store: SQLiteStore, op: tuple) -> None:
    if op[0] == "write":
        _, number, passages, facts, episodes, version = op
        store.write_document(_document(number, passages, facts, episodes, version))
    elif op[0] == "delete":
        store.delete_document(f"doc{op[1]}")
    elif op[0] == "synonym":
        present = store.existing_ids("entity", [op[1], op[2]])
        if op[1] != op[2] and len(present) == 2:
            store.add_synonyms([SynonymEdge(op[1], op[2], round(op[3], 4))], resolved=[op[1]])
    else:  # a newer document version whose fact supersedes an older one
        _, number, old, new = op
        store.write_document(
            _document(number, 1, [old, new], 0, 50, [Supersession(fact_id(*old), fact_id(*new), "2026-02-01")])
        )


def assert_same(incremental: RetrievalIndex, scratch: RetrievalIndex) -> None:
    assert incremental.generation == scratch.generation
    for a, b in ((incremental.units, scratch.units), (incremental.facts, scratch.facts)):
        assert sorted(a.ids) == sorted(b.ids)
        for i in b.ids:
            np.testing.assert_array_equal(a.vectors[a.position[i]], b.vectors[b.position[i]])
    assert incremental.unit_kind == scratch.unit_kind
    records = dict(zip(incremental.facts.ids, incremental.fact_records))
    assert records == dict(zip(scratch.facts.ids, scratch.fact_records))
    assert dict(zip(incremental.facts.ids, incremental.fact_valid.tolist())) == dict(
        zip(scratch.facts.ids, scratch.fact_valid.tolist())
    )
    np.testing.assert_array_equal(  # valid_from starts, NaN for undated
        [incremental.fact_starts[incremental.facts.position[i]] for i in scratch.facts.ids], scratch.fact_starts
    )
    assert +incremental.unit_mentions == +scratch.unit_mentions
    assert incremental.next_episode == scratch.next_episode
    assert incremental.previous_episode == scratch.previous_episode
    for index in (incremental, scratch):
        assert [index.graph.node_ids[p] for p in index.unit_nodes] == index.units.ids
    # The same graph up to node order: live nodes, and every edge weight between them.
    live = sorted(scratch.graph.index)
    assert sorted(incremental.graph.index) == live
    mine = [incremental.graph.index[n] for n in live]
    theirs = [scratch.graph.index[n] for n in live]
    a, b = incremental.graph.adjacency().toarray(), scratch.graph.adjacency().toarray()
    assert np.abs(a[np.ix_(mine, mine)] - b[np.ix_(theirs, theirs)]).max(initial=0) <= 1e-6
    assert abs(np.abs(a).sum() - np.abs(a[np.ix_(mine, mine)]).sum()) <= 1e-6  # dead slots hold no edge
    if live:  # and PPR over it agrees
        reset_a, reset_b = np.zeros(incremental.graph.size), np.zeros(scratch.graph.size)
        reset_a[mine[0]] = reset_b[theirs[0]] = 1.0
        pa = personalized_pagerank(incremental.graph, reset_a, tolerance=1e-9)[mine]
        pb = personalized_pagerank(scratch.graph, reset_b, tolerance=1e-9)[theirs]
        assert np.abs(pa - pb).sum() <= 1e-5


def assert_same_lexical(patched: LexicalIndex, fresh: LexicalIndex) -> None:
    def contents(index: LexicalIndex) -> tuple[dict, dict]:
        postings = {t: p for t in index.vocabulary if (p := index.postings(t))}
        return postings, {u: index.length(u) for u in index.slot}

    assert contents(patched) == contents(fresh)
    assert patched._total == fresh._total


def assert_same_time(patched: TimeView, fresh: TimeView) -> None:
    """The time view patched from the change feed equals one read from scratch, by unit id."""

    def by_id(view: TimeView) -> dict:
        ids = view.index.units.ids
        return {
            u: (None if np.isnan(view.starts[n]) else view.starts[n], bool(view.superseded[n]))
            for n, u in enumerate(ids)
        }

    assert by_id(patched) == by_id(fresh)
    assert {u: f for u, f in patched.unit_facts.items() if f} == {u: f for u, f in fresh.unit_facts.items() if f}
    assert {f: u for f, u in patched.fact_units.items() if u} == {f: u for f, u in fresh.fact_units.items() if u}
    assert patched.dates == fresh.dates


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(operations, min_size=1, max_size=4), min_size=1, max_size=6))
def test_incremental_refresh_equals_a_fresh_load(steps):
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "store.db")
        try:
            incremental = RetrievalIndex.load(store)
            attach_time_view(store, incremental)
            incremental.lexical_index(store)  # built once, then kept current by the feed
            for step in steps:
                for op in step:
                    apply(store, op)
                incremental = RetrievalIndex.load(store, previous=incremental)
                scratch = RetrievalIndex.load(store)
                assert_same(incremental, scratch)
                assert_same_lexical(incremental.lexical_index(store), scratch.lexical_index(store))
                assert_same_time(attach_time_view(store, incremental), TimeView.load(store, scratch))
        finally:
            store.close()


@pytest.mark.parametrize("backend", ["exact", "hnsw"])
def test_refresh_merges_a_grown_delta_and_stays_equal(sqlite_store, backend):
    incremental = RetrievalIndex.load(sqlite_store, backend)
    names = [f"entity{i}" for i in range(60)]
    for n in range(40):  # enough edge changes to pass the merge fraction more than once
        facts = [(names[(n * 7 + k) % 60], "knows", names[(n * 11 + 3 * k + 1) % 60]) for k in range(4)]
        sqlite_store.write_document(batch(f"d{n}", [f"d{n} p{i}" for i in range(3)], facts))
        if n % 5 == 4:
            sqlite_store.delete_document(f"d{n - 2}")
        incremental = RetrievalIndex.load(sqlite_store, backend, previous=incremental)
        if n % 10 == 0:  # the server refreshes a private copy: the index must stay copyable
            incremental = copy.deepcopy(incremental)
    assert_same(incremental, RetrievalIndex.load(sqlite_store))
    for i in incremental.units.ids[:10]:  # the in-place HNSW still finds what exact search finds
        query = incremental.units.vectors[incremental.units.position[i]]
        assert incremental.units.search(query, 1)[0][0] == i


def test_refresh_reads_only_what_changed(sqlite_store):
    for n in range(30):
        sqlite_store.write_document(batch(f"d{n}", [f"d{n} p"], [(f"e{n}", "knows", f"e{n + 1}")]))
    index = RetrievalIndex.load(sqlite_store)
    read: list[int] = []
    original = sqlite_store.vectors

    def counting(kind, ids=None):
        got = original(kind, ids)
        read.append(len(got[0]) if ids is not None else 10**9)
        return got

    sqlite_store.vectors = counting  # type: ignore[method-assign]
    sqlite_store.graph_edges = None  # type: ignore[assignment]  # a refresh must not re-read the graph
    sqlite_store.write_document(batch("new", ["a new passage"], [("e1", "met", "zed")]))
    index = RetrievalIndex.load(sqlite_store, previous=index)
    assert sum(read) == 2  # the new passage and the new fact, nothing else
    assert "zed" in index.graph.index


def test_pruned_change_log_reloads_and_says_so(sqlite_store, caplog, monkeypatch):
    sqlite_store.write_document(batch("a", ["one"], [("x", "knows", "y")]))
    index = RetrievalIndex.load(sqlite_store)
    sqlite_store.write_document(batch("b", ["two"], [("y", "knows", "z")]))
    monkeypatch.setattr(sqlite_store, "changes_since", lambda generation: None)
    with caplog.at_level(logging.WARNING, logger="hippograph.retrieve.index"):
        reloaded = RetrievalIndex.load(sqlite_store, previous=index)
    assert "pruned" in caplog.text
    assert reloaded is not index and "z" in reloaded.graph.index
