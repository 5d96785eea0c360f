"""The GraphStore contract, run against every store (embedded SQLite and Neo4j over Bolt)."""

from __future__ import annotations

import numpy as np
import pytest
from storecases import batch

from hippograph.graph.store import StoreError
from hippograph.ids import fact_id
from hippograph.records import Mention, SynonymEdge


def test_write_and_read_back(store):
    store.write_document(
        batch(
            "alpha", ["Alice met Bob.", "Bob lives in Paris."], [("alice", "met", "bob"), ("bob", "lives in", "paris")]
        )
    )
    stats = store.stats()
    assert (stats.documents, stats.passages, stats.entities, stats.facts) == (1, 2, 3, 2)
    assert stats.edges_by_type["MENTIONS"] == 6 and stats.edges_by_type["SUPPORTS"] == 4
    assert stats.edges == sum(stats.edges_by_type.values())
    docs = store.documents()
    assert [(d.id, d.passages) for d in docs] == [("alpha", 2)]
    ids, matrix = store.vectors("passage")
    assert len(ids) == 2 and matrix.shape == (2, 8) and matrix.dtype == np.float32
    assert store.passages(list(reversed(ids)))[0].id == ids[1]  # order as asked
    fid = fact_id("bob", "lives in", "paris")
    (fact,) = store.facts([fid, "missing"])
    assert (fact.subject, fact.predicate, fact.object) == ("bob", "lives in", "paris")
    edges = store.graph_edges()
    weights = {(s, t): w for s, t, w in zip(edges.sources, edges.targets, edges.weights)}
    assert weights[("bob", "paris")] == 2.0  # supported by both passages
    assert store.existing_ids("entity", ["alice", "zed"]) == {"alice"}


