"""Issue 16: nothing a user feeds hippograph aborts a run, corrupts the store or goes unexplained.

The file corpus (tests/badinputs.py) is ingested in two in-process CLI runs beside good documents
(one warm embedder); every bad input must be named by a problem with its reason, no traceback may
appear, and the store must hold exactly what the good inputs alone produce. Bad command-line
arguments are in test_bad_arguments.py, hostile strings and credentials in test_hostile_output.py."""

from __future__ import annotations

import json

import badinputs
import pytest
from cli_invoke import invoke, store_stats

CORPUS = badinputs.build()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("bad-inputs")
    inputs = badinputs.materialize(CORPUS, "auto", root / "in")
    locomo = badinputs.materialize(CORPUS, "locomo", root / "locomo")
    clean = badinputs.materialize(CORPUS, "auto", root / "clean", clean=True)
    clean_locomo = badinputs.materialize(CORPUS, "locomo", root / "clean-locomo", clean=True)
    # The store lives inside the folder it ingests, under a name with no .db suffix: its own
    # files (and their -wal/-shm journals) must still be skipped.
    store = f"sqlite:///{inputs / 'mystore'}"
    reference = f"sqlite:///{root / 'reference.db'}"
    auto = invoke("ingest", str(inputs), "--json", "--store", store)
    conversations = invoke("ingest", str(locomo), "--format", "locomo", "--json", "--store", store)
    ok_auto = invoke("ingest", str(clean), "--json", "--store", reference)
    ok_locomo = invoke("ingest", str(clean_locomo), "--format", "locomo", "--json", "--store", reference)
    problems = json.loads(auto.stdout)["problems"] + json.loads(conversations.stdout)["problems"]
    return {
        "runs": [auto, conversations],
        "clean_runs": [ok_auto, ok_locomo],
        "problems": problems,
        "store": store,
        "reference": reference,
        "inputs": inputs,
    }


def test_corpus_is_large():
    assert len(CORPUS.cases) >= 140 and len({c.id for c in CORPUS.cases}) == len(CORPUS.cases)


@pytest.mark.parametrize("case", CORPUS.cases, ids=lambda c: c.id)
def test_bad_input_is_named_with_its_reason(runs, case):
    matches = [p for p in runs["problems"] if case.named in p["source"]]
    assert matches, f"no problem names {case.named!r}"
    assert any(case.reason.lower() in p["reason"].lower() for p in matches), matches


def test_runs_finish_with_exit_1_and_no_traceback(runs):
    for result in runs["runs"]:
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
    for result in runs["clean_runs"]:
        assert result.exit_code == 0, result.output


def test_store_holds_exactly_what_the_good_inputs_produce(runs):
    bad, good = store_stats(runs["store"]), store_stats(runs["reference"])
    assert bad["documents"] >= 14 and bad["episodes"] > 0
    assert bad == good


def test_skipped_and_odd_files(runs):
    sources = [d["source"] for d in json.loads(invoke("documents", "--json", "--store", runs["store"]).stdout)]
    assert not [s for s in sources if "/skip/" in s or "mystore" in s]
    names = [s for s in sources if "/names/" in s]
    assert len(names) == 8
    # A file named c.json#foo never takes the key of record foo of c.json.
    assert any(s.endswith("c.json%23foo.txt") for s in names)


def test_openie_junk_items_never_become_entities(runs):
    shown = json.loads(
        invoke("show", str(runs["inputs"] / "records/openie-mixed.json"), "--json", "--store", runs["store"]).stdout
    )
    assert len(shown["units"]) == 1
    names = {f["subject"] for f in shown["units"][0]["facts"]} | {f["object"] for f in shown["units"][0]["facts"]}
    assert names == {"alpha", "beta"}


def test_line_separators_stay_inside_a_jsonl_record(memory, tmp_path):
    path = tmp_path / "sep.jsonl"
    path.write_text(
        json.dumps({"title": "sep", "text": "one\u2028two\u2029three"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"title": "next", "text": "four"})
        + "\n",
        encoding="utf-8",
    )
    report = memory.ingest([str(path)], extractor="none")
    assert report.ok and len(report.added) == 2
    texts = {u.text for d in memory.documents() for u in memory.store.document_units(d.id)}
    assert texts == {"one two three", "four"}  # one record, its separators read as spaces by the chunker


def test_colliding_record_keys_stay_distinct(memory, tmp_path):
    (tmp_path / "c.json").write_text(
        json.dumps(
            [
                {"title": "foo", "text": "record foo"},
                {"title": "foo", "text": "second foo"},
                {"title": "foo~1", "text": "literal foo~1"},
            ]
        )
    )
    (tmp_path / "c.json#foo").write_text("a file whose name holds a hash")
    report = memory.ingest([str(tmp_path)], extractor="none")
    assert report.ok and len(report.added) == 4 and memory.stats().documents == 4


def test_same_key_with_different_content_in_one_run_is_refused(memory, tmp_path):
    from hippograph.extract.source import SourceDocument

    docs = [
        SourceDocument("k", "t", "first text", "text"),
        SourceDocument("k", "t", "other text", "text"),
        SourceDocument("k", "t", "first text", "text"),
    ]
    report = memory.ingest_documents(docs, extractor="none")
    assert len(report.added) == 1 and len(report.unchanged) == 1
    assert [p.source for p in report.problems] == ["k"] and "same source key" in report.problems[0].reason


def test_one_failing_document_does_not_fail_its_group(memory):
    from hippograph.extract.base import Extraction
    from hippograph.extract.source import SourceDocument

    class Picky:
        name = "picky"

        def extract(self, texts, titles=None):
            if any("POISON" in t for t in texts):
                raise ValueError("[E088] Text of length 2000000 exceeds maximum")
            return [Extraction() for _ in texts]

    from hippograph.pipelines import ingest as driver
    from hippograph.pipelines.work import Models

    docs = [
        SourceDocument(f"d{i}", f"d{i}", f"document {i} POISON" if i == 2 else f"document {i}", "text")
        for i in range(5)
    ]
    seen = []
    report = driver.ingest(
        docs,
        memory.store,
        memory.settings,
        driver.in_process(Models(memory.embedder, Picky())),
        progress=lambda done, total: seen.append(done),
    )
    assert len(report.added) == 4 and [p.source for p in report.problems] == ["d2"]
    assert "E088" in report.problems[0].reason
    assert seen[:5] == [0, 1, 2, 3, 4]  # progress per document, not per group
