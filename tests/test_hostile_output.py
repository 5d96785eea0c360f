"""Issue 16, what prints: titles, file names and questions holding markup, escapes or bidi
overrides print literally in every command, and no command prints a password or token."""

from __future__ import annotations

import json

import pytest
from cli_invoke import invoke

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
    result = invoke("ingest", str(path), "--store", store, "--extractor", "none")
    assert result.exit_code == 0, result.output
    return store, path


def _clean_output(result) -> str:
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output and "Traceback" not in result.output
    return result.output


def test_hostile_titles_print_literally_in_every_command(hostile):
    store, path = hostile
    listed = _clean_output(invoke("documents", "--store", store))
    for title in ("[/]", "[bold]Bold[/bold]", "%s %d {0} {}", "<b>html</b>"):
        assert title in listed, title
    assert "\\x1b[2J" in listed  # control characters shown as escapes
    docs = json.loads(invoke("documents", "--json", "--store", store).stdout)
    for doc in docs:
        shown = _clean_output(invoke("show", doc["id"], "--store", store))
        assert "Danube" in shown
    by_path = _clean_output(invoke("show", str(path), "--store", store))
    assert by_path.count("Danube") == len(HOSTILE)
    for question in ("[bold]Bold[/bold]", "[/]", "\x1b[31m"):
        assert "Danube" in _clean_output(invoke("query", question, "--store", store, "--mode", "dense"))
        _clean_output(invoke("answer", question, "--store", store))
    _clean_output(invoke("stats", "--store", store))
    _clean_output(invoke("synonym-groups", "--store", store))
    deleted = _clean_output(invoke("delete", docs[0]["id"], "--store", store))
    assert "[bold]hostile[red].json" in deleted


def test_hostile_file_names_in_problems_print_literally(tmp_path, embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "[red]binary[link=x].txt").write_bytes(b"\x00\x01")
    (folder / "esc\x1b[2Jname.txt").write_bytes(b"")
    result = invoke("ingest", str(folder), "--store", f"sqlite:///{tmp_path / 's.db'}", "--extractor", "none")
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
        result = invoke(*args, "--store", store)
        assert result.exit_code in (2, 3), result.output
        assert SECRET not in result.output and "env-secret-4242" not in result.output
        assert "127.0.0.1:1" in result.output and "Traceback" not in result.output


def test_export_target_password_is_not_printed(hostile):
    store, _ = hostile
    result = invoke("export", "--to", f"bolt://neo4j:{SECRET}@127.0.0.1:1", "--store", store)
    assert result.exit_code in (2, 3) and SECRET not in result.output and "Traceback" not in result.output


def test_redact_covers_uris_inside_messages(monkeypatch):
    from hippograph.display import printable, redact

    monkeypatch.setenv("HIPPOGRAPH_API_TOKEN", "tok-123456")
    text = "failed: neo4j+s://admin:p%40ss@db.example:7687 and bolt://u:x@h, token tok-123456"
    assert redact(text) == "failed: neo4j+s://admin:***@db.example:7687 and bolt://u:***@h, token ***"
    assert printable("a\x1b[2Jb\u202ec\ud800") == "a\\x1b[2Jb\\u202ec\\ud800"