def test_delete_cascades_but_keeps_shared_nodes(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    store.write_document(batch("beta", ["B."], [("bob", "lives in", "paris")]))
    store.add_synonyms([SynonymEdge("alice", "paris", 0.9)])
    assert store.delete_document("alpha") is True
    stats = store.stats()
    assert (stats.documents, stats.passages, stats.entities, stats.facts) == (1, 1, 2, 1)
    assert store.existing_ids("entity", ["alice", "bob", "paris"]) == {"bob", "paris"}
    assert stats.edges_by_type["SYNONYM"] == 0  # alice's synonym edge went with alice
    assert store.delete_document("alpha") is False
    store.delete_document("beta")
    assert store.stats().edges == 0 and store.stats().entities == 0


def test_replacing_a_document_keeps_vectors_of_shared_entities(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    newer = batch("alpha", ["A2."], [("alice", "likes", "carol")], version="2")
    for e in newer.entities:
        if e.id == "alice":
            e.embedding = None  # the pipeline does not re-embed entities the store has
    store.write_document(newer)
    ids, _ = store.vectors("entity")
    assert sorted(ids) == ["alice", "carol"]
    assert store.document_hashes() == {"alpha": "alpha-2"}


def test_failed_write_leaves_nothing(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    before = store.stats().as_dict()
    bad = batch("beta", ["B."], [("bob", "lives in", "paris")])
    bad.mentions.append(Mention(bad.passages[0].id, "nobody-declared-this", 1))
    with pytest.raises(StoreError):
        store.write_document(bad)
    assert store.stats().as_dict() == before
    assert "beta" not in store.document_hashes()


def test_hostile_names_are_stored_verbatim(store):
    hostile = "x'}) DETACH DELETE n //`\"\\"
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    store.write_document(batch("beta", [hostile], [(hostile, "says", "bob")]))
    assert store.stats().documents == 2
    assert store.existing_ids("entity", [hostile]) == {hostile}
    (fact,) = store.facts([fact_id(hostile, "says", "bob")])
    assert fact.subject == hostile
    store.delete_document("beta")
    assert store.stats().entities == 2  # alice and bob survive


def test_synonyms_are_idempotent_and_undirected(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    assert store.add_synonyms([SynonymEdge("bob", "alice", 0.91)]) == 1
    assert store.add_synonyms([SynonymEdge("alice", "bob", 0.91)]) == 0
    assert store.stats().edges_by_type["SYNONYM"] == 1


def test_generation_moves_on_change(store):
    g0 = store.generation()
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    g1 = store.generation()
    assert g1 != g0
    store.delete_document("alpha")
    assert store.generation() != g1


def test_sqlite_store_migrates_a_version_1_file(tmp_path):
    import sqlite3

    from hippograph.graph.sqlite_store import SCHEMA_VERSION, SQLiteStore

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1'), ('generation', '0');
        CREATE TABLE passages (id TEXT PRIMARY KEY, document_id TEXT NOT NULL, text TEXT NOT NULL,
            title TEXT NOT NULL, position INTEGER NOT NULL, embedding BLOB);
    """)
    db.close()
    store = SQLiteStore(path)
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    assert store.passages(store.vectors("passage")[0])[0].source_id == "alpha#0"
    store.close()
    assert sqlite3.connect(path).execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(
        SCHEMA_VERSION
    )


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    from hippograph.graph.sqlite_store import SQLiteStore

    path = tmp_path / "notes.txt"
    path.write_text("just some notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a hippograph SQLite store"):
        SQLiteStore(path)


def test_constraint_violation_leaves_no_partial_document(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    before = store.stats().as_dict()
    clash = batch("beta", ["B.", "C."], [("carol", "knows", "dave")])
    clash.passages[1].id = store.vectors("passage")[0][0]  # a passage id alpha already owns
    with pytest.raises(StoreError):
        store.write_document(clash)
    assert store.stats().as_dict() == before
    assert set(store.document_hashes()) == {"alpha"}
    assert store.existing_ids("entity", ["carol", "dave"]) == set()


def test_two_sqlite_writers_on_one_file(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from hippograph.graph.sqlite_store import SQLiteStore

    a, b = SQLiteStore(tmp_path / "shared.db"), SQLiteStore(tmp_path / "shared.db")
    docs = [(a if i % 2 else b, batch(f"doc{i}", [f"Text {i}."], [(f"e{i}", "knows", "hub")])) for i in range(20)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda pair: pair[0].write_document(pair[1]), docs))
    assert a.stats().documents == 20 and b.stats().entities == 21
    a.close()
    b.close()


def test_document_units_and_their_facts(store):
    store.write_document(
        batch(
            "alpha", ["Alice met Bob.", "Bob lives in Paris."], [("alice", "met", "bob"), ("bob", "lives in", "paris")]
        )
    )
    units = store.document_units("alpha")
    assert [u.position for u in units] == [0, 1] and units[1].text == "Bob lives in Paris."
    facts = store.unit_facts([u.id for u in units] + ["nope"])
    assert [(f.subject, f.predicate, f.object) for f in facts[units[0].id]] == [
        ("alice", "met", "bob"),
        ("bob", "lives in", "paris"),
    ]
    assert facts["nope"] == [] and store.document_units("missing") == []


def test_document_hashes_by_id_reads_only_those_asked(store):
    store.write_document(batch("alpha", ["A."], [("alice", "knows", "bob")]))
    store.write_document(batch("beta", ["B."], [("bob", "knows", "carol")], version="3"))
    assert store.document_hashes(["beta", "missing"]) == {"beta": "beta-3"}
    assert store.document_hashes([]) == {}
    other = store.in_namespace("elsewhere")
    assert other.document_hashes(["alpha"]) == {}  # another namespace's document is not seen


def test_an_end_event_closed_at_its_own_date_stays_closed(store):
    """Temporal end events ("Priya left SAP") are superseded by themselves: replacing or deleting
    other documents must not reopen them, and the unit date round-trips."""
    from hippograph.records import Supersession

    ended = batch("end", ["Priya left SAP."], [("priya", "leave", "sap")])
    fact = ended.facts[0]
    fact.valid_from = "2023-04-02"
    ended.passages[0].occurred_at = "2023-04-02"
    ended.supersessions = [Supersession(fact.id, fact.id, "2023-04-02")]
    store.write_document(ended)
    store.write_document(batch("other", ["Ann lives in Oslo."], [("ann", "live in", "oslo")]))
    store.write_document(batch("other", ["Ann lives in Rome."], [("ann", "live in", "rome")], version="2"))
    store.delete_document("other")
    assert store.facts([fact.id])[0].invalid_at == "2023-04-02"
    assert store.passages([ended.passages[0].id])[0].occurred_at == "2023-04-02"


def test_alias_candidates_and_facts_by_object_are_read_by_index(store):
    store.write_document(
        batch(
            "alpha",
            ["Priya Shah works at SAP.", "Priya Patel met Priyanka."],
            [
                ("priya shah", "works at", "sap"),
                ("priya patel", "met", "priyanka"),
                ("priya", "joined", "sap"),
                ("priya 2", "met", "priya de la cruz"),
            ],
        )
    )
    # "priya" and the names continuing "priya " with one or two words and no digit: not "priyanka"
    # (its id merely starts alike), "priya 2" or the four-word "priya de la cruz".
    assert store.entities_named(["priya"]) == ["priya", "priya patel", "priya shah"]
    assert store.entities_named(["sap", "zed"]) == ["sap"]
    assert store.entities_named([]) == []
    assert sorted(f.subject for f in store.facts_with_object("sap")) == ["priya", "priya shah"]
    assert store.facts_with_object("zed") == []


def test_sqlite_full_names_are_read_by_index_not_by_scanning_a_shared_first_word(tmp_path):
    """A million "entity 123" ids must not make the alias read scan them: the partial index
    ``entities_full_name`` holds only full-name-shaped ids, keyed by their first word."""
    import sqlite3

    from hippograph.graph.sqlite_schema import FIRST_WORD, FULL_NAME
    from hippograph.graph.sqlite_store import SQLiteStore

    store = SQLiteStore(tmp_path / "names.db")
    numbered = [(f"entity {i}", "near", "hub") for i in range(300)]
    named = [("entity alpha", "near", "hub"), ("entity alpha beta", "near", "hub"), ("entity a b c", "near", "hub")]
    store.write_document(batch("many", ["Entities everywhere."], numbered + named))
    # Three-word names count (two or three words, as ``ids.full_name`` says); four words do not.
    assert store.entities_named(["entity"]) == ["entity alpha", "entity alpha beta"]
    db = sqlite3.connect(tmp_path / "names.db")
    (entries,) = db.execute(f"SELECT count(*) FROM entities INDEXED BY entities_full_name WHERE {FULL_NAME}").fetchone()
    assert entries == 2  # "entity alpha", "entity alpha beta": no numbered id, no bare word
    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT id FROM entities WHERE namespace=? AND {FIRST_WORD}=? AND id > ? AND {FULL_NAME} "
        "ORDER BY id LIMIT ?",
        ("default", "entity", "", 64),
    ).fetchall()
    assert "USING INDEX entities_full_name" in plan[0][-1]
    store.close()


def test_the_lexical_index_reads_and_follows_the_store(store):
    """BM25 reads unit texts through the store interface only, and follows writes and deletes."""
    from hippograph.retrieve.index import IndexCache

    store.write_document(batch("alpha", ["Alice fixed ERR_503 in v2.1.", "Bob lives in Paris."], []))
    cache = IndexCache(store)
    index = cache.get()
    bm25 = index.lexical_index(store)
    (hit,) = bm25.postings("v2.1")
    assert store.passages([hit])[0].text == "Alice fixed ERR_503 in v2.1."
    store.write_document(batch("beta", ["Carol moved to Oslo in v2.1 too."], []))
    store.delete_document("alpha")
    index = cache.get()
    assert index.lexical is bm25  # refreshed from the change feed, not rebuilt
    assert [store.passages([u])[0].text for u in bm25.postings("v2.1")] == ["Carol moved to Oslo in v2.1 too."]
    assert bm25.postings("paris") == {}


def test_a_first_word_shared_by_many_names_reads_enough_to_decide_the_alias(store):
    from hippograph.extract.aliases import alias_groups

    # 150 full names starting "kim" (more than one page of the SQLite read), a decoy that is no
    # full name ("kim 2x"), and the first name itself.
    names = [f"kim {chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(150)]
    triples = [(n, "knows", "kim") for n in names] + [("kim 2x", "knows", "kim")]
    store.write_document(batch("many", ["Kim knows everyone."], triples))
    named = store.entities_named(["kim"])
    assert "kim" in named and len([n for n in named if n != "kim"]) >= 2
    assert set(named) <= {"kim", *names}
    assert alias_groups(named, ["kim"]) == {}  # many full names: "kim" stands for none of them
    store.write_document(batch("one", ["Lee Chen met Kim."], [("lee chen", "met", "kim"), ("lee", "met", "kim")]))
    assert alias_groups(store.entities_named(["lee"]), ["lee"])["lee"] == frozenset({"lee", "lee chen"})
