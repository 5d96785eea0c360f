"""Memory that knows what is true now: note dates, markdown structure, end events, role holders,
aliases, as-of filtering of units, strict --as-of, abstention."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from hippograph.dates import interval, parse_as_of, parse_written_date
from hippograph.errors import InputError
from hippograph.extract.aliases import alias_map
from hippograph.extract.readers import Problem, ReadOptions, read_sources

NOTE = """---
title: Priya Shah
date: 2021-02-10
updated: 2022-03
tags: [people]
---
# Priya Shah

Priya Shah works at SAP.

## Setup

```
Priya works at Nowhere Corp
```

Met her through [[Tom Becker]].
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def only_doc(paths, **options):
    items = list(read_sources([str(p) for p in paths], "auto", options=ReadOptions(**options) if options else None))
    assert len(items) == 1
    return items[0]


# -- dates -------------------------------------------------------------------------------
def test_front_matter_dates_updated_wins_and_created_is_kept(tmp_path):
    doc = only_doc([write(tmp_path, "p.md", NOTE)])
    assert doc.title == "Priya Shah"
    assert doc.metadata["date"] == "2022-03"  # "updated" is the document's date, at month precision
    assert doc.metadata["created"] == "2021-02-10" and doc.metadata["updated"] == "2022-03"
    assert doc.metadata["front_matter"]["tags"] == ["people"]


def test_configured_date_key_and_written_partial_date(tmp_path):
    note = write(tmp_path, "n.md", "---\npublished: March 2021\n---\nText about Lena Fischer.\n")
    assert "date" not in only_doc([note]).metadata
    assert only_doc([note], date_keys=("published",)).metadata["date"] == "2021-03"


def test_file_time_is_an_opt_in_fallback_and_explicit_date_wins(tmp_path):
    note = write(tmp_path, "plain.txt", "Kenji Sato lives in Osaka.")
    os.utime(note, (1_600_000_000, 1_600_000_000))
    assert "date" not in only_doc([note]).metadata
    dated = only_doc([note], file_dates=True).metadata
    assert dated["date"].startswith("2020-09-13") and dated["date_source"] == "file modification time"
    assert only_doc([note], date="2019-05-01", file_dates=True).metadata["date"] == "2019-05-01"


@pytest.mark.parametrize("front", ["a: &x [1, 2]\nb: *x", "- just\n- a list", "key: [unclosed"])
def test_unsafe_or_bad_front_matter_is_refused_with_a_reason(tmp_path, front):
    item = only_doc([write(tmp_path, "bad.md", f"---\n{front}\n---\nBody text.\n")])
    assert isinstance(item, Problem) and "front matter" in item.reason


def test_oversized_front_matter_is_refused(tmp_path):
    huge = "notes: " + "x" * 70_000
    item = only_doc([write(tmp_path, "big.md", f"---\n{huge}\n---\nBody.\n")])
    assert isinstance(item, Problem) and "allowed" in item.reason


def test_dates_parse_at_their_precision_and_compare_in_utc():
    assert parse_written_date("since March 2021") == "2021-03"
    assert parse_written_date("in 2019") == "2019"
    assert parse_written_date("last month") is None  # relative, and no date to resolve it against
    assert parse_written_date("last month", "2024-02-10T09:00:00+00:00") == "2024-01"
    start, end = interval("2021-03")
    assert (start.month, end.month) == (3, 4)
    # 23:30 at UTC-2 is 01:30 the next day in UTC: compared as instants, not as strings.
    assert parse_as_of("2023-05-01T23:30:00-02:00") > parse_as_of("2023-05-01")


@pytest.mark.parametrize("bad", ["yesterday", "2023-13-45", "2023-02-30", "May 2023", "2023/05/01", ""])
def test_as_of_accepts_iso_only(bad):
    with pytest.raises(InputError, match="ISO"):
        parse_as_of(bad)


