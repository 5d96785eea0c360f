"""The command line, end to end in-process (real store, real models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hippograph.cli import app


@pytest.fixture
def cli(tmp_path, embedder):
    runner = CliRunner()
    store = f"sqlite:///{tmp_path / 'cli.db'}"

    def run(*args, input=None):
        return runner.invoke(app, ["--store", store, *args], input=input, catch_exceptions=False)

    return run


def test_ingest_stats_documents_delete(cli, sample_dir):
    result = cli("ingest", str(sample_dir))
    assert result.exit_code == 0, result.output
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["documents"] == 4 and stats["passages"] >= 4
    assert set(stats) >= {"documents", "passages", "episodes", "entities", "facts", "edges"}
    docs = json.loads(cli("documents", "--json").stdout)
    assert {d["title"] for d in docs} >= {"Marie Curie", "Pierre Curie"}
    assert all(d["passages"] >= 1 for d in docs)
    again = cli("ingest", str(sample_dir), "--json")
    assert json.loads(again.stdout)["unchanged"] == 4
    assert json.loads(cli("stats", "--json").stdout) == stats
    assert cli("delete", docs[0]["id"]).exit_code == 0
    assert json.loads(cli("stats", "--json").stdout)["documents"] == 3
    missing = cli("delete", "no-such-doc")
    assert missing.exit_code == 1 and "no document" in missing.output


def test_ingest_reports_bad_files_with_exit_code(cli, sample_dir):
    (sample_dir / "broken.bin").write_bytes(b"\x00\xff" * 64)
    (sample_dir / "empty.md").write_text("")
    result = cli("ingest", str(sample_dir))
    assert result.exit_code == 1
    assert "broken.bin" in result.output and "binary" in result.output
    assert "empty.md" in result.output and "empty" in result.output
    assert json.loads(cli("stats", "--json").stdout)["documents"] == 4


def test_ingest_from_stdin(cli):
    result = cli("ingest", "-", input="Ada Lovelace wrote the first program for the Analytical Engine.\n")
    assert result.exit_code == 0, result.output
    assert json.loads(cli("stats", "--json").stdout)["documents"] == 1


def test_query_json_and_batch(cli, sample_dir, tmp_path):
    cli("ingest", str(sample_dir))
    one = json.loads(cli("query", "Where was Pierre Curie born?", "--json", "--top-k", "3").stdout)
    assert len(one["passages"]) == 3 and {"id", "title", "text", "score"} <= set(one["passages"][0])
    assert {"id", "question", "passages", "facts"} <= set(one)
    assert one["facts"] and "predicate" in one["facts"][0]
    assert "notes" not in one
    noted = json.loads(cli("query", "Where was Pierre Curie born?", "--json", "--notes", "2").stdout)
    assert len(noted["notes"]) == 2 and {"id", "name", "facts", "units"} <= set(noted["notes"][0])
    assert "entity notes" in cli("query", "Where was Pierre Curie born?", "--notes", "1").stdout
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "Who discovered radium?"}\n'
        '{"id": "b", "question": "What river runs through Warsaw?"}\n'
    )
    lines = cli("query", "--questions", str(questions), "--json", "--mode", "dense").stdout.strip().splitlines()
    parsed = [json.loads(line) for line in lines]
    assert [p["id"] for p in parsed] == ["a", "b"] and all(p["mode"] == "dense" for p in parsed)


def test_query_explain_cypher(cli, sample_dir, tmp_path):
    import os
    import subprocess
    import sys

    from hippograph.graph.browser import HEADER

    cli("ingest", str(sample_dir))
    groups = json.loads(cli("synonym-groups", "--json").stdout)  # SQLite: printed, nothing written
    assert [g["size"] for g in groups] == sorted((len(g["members"]) for g in groups), reverse=True)
    assert all(g["group"] == min(g["members"]) for g in groups)
    out = cli("query", "Who married Marie Curie?", "--explain-cypher").stdout
    block = out[out.index(HEADER) :].splitlines()
    params = [line for line in block if line.startswith(":param ")]
    assert [p.split(" =>")[0] for p in params] == [":param namespace", ":param units", ":param seeds", ":param facts"]
    for line in params:  # one line each, ended by `;`, whatever the terminal width
        assert line.endswith(";") and json.loads(line.partition("=> ")[2][:-1])
    assert "[r:RELATES]" in out and "[r:MENTIONS]" in out  # printed verbatim, not read as markup
    data = json.loads(cli("query", "Who married Marie Curie?", "--explain-cypher", "--json").stdout)
    assert data["cypher"].startswith(HEADER) and data["passages"]
    # The check, as a user runs it: stdout is exactly one JSON document.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent.parent), os.environ.get("PYTHONPATH")])),
    }
    piped = subprocess.run(
        f'"{sys.executable}" -m hippograph.cli --store "sqlite:///{tmp_path / "cli.db"}" '
        'query "Who married Marie Curie?" --explain-cypher --json '
        f'| "{sys.executable}" -m json.tool',
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["cypher"] == data["cypher"]


def test_usage_errors(cli, tmp_path):
    assert cli("ingest", "x", "--format", "pdf").exit_code == 2
    assert cli("query").exit_code == 2
    bad = tmp_path / "q.jsonl"
    bad.write_text("{oops\n")
    result = cli("query", "--questions", str(bad))
    assert result.exit_code == 2 and "q.jsonl:1" in result.output
    assert cli("--store", "sqlite://relative.db", "stats").exit_code == 2


def test_demo_runs_on_the_bundled_sample(cli):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert "ingested bundled sample" in result.stdout and "A:" in result.stdout


def test_read_commands_refuse_a_missing_store(tmp_path):
    runner = CliRunner()
    missing = f"sqlite:///{tmp_path / 'typo.db'}"
    for args in (["stats"], ["documents"], ["query", "x"], ["answer", "x"], ["delete", "x"]):
        result = runner.invoke(app, ["--store", missing, *args])
        assert result.exit_code == 2 and "no store at" in result.output, args
    assert not (tmp_path / "typo.db").exists()


def test_relative_and_absolute_paths_are_one_document(cli, sample_dir, monkeypatch):
    monkeypatch.chdir(sample_dir.parent)
    assert cli("ingest", "notes").exit_code == 0
    again = cli("ingest", str(sample_dir.resolve()), "--json")
    assert json.loads(again.stdout)["unchanged"] == 4


def test_show_lists_what_a_document_contributed(cli, sample_dir):
    cli("ingest", str(sample_dir))
    doc = next(d for d in json.loads(cli("documents", "--json").stdout) if d["title"] == "Pierre Curie")
    data = json.loads(cli("show", doc["id"], "--json").stdout)
    assert data["document"]["id"] == doc["id"] and data["units"][0]["kind"] == "passage"
    triples = {(f["subject"], f["predicate"], f["object"]) for u in data["units"] for f in u["facts"]}
    assert ("pierre curie", "born in", "paris") in triples
    assert "born in" in cli("show", doc["id"]).stdout
    assert cli("show", "nope").exit_code == 1
