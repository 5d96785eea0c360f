"""Write-back (Think-in-Memory): answers stored as thoughts, cited units as their evidence, deleted
with their sources."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from killharness import TrigramEmbedder
from storecases import batch, vec

from hippograph import Memory, Settings
from hippograph.graph.store import StoreError
from hippograph.records import Citation, Document, DocumentBatch, Episode, Mention, RetrievedUnit
from hippograph.retrieve.answer import Answer
from hippograph.retrieve.thoughts import ground_citations

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def thought_batch(doc: str, cites: list[str], mentions: list[str] = ()) -> DocumentBatch:
    d = Document(doc, f"thought/{doc}", "Q?", f"{doc}-1", "2026-01-01T00:00:00+00:00", '{"kind": "thought"}')
    unit = f"{doc}-t"
    b = DocumentBatch(d, episodes=[Episode(unit, doc, "Q? A.", None, "thought", 0, "thought", vec(99))])
    b.mentions = [Mention(unit, e, 1) for e in mentions]
    b.citations = [Citation(unit, c) for c in cites]
    return b


def test_store_deletes_a_thought_with_any_unit_it_cites(store):
    store.write_document(batch("alpha", ["Alice met Bob."], [("alice", "met", "bob")]))
    store.write_document(batch("beta", ["Bob lives in Paris."], [("bob", "lives in", "paris")]))
    alone = store.stats().as_dict()
    a_unit = store.document_units("alpha")[0].id
    b_unit = store.document_units("beta")[0].id
    store.write_document(thought_batch("t1", [a_unit, b_unit], ["alice", "paris"]))
    store.write_document(thought_batch("t2", [b_unit], ["bob"]))
    assert store.thought_sources(["t1-t", "t2-t", a_unit]) == {"t1-t": sorted([a_unit, b_unit]), "t2-t": [b_unit]}
    assert store.export_document("t1").citations == [Citation("t1-t", u) for u in sorted([a_unit, b_unit])]
    # Replacing alpha (new content) takes t1 with it; t2 cites beta only and stays.
    store.write_document(batch("alpha", ["Alice met Bob again."], [("alice", "met", "bob")], version="2"))
    assert {d.id for d in store.documents()} == {"alpha", "beta", "t2"}
    assert store.delete_document("beta") is True
    assert {d.id for d in store.documents()} == {"alpha"}
    assert store.thought_sources(["t1-t", "t2-t"]) == {}
    store.write_document(batch("beta", ["Bob lives in Paris."], [("bob", "lives in", "paris")]))
    assert store.stats().as_dict()["entities"] == alone["entities"]  # no entity left behind or lost


def test_a_thought_citing_an_absent_unit_is_refused_whole(store):
    store.write_document(batch("alpha", ["Alice met Bob."], [("alice", "met", "bob")]))
    before = store.stats().as_dict()
    with pytest.raises(StoreError):
        store.write_document(thought_batch("t1", ["no-such-unit"]))
    assert store.stats().as_dict() == before and "t1" not in store.document_hashes()


def test_citations_of_a_thought_become_its_sources():
    units = [RetrievedUnit("t", "thought", "", "", 1.0, "d"), RetrievedUnit("p", "passage", "", "", 0.5, "d")]
    answer = Answer("q", "a [1][2]", ["t", "p"], units)
    grounded = ground_citations(answer, {"t": ["s1", "p"]})
    assert grounded.citations == ["s1", "p"] and grounded.via_thoughts == ["t"] and not grounded.from_thoughts_only
    alone = ground_citations(Answer("q", "a [1]", ["t"], units), {"t": ["s1"]})
    assert alone.citations == ["s1"] and alone.from_thoughts_only


@pytest.fixture
def curie(tmp_path):
    settings = Settings(store=f"sqlite:///{tmp_path / 'm.db'}", extractor="spacy")
    with Memory(settings, embedder=TrigramEmbedder(), clock=lambda: NOW) as memory:
        memory.add_text("Marie Curie was born in Warsaw. She studied in Paris.", source="notes/curie")
        memory.add_text("The Eiffel Tower stands in Paris.", source="notes/eiffel")
        yield memory


def test_write_back_is_retrievable_linked_and_deleted_with_its_sources(curie):
    question = "Where was Marie Curie born?"
    generation = curie.store.generation()
    plain = curie.answer(question, top_k=2)
    assert curie.store.generation() == generation and plain.thought_id is None  # a read writes nothing
    answer = curie.answer(question, top_k=2, remember=True)
    assert not answer.abstained and answer.thought_id
    source_unit = curie.store.document_units(curie.find_documents("notes/curie")[0].id)[0].id
    assert answer.citations == [source_unit]
    assert curie.store.thought_sources([answer.thought_id]) == {answer.thought_id: [source_unit]}
    thought_doc = next(d for d in curie.documents() if d.source.startswith("thought/"))
    exported = curie.store.export_document(thought_doc.id)
    assert {m.entity_id for m in exported.mentions} >= {"marie curie", "warsaw"}
    assert not exported.supports and not exported.facts  # a conclusion is not evidence
    # Retrievable later, as a thought; an answer citing it cites its source instead.
    again = curie.retrieve("Marie Curie Warsaw born", top_k=3)
    assert any(p.id == answer.thought_id and p.kind == "thought" for p in again.passages)
    second = curie.answer(question, top_k=3)
    assert answer.thought_id not in second.citations and source_unit in second.citations
    # Deleted with its sources; the other note and its entities stay.
    curie.delete(curie.find_documents("notes/curie")[0].id)
    assert [d.source for d in curie.documents()] == ["notes/eiffel"]
    assert all(p.kind != "thought" for p in curie.retrieve(question, top_k=3).passages)


def test_an_answer_built_from_thoughts_alone_is_not_written_back(curie):
    answer = curie.answer("Where was Marie Curie born?", top_k=2, remember=True)
    before = curie.store.stats().as_dict()
    echo = Answer(answer.question, answer.answer, [answer.thought_id], [], [])
    ground_citations(echo, curie.store.thought_sources([answer.thought_id]))
    assert echo.from_thoughts_only and curie.remember_answer(echo) is None
    assert curie.store.stats().as_dict() == before
    abstained = Answer("q", "Not in memory", [], abstained=True)
    assert curie.remember_answer(abstained) is None


def test_write_back_over_http_is_deleted_with_its_source(tmp_path, embedder):
    import httpx
    from serving import ThreadedServer

    from hippograph.server import MemoryService, TokenPolicy
    from hippograph.server.app import create_app

    service = MemoryService(Settings(store=f"sqlite:///{tmp_path / 'served.db'}"), embedder=embedder)
    service.warm()
    try:
        with ThreadedServer(create_app(service, TokenPolicy("tok"))) as url:
            with httpx.Client(base_url=url, headers={"Authorization": "Bearer tok"}, timeout=60) as http:
                doc = http.post("/remember", json={"text": "Marie Curie was born in Warsaw.", "source": "n/c"}).json()
                question = {"question": "Where was Marie Curie born?", "top_k": 1}
                assert http.post("/answer", json=question).json()["thought_id"] is None
                answered = http.post("/answer", json={**question, "remember": True}).json()
                assert answered["thought_id"] and not answered["abstained"]
                recalled = http.post("/recall", json={"question": "Marie Curie born Warsaw", "top_k": 3}).json()
                assert answered["thought_id"] in {p["id"] for p in recalled["passages"]}  # seen at once
                http.delete(f"/documents/{doc['id']}")
                assert http.get("/stats").json()["documents"] == 0
    finally:
        service.close()


def test_answer_remember_flag_writes_a_thought(memory):
    from typer.testing import CliRunner

    from hippograph.cli import app

    memory.add_text("Marie Curie was born in Warsaw.", source="notes/curie", extractor="spacy")
    store = memory.settings.store
    memory.close()
    runner = CliRunner()
    ask = ["--store", store, "answer", "Where was Marie Curie born?", "-k", "1", "--json"]
    plain = runner.invoke(app, ask)
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.output)["thought_id"] is None
    kept = runner.invoke(app, [*ask, "--remember"])
    thought = json.loads(kept.output)["thought_id"]
    assert kept.exit_code == 0 and thought
    shown = runner.invoke(app, ["--store", store, "query", "Marie Curie Warsaw born", "-k", "3", "--json"])
    assert thought in {p["id"] for p in json.loads(shown.output)["passages"] if p["kind"] == "thought"}