# -- markdown structure ----------------------------------------------------------------------
def test_headings_and_front_matter_never_become_passage_text(memory, tmp_path):
    (tmp_path / "notes").mkdir()
    write(tmp_path / "notes", "p.md", NOTE)
    report = memory.ingest([str(tmp_path / "notes")])
    assert report.ok
    doc_id = memory.documents()[0].id
    shown = memory.show(doc_id)
    texts = [u["text"] for u in shown["units"]]
    assert all("---" not in t and "date:" not in t and "#" not in t.split("\n")[0] for t in texts)
    assert [u["title"] for u in shown["units"]] == ["Priya Shah", "Priya Shah / Setup"]
    assert all(u["occurred_at"] == "2022-03" for u in shown["units"])
    facts = [f for u in shown["units"] for f in u["facts"]]
    assert {(f["subject"], f["object"]) for f in facts} == {("priya shah", "sap")}  # code is not mined
    assert facts[0]["valid_from"] == "2022-03"
    setup = shown["units"][1]
    assert "Nowhere Corp" in setup["text"] and "[[" not in setup["text"]  # code kept, link unwrapped
    assert "tom becker" in memory.store.node_ids("entity")  # the wikilink is an entity mention


# -- validity from text ----------------------------------------------------------------------
def facts_of(memory, subject):
    return {(f.predicate, f.object): f for f in memory.store.facts_about(subject)}


def test_left_x_ends_the_fact_instead_of_adding_a_positive_one(memory):
    memory.add_text("Priya Shah works at SAP.", source="a", occurred_at="2021-02-10")
    memory.add_text("Priya Shah left SAP and joined Stripe.", source="b", occurred_at="2023-04-02")
    facts = facts_of(memory, "priya shah")
    assert facts[("work at", "sap")].invalid_at == "2023-04-02"
    assert facts[("join", "stripe")].invalid_at is None
    # The end event is closed at its own date: never a current fact.
    assert facts[("leave", "sap")].invalid_at == "2023-04-02"
    now = memory.retrieve("Where does Priya Shah work now?", top_k=2)
    assert [f.object for f in now.facts][:1] == ["stripe"] and "sap" not in {f.object for f in now.facts}


def test_sentence_dates_set_validity_and_no_longer_ends(memory):
    memory.add_text(
        "Tom Becker has worked at Siemens since March 2015. In May 2022 Tom quit Siemens and "
        "joined Airbus. Tom Becker lives in Munich. Tom Becker no longer lives in Munich.",
        source="tom",
        occurred_at="2022-06-20",
    )
    facts = facts_of(memory, "tom becker")
    assert facts[("work at", "siemens")].valid_from == "2015-03"
    assert facts[("work at", "siemens")].invalid_at == "2022-05"  # "Tom" is Tom Becker in this note
    assert facts[("join", "airbus")].valid_from == "2022-05"
    assert facts[("live in", "munich")].invalid_at is not None


def test_new_role_holder_ends_the_previous_one_in_either_order(tmp_path, embedder):
    from hippograph import Memory, Settings

    texts = [
        ("Alice Grant is the mayor of Springfield.", "2018-01-05"),
        ("Bob Lee became the mayor of Springfield.", "2022-11-20"),
    ]
    results = []
    for order in (texts, texts[::-1]):
        with Memory(Settings(store=f"sqlite:///{tmp_path / f'{len(results)}.db'}"), embedder=embedder) as m:
            for n, (text, when) in enumerate(order):
                m.add_text(text, source=f"s{n}" if order is texts else f"s{1 - n}", occurred_at=when)
            results.append(
                (
                    facts_of(m, "alice grant")[("be mayor of", "springfield")].invalid_at,
                    facts_of(m, "bob lee")[("become mayor of", "springfield")].invalid_at,
                )
            )
    assert results == [("2022-11-20", None), ("2022-11-20", None)]


