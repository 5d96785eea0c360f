"""Issue 16, command-line arguments: each bad argument, option, store URI or --questions file is
refused with a message naming it and an exit code, before any damage; the commands' own input
forms (stdin, global options anywhere, ids by prefix, renames, excludes) hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_invoke import invoke, store_stats


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
    assert invoke("ingest", str(tmp_path / "note.txt"), "--store", store, "--extractor", "none").exit_code == 0
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
    before = store_stats(store)
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert message.lower() in result.output.lower().replace("\n", " "), result.output
    assert "Traceback" not in result.output and "hunter2" not in result.output
    assert store_stats(store) == before  # nothing stored changed (an empty source never ingests the cwd)
    assert sorted(p.name for p in tmp.iterdir() if "relative" in p.name or ":" in p.name) == []


@pytest.mark.parametrize("name", sorted(QUESTION_FILES))
def test_bad_questions_file_names_its_line(arg_env, name):
    tmp, _ = arg_env
    path = tmp / f"{name}.jsonl"
    path.write_text(QUESTION_FILES[name])
    result = invoke("query", "--questions", str(path))
    assert result.exit_code == 2 and str(path) in result.output.replace("\n", ""), result.output
    assert "Traceback" not in result.output


def test_a_question_with_line_separators_is_one_question(arg_env):
    tmp, _ = arg_env
    path = tmp / "q.jsonl"
    path.write_text(
        json.dumps({"id": "a", "question": "who\u2028wrote\u2029programs?"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = invoke("query", "--questions", str(path), "--mode", "dense")
    assert result.exit_code == 0 and [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a"]


def test_global_options_anywhere(arg_env):
    tmp, store = arg_env
    for args in (
        ["--store", store, "stats", "--json"],
        ["stats", "--store", store, "--json"],
        ["stats", "--json", f"--store={store}"],
        ["stats", "--json", "--namespace", "default", "--store", store],
    ):
        assert json.loads(invoke(*args).stdout)["documents"] == 1, args
    other = invoke("ingest", str(tmp / "note.txt"), "--namespace", "other", "--extractor", "none", "--json")
    assert json.loads(other.stdout)["added"] == 1
    assert store_stats(store)["documents"] == 1  # the default namespace did not change


def test_stdin_documents_get_their_own_keys(arg_env):
    _, store = arg_env
    for text in ("First piped note about Rome.", "Second piped note about Oslo.", "First piped note about Rome."):
        assert invoke("ingest", "-", "--extractor", "none", input=text).exit_code == 0
    assert store_stats(store)["documents"] == 3  # two distinct texts piped in; the repeat is unchanged
    named = [
        invoke("ingest", "-", "--source", "journal/today", "--extractor", "none", "--json", input=text)
        for text in ("Draft one.", "Draft two.")
    ]
    assert [json.loads(r.stdout)["added"] for r in named] == [1, 0] and json.loads(named[1].stdout)["updated"] == 1
    docs = json.loads(invoke("documents", "--json").stdout)
    assert sum(d["source"] == "journal/today" for d in docs) == 1
    assert len({d["source"] for d in docs if d["source"].startswith("<stdin>")}) == 2


def test_show_and_delete_by_id_prefix_path_and_unit(arg_env):
    tmp, _ = arg_env
    [doc] = json.loads(invoke("documents", "--json").stdout)
    full = json.loads(invoke("show", doc["id"], "--json").stdout)
    unit = full["units"][0]["id"]
    for ref in (doc["id"][:6], str(tmp / "note.txt"), "note.txt", unit, doc["source"]):
        shown = invoke("show", ref, "--json")
        assert shown.exit_code == 0 and json.loads(shown.stdout)["document"]["id"] == doc["id"], ref
    deleted = invoke("delete", "note.txt")
    assert deleted.exit_code == 0 and doc["id"] in deleted.stdout
    assert invoke("show", doc["id"]).exit_code == 1


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
    assert invoke("ingest", str(notes), "--extractor", "none").exit_code == 0
    (notes / "old.md").rename(notes / "new.md")
    kept = invoke("ingest", str(notes), "--extractor", "none", "--json")
    assert "renamed" in kept.output and "--sync" in kept.output
    assert json.loads(kept.stdout)["renamed"][0]["from"].endswith("old.md")
    assert store_stats(store)["documents"] == 3  # note.txt, old.md (kept), new.md
    (notes / "new.md").rename(notes / "newer.md")
    synced = invoke("ingest", str(notes), "--extractor", "none", "--sync", "--json")
    assert json.loads(synced.stdout)["deleted"] == 2  # old.md and new.md are gone
    assert sorted(Path(d["source"]).name for d in json.loads(invoke("documents", "--json").stdout)) == [
        "newer.md",
        "note.txt",
    ]


def test_excludes(arg_env):
    tmp, _ = arg_env
    notes = tmp / "vault"
    for rel in ("a.md", "drafts/b.md", "archive/2019/c.md", "d.tmp", ".obsidian/e.md"):
        (notes / rel).parent.mkdir(parents=True, exist_ok=True)
        (notes / rel).write_text(f"Note {rel} about the Loire river.")
    result = invoke(
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
