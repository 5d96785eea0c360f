"""Evolving entity notes (A-MEM): derived on every read, prose regenerated when the facts change."""

from __future__ import annotations

import json

import pytest
from killharness import TrigramEmbedder
from langchain_core.language_models import FakeListChatModel

from hippograph import Memory, RetrievalSettings, Settings

PARIS = "Alice Moreau lives in Paris."
BERLIN = "Alice Moreau moved to Berlin."


def memory_at(path, **settings) -> Memory:
    llm = settings.pop("llm", None)
    return Memory(
        Settings(store=f"sqlite:///{path}", extractor="spacy", **settings), embedder=TrigramEmbedder(), llm=llm
    )


def test_entity_note_is_updated_on_supersession(tmp_path):
    with memory_at(tmp_path / "m.db") as memory:
        memory.add_text(PARIS, source="notes/2021", occurred_at="2021-03-01")
        before = memory.entity_note("Alice Moreau")
        assert before is not None and before.id == "alice moreau" and before.name == "Alice Moreau"
        assert any("paris" in f.lower() for f in before.facts) and not before.superseded
        assert before.first_seen == before.last_seen == "2021-03-01" and before.units == 1
        memory.add_text(BERLIN, source="notes/2022", occurred_at="2022-06-10")
        after = memory.entity_note("alice moreau")
        assert any("berlin" in f.lower() for f in after.facts)
        assert not any("paris" in f.lower() for f in after.facts)
        assert any("paris" in f.lower() for f in after.superseded)
        assert (after.first_seen, after.last_seen, after.units) == ("2021-03-01", "2022-06-10", 2)
        assert after.fingerprint != before.fingerprint
        # Derived, not stored: deleting the newer note brings the old summary back.
        memory.delete(memory.find_documents("notes/2022")[0].id)
        again = memory.entity_note("Alice Moreau")
        assert again.facts == before.facts and again.fingerprint == before.fingerprint
        assert memory.entity_note("nobody at all") is None


def test_prose_note_is_regenerated_only_when_facts_change(tmp_path):
    llm = FakeListChatModel(responses=["Alice Moreau lives in Paris.", "Alice Moreau left Paris for Berlin."])
    with memory_at(tmp_path / "m.db", entity_note_prose=True, llm=llm) as memory:
        memory.add_text(PARIS, source="notes/2021", occurred_at="2021-03-01")
        assert memory.entity_note("Alice Moreau").prose == "Alice Moreau lives in Paris."
        assert memory.entity_note("Alice Moreau").prose == "Alice Moreau lives in Paris."
        assert memory.notes.prose_calls == 1  # same facts: no second call
        memory.add_text("Paris is a city in France.", source="notes/paris", occurred_at="2021-05-01")
        assert memory.entity_note("Alice Moreau").prose == "Alice Moreau lives in Paris."  # her facts unchanged
        memory.add_text(BERLIN, source="notes/2022", occurred_at="2022-06-10")
        assert memory.entity_note("Alice Moreau").prose == "Alice Moreau left Paris for Berlin."
        assert memory.notes.prose_calls == 2
    with memory_at(tmp_path / "m.db") as plain:  # no prose setting: no model needed, no prose
        assert plain.entity_note("Alice Moreau").prose is None


def test_notes_are_searchable_and_shown(tmp_path):
    from typer.testing import CliRunner

    from hippograph.cli import app

    path = tmp_path / "m.db"
    with memory_at(path) as memory:
        memory.add_text(PARIS, source="notes/2021", occurred_at="2021-03-01")
        memory.add_text(BERLIN, source="notes/2022", occurred_at="2022-06-10")
        memory.add_text("Bruno Keller lives in Vienna.", source="notes/bruno", occurred_at="2022-01-01")
        assert [n.id for n in memory.find_notes("berlin")][:1] == ["alice moreau"]
        assert "bruno keller" not in [n.id for n in memory.find_notes("berlin")]
        assert {n.id for n in memory.find_notes("vienna bruno")} == {"bruno keller", "vienna"}  # both notes say it
        assert memory.find_notes("paris alice") == []  # Paris is no longer one of her current facts
    runner = CliRunner()
    shown = runner.invoke(app, ["--store", f"sqlite:///{path}", "show", "Alice Moreau", "--json"])
    assert shown.exit_code == 0, shown.output
    note = json.loads(shown.output)
    assert note["id"] == "alice moreau" and note["last_seen"] == "2022-06-10"
    text = runner.invoke(app, ["--store", f"sqlite:///{path}", "show", "alice moreau"])
    assert text.exit_code == 0 and "(no longer)" in text.output and "Berlin" in text.output
    missing = runner.invoke(app, ["--store", f"sqlite:///{path}", "show", "zebra"])
    assert missing.exit_code == 1


@pytest.mark.parametrize("ref", ["notes/2021"])
def test_show_still_shows_documents(tmp_path, ref):
    from typer.testing import CliRunner

    from hippograph.cli import app

    path = tmp_path / "m.db"
    with memory_at(path) as memory:
        memory.add_text(PARIS, source=ref, occurred_at="2021-03-01")
    shown = CliRunner().invoke(app, ["--store", f"sqlite:///{path}", "show", ref, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["document"]["source"] == ref


def test_notes_come_back_as_retrieval_units_ranked_by_the_walk(tmp_path):
    # The trigram test embedder links facts weakly, so the dense fallback would fire: the walk's
    # ranking is tested with it off, the fallback's (notes of the linked facts) after.
    walk = RetrievalSettings(fallback_margin=None)
    with memory_at(tmp_path / "m.db", retrieval=walk) as memory:
        memory.add_text(PARIS, source="notes/2021", occurred_at="2021-03-01")
        memory.add_text(BERLIN, source="notes/2022", occurred_at="2022-06-10")
        memory.add_text("Bob Stone teaches chemistry in Lyon.", source="notes/bob")
        question = "Where does Alice Moreau live now?"
        result = memory.retrieve(question, top_k=2, notes=2)
        assert result.activation is not None and len(result.notes) == 2
        mass = dict(zip(result.activation.node_ids, result.activation.mass))
        units = set(memory.retriever.indexes.get().unit_kind)
        chosen = [n["id"] for n in result.notes]
        masses = [mass[e] for e in chosen]
        assert masses == sorted(masses, reverse=True)  # the most reached entity first
        assert all(m <= masses[-1] for e, m in mass.items() if e not in units and e not in chosen)
        alice = next(n for n in result.notes if n["id"] == "alice moreau")
        assert any("berlin" in f.lower() for f in alice["facts"])
        assert any("paris" in f.lower() for f in alice["superseded"])
        assert result.as_dict()["notes"] == result.notes
        plain = memory.retrieve(question, top_k=2)
        assert plain.notes == [] and "notes" not in plain.as_dict()  # only when asked for
        fallback = memory.retriever.retrieve(question, top_k=2, settings=RetrievalSettings(fallback_margin=10.0))
        assert fallback.activation is None and fallback.facts
        linked = [e for f in fallback.facts for e in (f.subject, f.object)]
        notes = memory.notes.ranked(memory.retriever.indexes.get(), fallback, 3)
        assert [n.id for n in notes] == list(dict.fromkeys(linked))[:3]  # no walk: the linked facts' entities