# -- aliases ---------------------------------------------------------------------------------
def test_alias_map_needs_one_unambiguous_full_name():
    assert alias_map(["priya", "priya shah", "sap"]) == {"priya": "priya shah"}
    assert alias_map(["priya", "priya shah", "priya patel"]) == {}
    assert alias_map(["may", "may 2022"]) == {}
    assert alias_map(["w:priya", "w:priya shah", "priya"]) == {"w:priya": "w:priya shah"}


def test_first_name_and_full_name_merge_across_documents_in_any_order(tmp_path, embedder):
    from hippograph import Memory, Settings

    docs = {"a": ("Priya Shah works at SAP.", "2021-02-10"), "b": ("Priya left SAP and joined Stripe.", "2023-04-02")}
    states = []
    for order in (["a", "b"], ["b", "a"]):
        with Memory(Settings(store=f"sqlite:///{tmp_path / ''.join(order)}.db"), embedder=embedder) as m:
            for key in order:
                m.add_text(docs[key][0], source=key, occurred_at=docs[key][1])
            sap = facts_of(m, "priya shah")[("work at", "sap")]
            shown = m.show(next(d.id for d in m.documents() if d.source == "b"))
            states.append((sap.invalid_at, shown["aliases"], m.stats().as_dict()))
    assert states[0] == states[1]
    assert states[0][0] == "2023-04-02" and states[0][1] == {"priya": "priya shah"}


def test_speaker_and_the_full_name_they_introduce_are_one_entity(memory, tmp_path):
    turns = [
        {"speaker": "Sam", "text": "Hi, I'm Sam Carter.", "timestamp": "2023-05-02T10:00:00Z"},
        {"speaker": "Sam", "text": "I just moved to Lisbon.", "timestamp": "2023-05-02T10:01:00Z"},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in turns))
    memory.ingest([str(path)])
    assert ("move to", "lisbon") in facts_of(memory, "sam carter")
    assert "sam" not in memory.store.node_ids("entity")


def test_deleting_the_document_behind_an_alias_restores_exact_counts(memory):
    memory.add_text("Priya Shah works at SAP.", source="a", occurred_at="2021-02-10")
    before = memory.stats().as_dict()
    memory.add_text("Priya left SAP and joined Stripe.", source="b", occurred_at="2023-04-02")
    with_b = memory.stats().as_dict()
    b = next(d.id for d in memory.documents() if d.source == "b")
    memory.delete(b)
    assert memory.stats().as_dict() == before
    assert facts_of(memory, "priya shah")[("work at", "sap")].invalid_at is None
    memory.add_text("Priya left SAP and joined Stripe.", source="b", occurred_at="2023-04-02")
    assert memory.stats().as_dict() == with_b


# -- retrieval in time -----------------------------------------------------------------------
def test_as_of_filters_passages_and_episodes(memory, tmp_path):
    memory.add_text("Lena Fischer lives in Munich.", source="old", occurred_at="2018-05-01")
    memory.add_text("Lena Fischer moved to Vienna.", source="new", occurred_at="2024-01-15")
    turns = [
        {"speaker": "Ana", "text": "I live in Madrid.", "timestamp": "2021-06-01T12:00:00Z", "conversation_id": "a"},
        {
            "speaker": "Ana",
            "text": "I moved to Seville and I love it.",
            "timestamp": "2023-03-20T12:00:00Z",
            "conversation_id": "a",
        },
    ]
    (tmp_path / "ana.jsonl").write_text("\n".join(json.dumps(t) for t in turns))
    memory.ingest([str(tmp_path / "ana.jsonl")])
    for question in ("Where does Lena Fischer live?", "Where does Ana live?"):
        then = memory.retrieve(question, top_k=10, as_of="2022-01-01")
        dates = [p.occurred_at for p in then.passages]
        assert dates and all(parse_as_of(d[:10]) <= parse_as_of("2022-01-01") for d in dates)
        assert memory.retrieve(question, top_k=10).passages[0].occurred_at > "2022"  # now: the newest first
    answer = memory.answer("Where did Ana live?", as_of="2022-01-01")
    assert "Madrid" in answer.answer and not answer.abstained


