"""Issue 16: nothing a user feeds hippograph aborts a run, corrupts the store or goes unexplained.

The file corpus (tests/badinputs.py) is ingested in two in-process CLI runs beside good documents
(one warm embedder); every bad input must be named by a problem with its reason, no traceback may
appear, and the store must hold exactly what the good inputs alone produce."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippograph.cli import app

sys.path.insert(0, str(Path(__file__).parent))
import badinputs

CORPUS = badinputs.build()


def _invoke(*args: str, input: str | None = None):
    # A wide terminal: tables show whole titles (what is checked is how they print, not wrapping).
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False, env={"COLUMNS": "400"})


def _stats(store: str) -> dict:
    return json.loads(_invoke("stats", "--json", "--store", store).stdout)


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
    auto = _invoke("ingest", str(inputs), "--json", "--store", store)
    conversations = _invoke("ingest", str(locomo), "--format", "locomo", "--json", "--store", store)
    ok_auto = _invoke("ingest", str(clean), "--json", "--store", reference)
    ok_locomo = _invoke("ingest", str(clean_locomo), "--format", "locomo", "--json", "--store", reference)
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
    bad, good = _stats(runs["store"]), _stats(runs["reference"])
    assert bad["documents"] >= 14 and bad["episodes"] > 0
    assert bad == good


def test_skipped_and_odd_files(runs):
    sources = [d["source"] for d in json.loads(_invoke("documents", "--json", "--store", runs["store"]).stdout)]
    assert not [s for s in sources if "/skip/" in s or "mystore" in s]
    names = [s for s in sources if "/names/" in s]
    assert len(names) == 8
    # A file named c.json#foo never takes the key of record foo of c.json.
    assert any(s.endswith("c.json%23foo.txt") for s in names)


def test_openie_junk_items_never_become_entities(runs):
    shown = json.loads(
        _invoke("show", str(runs["inputs"] / "records/openie-mixed.json"), "--json", "--store", runs["store"]).stdout
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


# -- command-line arguments: each refused with a message and exit code, before any damage --------


def _args_cases(tmp: Path) -> list[tuple[str, list[str], int, str]]:
    long_name = "n" * 300
    return [
        ("limit-zero", ["ingest", str(tmp), "--limit", "0"], 2, "--limit"),
        ("limit-negative", ["ingest", str(tmp), "--limit", "-1"], 2, "--limit"),
        ("limit-text", ["ingest", str(tmp), "--limit", "many"], 2, "--limit"),
        ("format-unknown", ["ingest", str(tmp), "--format", "pdf"], 2, "unknown --format"),
        ("extractor-unknown", ["ingest", str(tmp), "--extractor", "magic"], 2, "unknown extractor"),
        ("extractor-llm-without-model", ["ingest", str(tmp), "--extractor", "llm"], 2, "needs a chat model"),
        ("source-without-stdin", ["ingest", str(tmp), "--source", "x"], 2, "pass - as a source"),
        ("empty-source", ["ingest", ""], 1, "empty source path"),
        ("blank-source", ["ingest", "   "], 1, "empty source path"),
        ("missing-source", ["ingest", str(tmp / "absent")], 1, "no such file"),
        ("long-source-name", ["ingest", str(tmp / long_name)], 1, "too long"),
        ("nul-in-source", ["ingest", "a\x00b"], 1, "no such file"),
        ("glob-without-match", ["ingest", str(tmp / "*.nothing")], 1, "matched no files"),
        ("ingest-no-args", ["ingest"], 2, "missing argument"),
        ("store-postgres", ["--store", "postgres://u:hunter2@db.example/x", "stats"], 2, "unknown scheme 'postgres'"),
        ("store-mysql-after-command", ["stats", "--store", "mysql://root:hunter2@h/x"], 2, "unknown scheme 'mysql'"),
        ("store-http", ["ingest", str(tmp), "--store", "http://u:hunter2@h/x"], 2, "unknown scheme"),
        ("store-sqlite-two-slashes", ["--store", "sqlite://relative.db", "stats"], 2, "sqlite:///relative"),
        ("store-empty", ["--store", "", "stats"], 2, "empty"),
        ("store-blank", ["--store", "   ", "ingest", str(tmp)], 2, "empty"),
        ("store-bad-port", ["--store", "bolt://u:hunter2@127.0.0.1:port", "stats"], 2, "bolt://host:7687"),
        ("store-missing", ["stats", "--store", f"sqlite:///{tmp / 'typo.db'}"], 2, "no store at"),
        ("store-is-folder", ["--store", f"sqlite:///{tmp}", "ingest", str(tmp)], 3, str(tmp)),
        ("store-long-name", ["--store", f"sqlite:///{tmp / long_name}.db", "ingest", str(tmp)], 3, "cannot open"),
        ("namespace-space", ["--namespace", "bad ns", "stats"], 2, "namespace 'bad ns'"),
        ("namespace-empty-after-command", ["stats", "--namespace", ""], 2, "namespace"),
        ("namespace-markup", ["documents", "--namespace", "[bold]x"], 2, "[bold]x"),
        ("query-empty", ["query", ""], 2, "question is empty"),
        ("answer-blank", ["answer", "  "], 2, "question is empty"),
        ("query-top-k-zero", ["query", "x", "--top-k", "0"], 2, "--top-k"),
        ("query-top-k-negative", ["answer", "x", "-k", "-3"], 2, "--top-k"),
        ("query-both-forms", ["query", "x", "--questions", str(tmp / "q.jsonl")], 2, "not both"),
        ("questions-missing", ["query", "--questions", str(tmp / "none.jsonl")], 2, "cannot read questions file"),
        ("show-empty", ["show", ""], 1, "no document ''"),
        ("show-markup", ["show", "[bold]x[/]"], 1, "no document '[bold]x[/]'"),
        ("delete-markup", ["delete", "[/]"], 1, "no document '[/]'"),
        ("show-long-path", ["show", long_name], 1, "no document"),
        ("flows-serve-no-schedule", ["flows", "serve", str(tmp)], 2, "exactly one of --cron or --interval"),
        ("flows-serve-no-server", ["flows", "serve", str(tmp), "--interval", "60"], 2, "PREFECT_API_URL"),
    ]


QUESTION_FILES = {
    "questions-nested": "[" * 50_000 + "]" * 50_000,
    "questions-long-number": '{"question": "x", "id": ' + "1" * 5000 + "}",
    "questions-not-object": "[1, 2]",
    "questions-number-question": '{"question": 5}',
    "questions-empty-question": '{"question": "  "}',
    "questions-object-id": '{"question": "x", "id": {"a": 1}}',
    "questions-invalid-json": "{oops",
    "questions-empty-file": "\n\n",
}


@pytest.fixture
def arg_env(tmp_path, monkeypatch, embedder):
    """A folder with one good note and a real store of it, as the working directory."""
    (tmp_path / "note.txt").write_text("Ada Lovelace wrote the first program.")
    (tmp_path / "cwd-only.txt").write_text("Ingested only if an empty source meant the working directory.")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    assert _invoke("ingest", str(tmp_path / "note.txt"), "--store", store, "--extractor", "none").exit_code == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIPPOGRAPH_STORE", store)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return tmp_path, store


ARG_CASES = [c[0] for c in _args_cases(Path("/x"))]


@pytest.mark.parametrize("name", ARG_CASES)
def test_bad_argument_is_refused(arg_env, name):
    tmp, store = arg_env
    _, args, code, message = next(c for c in _args_cases(tmp) if c[0] == name)
    if name == "flows-serve-no-server":
        pytest.importorskip("prefect")
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            pytest.skip("a Prefect profile sets PREFECT_API_URL here")
    before = _stats(store)
    result = _invoke(*args)
    assert result.exit_code == code, result.output
    assert message.lower() in result.output.lower().replace("\n", " "), result.output
    assert "Traceback" not in result.output and "hunter2" not in result.output
    assert _stats(store) == before  # nothing stored changed (an empty source never ingests the cwd)
    assert sorted(p.name for p in tmp.iterdir() if "relative" in p.name or ":" in p.name) == []


@pytest.mark.parametrize("name", sorted(QUESTION_FILES))
def test_bad_questions_file_names_its_line(arg_env, name):
    tmp, _ = arg_env
    path = tmp / f"{name}.jsonl"
    path.write_text(QUESTION_FILES[name])
    result = _invoke("query", "--questions", str(path))
    assert result.exit_code == 2 and str(path) in result.output.replace("\n", ""), result.output
    assert "Traceback" not in result.output


def test_a_question_with_line_separators_is_one_question(arg_env):
    tmp, _ = arg_env
    path = tmp / "q.jsonl"
    path.write_text(
        json.dumps({"id": "a", "question": "who\u2028wrote\u2029programs?"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = _invoke("query", "--questions", str(path), "--mode", "dense")
    assert result.exit_code == 0 and [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a"]


def test_global_options_anywhere(arg_env):
    tmp, store = arg_env
    for args in (
        ["--store", store, "stats", "--json"],
        ["stats", "--store", store, "--json"],
        ["stats", "--json", f"--store={store}"],
        ["stats", "--json", "--namespace", "default", "--store", store],
    ):
        assert json.loads(_invoke(*args).stdout)["documents"] == 1, args
    other = _invoke("ingest", str(tmp / "note.txt"), "--namespace", "other", "--extractor", "none", "--json")
    assert json.loads(other.stdout)["added"] == 1
    assert _stats(store)["documents"] == 1  # the default namespace did not change


def test_stdin_documents_get_their_own_keys(arg_env):
    _, store = arg_env
    for text in ("First piped note about Rome.", "Second piped note about Oslo.", "First piped note about Rome."):
        assert _invoke("ingest", "-", "--extractor", "none", input=text).exit_code == 0
    assert _stats(store)["documents"] == 3  # two distinct texts piped in; the repeat is unchanged
    named = [
        _invoke("ingest", "-", "--source", "journal/today", "--extractor", "none", "--json", input=text)
        for text in ("Draft one.", "Draft two.")
    ]
    assert [json.loads(r.stdout)["added"] for r in named] == [1, 0] and json.loads(named[1].stdout)["updated"] == 1
    docs = json.loads(_invoke("documents", "--json").stdout)
    assert sum(d["source"] == "journal/today" for d in docs) == 1
    assert len({d["source"] for d in docs if d["source"].startswith("<stdin>")}) == 2


def test_show_and_delete_by_id_prefix_path_and_unit(arg_env):
    tmp, _ = arg_env
    [doc] = json.loads(_invoke("documents", "--json").stdout)
    full = json.loads(_invoke("show", doc["id"], "--json").stdout)
    unit = full["units"][0]["id"]
    for ref in (doc["id"][:6], str(tmp / "note.txt"), "note.txt", unit, doc["source"]):
        shown = _invoke("show", ref, "--json")
        assert shown.exit_code == 0 and json.loads(shown.stdout)["document"]["id"] == doc["id"], ref
    deleted = _invoke("delete", "note.txt")
    assert deleted.exit_code == 0 and doc["id"] in deleted.stdout
    assert _invoke("show", doc["id"]).exit_code == 1


def test_ambiguous_id_prefix_is_an_input_error(memory, monkeypatch):
    from hippograph.errors import InputError
    from hippograph.records import DocumentInfo

    docs = [DocumentInfo(i, f"s{i}", "t", 1, 0, "h", "now") for i in ("abcd1111", "abcd2222", "ffff0000")]
    monkeypatch.setattr(memory.store, "documents", lambda: docs)
    with pytest.raises(InputError, match="matches 2 documents"):
        memory.find_documents("abcd")
    assert [d.id for d in memory.find_documents("abcd2")] == ["abcd2222"]
    assert memory.find_documents("abc") == []  # under 4 digits is no prefix


def test_rename_is_detected_and_sync_removes_the_old_path(arg_env):
    tmp, store = arg_env
    notes = tmp / "notes"
    notes.mkdir()
    (notes / "old.md").write_text("# Rhine\n\nThe Rhine flows to the North Sea.")
    assert _invoke("ingest", str(notes), "--extractor", "none").exit_code == 0
    (notes / "old.md").rename(notes / "new.md")
    kept = _invoke("ingest", str(notes), "--extractor", "none", "--json")
    assert "renamed" in kept.output and "--sync" in kept.output
    assert json.loads(kept.stdout)["renamed"][0]["from"].endswith("old.md")
    assert _stats(store)["documents"] == 3  # note.txt, old.md (kept), new.md
    (notes / "new.md").rename(notes / "newer.md")
    synced = _invoke("ingest", str(notes), "--extractor", "none", "--sync", "--json")
    assert json.loads(synced.stdout)["deleted"] == 2  # old.md and new.md are gone
    assert sorted(Path(d["source"]).name for d in json.loads(_invoke("documents", "--json").stdout)) == [
        "newer.md",
        "note.txt",
    ]


def test_excludes(arg_env):
    tmp, _ = arg_env
    notes = tmp / "vault"
    for rel in ("a.md", "drafts/b.md", "archive/2019/c.md", "d.tmp", ".obsidian/e.md"):
        (notes / rel).parent.mkdir(parents=True, exist_ok=True)
        (notes / rel).write_text(f"Note {rel} about the Loire river.")
    result = _invoke(
        "ingest",
        str(notes),
        "--extractor",
        "none",
        "--json",
        "--exclude",
        "drafts",
        "--exclude",
        "*.tmp",
        "--exclude",
        "archive/2019/*",
    )
    assert json.loads(result.stdout)["added"] == 1


# -- hostile strings and credentials in everything that prints -------------------------------------

HOSTILE = [
    "[/]",
    "[bold]Bold[/bold]",
    "[link=https://example.org]click[/link]",
    "\x1b[2J\x1b[31mred",
    "evil\u202egnp.exe",
    "ends with a backslash \\",
    "[",
    "]][[ [/red]",
    "%s %d {0} {}",
    "<b>html</b>",
]


@pytest.fixture
def hostile(tmp_path, embedder, monkeypatch):
    monkeypatch.chdir(tmp_path)
    records = [
        {"title": t, "text": f"{t} is the name of a note about the Danube near Vienna, number {i}."}
        for i, t in enumerate(HOSTILE)
    ]
    path = tmp_path / "[bold]hostile[red].json"
    path.write_text(json.dumps(records))
    store = f"sqlite:///{tmp_path / 'hostile.db'}"
    result = _invoke("ingest", str(path), "--store", store, "--extractor", "none")
    assert result.exit_code == 0, result.output
    return store, path


def _clean_output(result) -> str:
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output and "Traceback" not in result.output
    return result.output


def test_hostile_titles_print_literally_in_every_command(hostile):
    store, path = hostile
    listed = _clean_output(_invoke("documents", "--store", store))
    for title in ("[/]", "[bold]Bold[/bold]", "%s %d {0} {}", "<b>html</b>"):
        assert title in listed, title
    assert "\\x1b[2J" in listed  # control characters shown as escapes
    docs = json.loads(_invoke("documents", "--json", "--store", store).stdout)
    for doc in docs:
        shown = _clean_output(_invoke("show", doc["id"], "--store", store))
        assert "Danube" in shown
    by_path = _clean_output(_invoke("show", str(path), "--store", store))
    assert by_path.count("Danube") == len(HOSTILE)
    for question in ("[bold]Bold[/bold]", "[/]", "\x1b[31m"):
        assert "Danube" in _clean_output(_invoke("query", question, "--store", store, "--mode", "dense"))
        _clean_output(_invoke("answer", question, "--store", store))
    _clean_output(_invoke("stats", "--store", store))
    _clean_output(_invoke("synonym-groups", "--store", store))
    deleted = _clean_output(_invoke("delete", docs[0]["id"], "--store", store))
    assert "[bold]hostile[red].json" in deleted


def test_hostile_file_names_in_problems_print_literally(tmp_path, embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "[red]binary[link=x].txt").write_bytes(b"\x00\x01")
    (folder / "esc\x1b[2Jname.txt").write_bytes(b"")
    result = _invoke("ingest", str(folder), "--store", f"sqlite:///{tmp_path / 's.db'}", "--extractor", "none")
    assert result.exit_code == 1 and "[red]binary[link=x].txt" in result.output and "\x1b" not in result.output
    assert "esc\\x1b[2Jname.txt" in result.output


SECRET = "hunter2-in-the-uri"


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["documents"],
        ["show", "abc"],
        ["delete", "abc"],
        ["query", "x"],
        ["answer", "x"],
        ["ingest", "PATH"],
        ["serve"],
        ["mcp"],
    ],
    ids=lambda a: a[0],
)
def test_no_command_prints_a_password(tmp_path, args, monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "env-secret-4242")
    (tmp_path / "n.txt").write_text("a note")
    args = [str(tmp_path / "n.txt") if a == "PATH" else a for a in args]
    for store in (f"bolt://neo4j:{SECRET}@127.0.0.1:1", "bolt://127.0.0.1:1"):
        result = _invoke(*args, "--store", store)
        assert result.exit_code in (2, 3), result.output
        assert SECRET not in result.output and "env-secret-4242" not in result.output
        assert "127.0.0.1:1" in result.output and "Traceback" not in result.output


def test_export_target_password_is_not_printed(hostile):
    store, _ = hostile
    result = _invoke("export", "--to", f"bolt://neo4j:{SECRET}@127.0.0.1:1", "--store", store)
    assert result.exit_code in (2, 3) and SECRET not in result.output and "Traceback" not in result.output


def test_redact_covers_uris_inside_messages(monkeypatch):
    from hippograph.display import printable, redact

    monkeypatch.setenv("HIPPOGRAPH_API_TOKEN", "tok-123456")
    text = "failed: neo4j+s://admin:p%40ss@db.example:7687 and bolt://u:x@h, token tok-123456"
    assert redact(text) == "failed: neo4j+s://admin:***@db.example:7687 and bolt://u:***@h, token ***"
    assert printable("a\x1b[2Jb\u202ec\ud800") == "a\\x1b[2Jb\\u202ec\\ud800"