def test_injected_now_hides_facts_that_begin_later(tmp_path, embedder):
    from hippograph import Memory, Settings

    def clock():
        return dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)

    with Memory(Settings(store=f"sqlite:///{tmp_path / 'c.db'}"), embedder=embedder, clock=clock) as m:
        m.add_text("Kenji Sato lives in Kyoto.", source="k", occurred_at="2024-08-08")
        result = m.retrieve("Where does Kenji Sato live?")
        assert result.facts == [] and result.reference_date.startswith("2020-01-01")


def test_reader_abstains_when_memory_does_not_hold_the_answer(memory):
    memory.add_text("Alice Grant is the mayor of Springfield.", source="s", occurred_at="2018-01-05")
    missing = memory.answer("Who is the mayor of Shelbyville?").as_dict()
    assert missing["abstained"] is True and missing["answer"].startswith("Not in memory")
    known = memory.answer("Who is the mayor of Springfield?")
    assert not known.abstained and "Alice Grant" in known.answer


def test_llm_reader_gets_reference_date_valid_facts_and_unit_dates(memory):
    from hippograph.retrieve.answer import reader_prompt

    memory.add_text("Priya Shah works at SAP.", source="a", occurred_at="2021-02-10")
    memory.add_text("Priya Shah left SAP and joined Stripe.", source="b", occurred_at="2023-04-02")
    retrieved = memory.retrieve("Where does Priya Shah work now?", top_k=2)
    prompt = reader_prompt(retrieved)
    assert f"as of {retrieved.reference_date}" in prompt
    assert "since 2023-04-02" in prompt and "(2023-04-02)" in prompt
    assert "work at SAP" not in prompt.split("Facts valid on", 1)[1].split("[1]", 1)[0]


# -- CLI -------------------------------------------------------------------------------------
def run_cli(*args, store):
    """The command line in-process (what it prints and its exit code; no interpreter to start)."""
    from typer.testing import CliRunner

    from hippograph.cli import app

    return CliRunner().invoke(app, list(args), env={"HIPPOGRAPH_STORE": f"sqlite:///{store}"})


@pytest.mark.parametrize("bad", ["yesterday", "2023-13-45"])
def test_cli_as_of_refuses_non_iso_dates(tmp_path, bad):
    result = run_cli("query", "Where does Priya work?", "--as-of", bad, store=tmp_path / "none.db")
    assert result.exit_code == 2
    assert "ISO" in result.stderr and bad in result.stderr


def test_cli_date_refuses_non_dates(tmp_path):
    note = write(tmp_path, "n.txt", "Priya Shah works at SAP.")
    result = run_cli("ingest", str(note), "--date", "last week", store=tmp_path / "s.db")
    assert result.exit_code == 2 and "--date" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_configured_functional_relation_supersedes_through_the_ingestion_driver(tmp_path, embedder):
    from hippograph import Memory, Settings

    texts = [("Acme Corp drives a Volvo.", "2020-01-10"), ("Acme Corp drives a Tesla.", "2023-05-02")]
    invalid = {}
    for relations in ((), ("drive",)):
        settings = Settings(store=f"sqlite:///{tmp_path / f'{len(invalid)}.db'}", functional_relations=relations)
        with Memory(settings, embedder=embedder) as m:
            for n, (text, when) in enumerate(texts):
                m.add_text(text, source=f"s{n}", occurred_at=when)
            facts = facts_of(m, "acme corp")
            invalid[relations] = (facts[("drive", "volvo")].invalid_at, facts[("drive", "tesla")].invalid_at)
    # Not functional by default: both hold. Configured: the later value ends the earlier one.
    assert invalid[()] == (None, None)
    assert invalid[("drive",)] == ("2023-05-02", None)
