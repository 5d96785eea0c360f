"""A corpus of hostile and malformed inputs (issue 16), generated: encodings, sizes, JSON shapes,
dates and timestamps, record keys, paths. Each case names the input its problem must name and a
fragment of the reason; ``clean`` files are what the good parts alone would have been."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

GOOD = {
    "good/ada.txt": "Ada Lovelace wrote the first program for the Analytical Engine of Charles Babbage.",
    "good/curie.md": "# Marie Curie\n\nMarie Curie discovered polonium and radium in Paris.",
    "good/turing.txt": "Alan Turing worked at Bletchley Park during the war.",
}
GOOD_RECORD = {"title": "Vistula", "text": "The Vistula river flows through Warsaw and Krakow."}
GOOD_TURNS = [
    {
        "speaker": "Caroline",
        "text": f"I visited museum number {i} in Lisbon.",
        "timestamp": f"2024-05-0{i}T10:00:00Z",
        "conversation_id": "trip",
    }
    for i in range(1, 6)
]
LOCOMO_GOOD_SESSION = [{"speaker": "Mel", "text": "I adopted a dog named Rex.", "dia_id": "D1:1"}]


@dataclass(frozen=True)
class Case:
    """One bad input: the run must report a problem whose source contains ``named`` and whose
    reason contains ``reason`` (case-insensitive)."""

    id: str
    group: str  # which ingest run: "auto" (a folder, format by suffix) or "locomo" (--format locomo)
    named: str
    reason: str


@dataclass
class Corpus:
    files: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"auto": {}, "locomo": {}})
    clean: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"auto": {}, "locomo": {}})
    cases: list[Case] = field(default_factory=list)
    special: dict[str, bytes] = field(default_factory=dict)  # raw-bytes names, FIFOs etc. (auto group)

    def bad(
        self, id: str, path: str, data: bytes | str, reason: str, group: str = "auto", named: str | None = None
    ) -> None:
        """A file that contributes nothing: one problem names it."""
        self.files[group][path] = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        self.cases.append(Case(id, group, named or path.rsplit("/", 1)[-1], reason))

    def mixed(
        self,
        path: str,
        data: bytes | str,
        clean: bytes | str | None,
        expected: list[tuple[str, str, str]],
        group: str = "auto",
    ) -> None:
        """A file with good and bad parts: each (id, source fragment, reason) is a problem; the
        good parts land exactly as ``clean`` would."""
        self.files[group][path] = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        if clean is not None:
            self.clean[group][path] = clean.encode() if isinstance(clean, str) else clean
        self.cases += [Case(id, group, named, reason) for id, named, reason in expected]


def _json(value: object) -> str:
    return json.dumps(value)


def build() -> Corpus:
    c = Corpus()
    for path, text in GOOD.items():
        c.files["auto"][path] = text.encode()
        c.clean["auto"][path] = text.encode()
    _encodings(c)
    _json_shapes(c)
    _records(c)
    _jsonl(c)
    _chat(c)
    _locomo(c)
    _paths(c)
    return c


def _encodings(c: Corpus) -> None:
    latin = "Café au lait, señor.".encode("latin-1")
    for suffix in ("txt", "md", "json", "jsonl"):
        c.bad(f"latin1-{suffix}", f"enc/latin1.{suffix}", latin, "not valid utf-8")
    invalid = {
        "overlong": b"abc \xc0\xaf def",
        "truncated-end": b"abc \xe2\x82",
        "lone-continuation": b"\x80abc",
        "utf8-surrogate": b"x \xed\xa0\x80 y",
        "beyond-10ffff": b"x \xf4\x90\x80\x80 y",
        "cesu8-emoji": b"x \xed\xa0\xbd\xed\xb8\x80 y",
        "byte-ff": b"abc \xff def",
        "byte-fe": b"\xfe abc",
        "late-invalid": b"a" * 20000 + b"\xff" + b"b" * 10,
    }
    for name, data in invalid.items():
        c.bad(f"invalid-utf8-{name}", f"enc/{name}.txt", data, "not valid utf-8")
    for name, data in {
        "utf16le-bom": "\ufeffhello".encode("utf-16-le"),
        "utf16be-bom": "\ufeffhello".encode("utf-16-be"),
        "utf32le-bom": "\ufeffhello".encode("utf-32-le"),
        "utf32be-bom": "\ufeffhello".encode("utf-32-be"),
    }.items():
        c.bad(name, f"enc/{name}.txt", data, "convert the file to utf-8")
    c.bad("utf16-no-bom", "enc/utf16-nobom.txt", "hello world".encode("utf-16-le"), "NUL byte")
    nul_cases = {
        "nul-at-start": b"\x00abc",
        "nul-after-8k": b"a" * 9000 + b"\x00" + b"b",
        "nul-at-end": b"text then\x00",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        "nul-after-8k-md": b"# T\n" + b"a" * 9000 + b"\x00",
    }
    for name, data in nul_cases.items():
        suffix = "md" if name.endswith("-md") else "txt"
        c.bad(name, f"enc/{name}.{suffix}", data, "NUL byte")
    c.bad("nul-after-8k-json", "enc/nul-late.json", b'[{"text": "' + b"a" * 9000 + b'\x00"}]', "NUL byte")
    empties = {
        "empty.txt": b"",
        "spaces.txt": b"   \t  ",
        "bom-only.txt": b"\xef\xbb\xbf",
        "newlines.md": b"\n\n\n",
        "empty.md": b"",
        "empty.jsonl": b"",
        "blank-lines.jsonl": b"\n  \n\n",
        "empty.json": b"",
        "bom-spaces.txt": b"\xef\xbb\xbf  \n ",
    }
    for name, data in empties.items():
        c.bad(f"empty-{name}", f"enc/{name}", data, "empty file")


def _json_shapes(c: Corpus) -> None:
    invalid = {
        "trailing-comma": '[{"text": "a"},]',
        "single-quotes": "[{'text': 'a'}]",
        "truncated": '[{"text": "a"',
        "bare-word": "hello",
        "two-values": '{"a": 1} {"b": 2}',
        "unterminated-string": '[{"text": "abc]',
        "comment": '// c\n[{"text": "a"}]',
        "control-char": '[{"text": "a\tb\x01"}]',
    }
    for name, text in invalid.items():
        c.bad(f"json-{name}", f"json/{name}.json", text, "invalid json")
    c.bad("json-deep-arrays", "json/deep-arrays.json", "[" * 100_000 + "]" * 100_000, "nested too deeply")
    c.bad("json-deep-objects", "json/deep-objects.json", '{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply")
    c.bad(
        "json-deep-in-record",
        "json/deep-in-record.json",
        '[{"title": "t", "text": "x", "meta": ' + "[" * 50_000 + "]" * 50_000 + "}]",
        "nested too deeply",
    )
    c.bad("json-long-int", "json/long-int.json", "1" * 5000, "quote it as a string")
    c.bad(
        "json-long-int-in-record",
        "json/long-int-record.json",
        '[{"text": "x", "n": ' + "7" * 6000 + "}]",
        "quote it as a string",
    )
    unknown = {
        "string": '"just a string"',
        "number": "42",
        "null": "null",
        "true": "true",
        "empty-list": "[]",
        "empty-object": "{}",
        "list-of-strings": '["a", "b"]',
        "list-of-numbers": "[1, 2, 3]",
        "list-of-lists": "[[1], [2]]",
        "object-no-docs": '{"data": []}',
        "docs-not-list": '{"docs": "x"}',
        "list-of-nulls": "[null, null]",
        "record-without-text": '[{"title": "no text"}]',
    }
    for name, text in unknown.items():
        c.bad(f"json-shape-{name}", f"json/shape-{name}.json", text, "unknown shape")
    c.bad("openie-empty-docs", "json/openie-empty.json", '{"docs": []}', "no openie documents")


def _records(c: Corpus) -> None:
    bad_corpus = [
        {"title": "no text"},
        {"text": 5},
        {"text": ""},
        {"text": "   "},
        {"text": None},
        {"text": ["x"]},
        {"text": {"a": 1}},
        {"text": True},
        "a string",
        7,
        None,
        [],
        {"text": "ok", "title": {"x": 1}},
        {"text": "ok", "title": True},
        {"text": "ok", "title": ["a"]},
    ]
    reasons = ["needs a non-empty string 'text'"] * 12 + ["'title' must be a string"] * 3
    surrogates = [
        '{"text": "bad \\ud800 surrogate"}',
        '{"text": "low \\udc00 half"}',
        '{"title": "t\\udfff", "text": "x"}',
        '{"text": "nul \\u0000 char"}',
    ]
    body = ", ".join([_json(GOOD_RECORD)] + [_json(r) for r in bad_corpus] + surrogates)
    expected = [(f"corpus-record-{i}", f"corpus-mixed.json[{i}]", reason) for i, reason in enumerate(reasons, 1)]
    expected += [
        ("corpus-surrogate-text", "corpus-mixed.json#", "invalid unicode"),
        ("corpus-surrogate-low", "corpus-mixed.json#", "lone surrogate u+dc00"),
        ("corpus-surrogate-title", "corpus-mixed.json#", "lone surrogate u+dfff"),
        ("corpus-nul-char", "corpus-mixed.json#", "nul character"),
    ]
    c.mixed("records/corpus-mixed.json", f"[{body}]", _json([GOOD_RECORD]), expected)
    openie_bad = [
        1,
        "x",
        None,
        {"title": "no text"},
        {"text": None},
        {"text": 5},
        {"title": {"a": 1}, "text": "x"},
        {"title": True, "passage": "y"},
    ]
    good = {
        "title": "Alpha",
        "passage": "Alpha\nAlpha founded Beta.",
        "extracted_entities": ["Alpha", None, True, {}, [], "Beta"],
        "extracted_triples": [["Alpha", "founded", "Beta"], [None, "x", "y"], [True, "is", "z"], ["A", "b"], "junk"],
    }
    clean_good = {
        "title": "Alpha",
        "passage": "Alpha\nAlpha founded Beta.",
        "extracted_entities": ["Alpha", "Beta"],
        "extracted_triples": [["Alpha", "founded", "Beta"]],
    }
    surrogate_records = [
        '{"title": "S", "passage": "S \\ud83d broken emoji"}',
        '{"title": "E", "passage": "E text", "extracted_entities": ["bad \\ud800"]}',
        '{"title": "T", "passage": "T text", "extracted_triples": [["T", "is", "\\udbff"]]}',
    ]
    body = ", ".join([_json(good)] + [_json(r) for r in openie_bad] + surrogate_records)
    expected = [(f"openie-record-{i}", f"openie-mixed.json[{i}]", "openie record") for i in range(1, 9)]
    expected += [
        ("openie-surrogate-passage", "openie-mixed.json#S", "invalid unicode"),
        ("openie-surrogate-entity", "openie-mixed.json#E", "entity of passage 0"),
        ("openie-surrogate-triple", "openie-mixed.json#T", "triple of passage 0"),
    ]
    c.mixed("records/openie-mixed.json", '{"docs": [' + body + "]}", _json({"docs": [clean_good]}), expected)


def _jsonl(c: Corpus) -> None:
    lines = [
        _json({"title": "Line one", "text": "The Danube flows into the Black Sea."}),
        "{oops",
        "[1, 2]",
        '"str"',
        '{"title": "x"}',
        '{"text": 5}',
        '{"text": "x", "id": {"a": 1}}',
        '{"text": "x", "title": [1]}',
        "[" * 60_000 + "]" * 60_000,
        '{"text": "x", "n": ' + "9" * 5000 + "}",
        '{"text": "\\ud800"}',
        '{"text": "a\\u0000b"}',
        '{"text": NaN}',
        '{"text": "x", "title": true}',
    ]
    reasons = [
        "invalid json",
        "needs a non-empty string 'text'",
        "needs a non-empty string 'text'",
        "needs a non-empty string 'text'",
        "needs a non-empty string 'text'",
        "must be strings or numbers",
        "must be strings or numbers",
        "nested too deeply",
        "quote it as a string",
        "invalid unicode",
        "nul character",
        "needs a non-empty string 'text'",
        "must be strings or numbers",
    ]
    expected = [(f"jsonl-line-{n}", f"docs-mixed.jsonl:{n}", reason) for n, reason in enumerate(reasons, 2)]
    expected[9] = ("jsonl-line-11", "docs-mixed.jsonl#11", "invalid unicode")  # keyed by its line number
    expected[10] = ("jsonl-line-12", "docs-mixed.jsonl#12", "nul character")
    c.mixed("records/docs-mixed.jsonl", "\n".join(lines) + "\n", lines[0] + "\n", expected)


def _chat(c: Corpus) -> None:
    good = [_json(t) for t in GOOD_TURNS]
    bad_times = [
        1e20,
        -1e20,
        True,
        False,
        float("nan"),
        float("inf"),
        "2023-13-45",
        "yesterday",
        "",
        None,
        [2023],
        {"t": 1},
        "99999-01-01",
        1e308,
        "2023-02-30T10:00:00",
    ]
    lines = list(good)
    for value in bad_times:
        record = {"speaker": "Caroline", "text": "I moved.", "conversation_id": "trip"}
        if value is not None:
            record["timestamp"] = value
        lines.append(json.dumps(record))
    lines.append(_json({"speaker": "Caroline", "timestamp": "2024-05-09T10:00:00Z", "conversation_id": "trip"}))
    lines.append(
        '{"speaker": "Caroline", "text": "hi", "timestamp": "2024-05-09T10:00:00Z", "conversation_id": "bad\\udc80"}'
    )
    expected = [
        (f"chat-timestamp-{i}", f"chat-mixed.jsonl:{n}", "no valid 'timestamp'")
        for i, n in enumerate(range(6, 6 + len(bad_times)))
    ]
    n = 6 + len(bad_times)
    expected += [
        ("chat-no-text", f"chat-mixed.jsonl:{n}", "has no 'text'"),
        ("chat-surrogate-conversation", "chat-mixed.jsonl#bad", "invalid unicode"),
    ]
    c.mixed("records/chat-mixed.jsonl", "\n".join(lines) + "\n", "\n".join(good) + "\n", expected)


def _locomo(c: Corpus) -> None:
    c.bad("locomo-empty-list", "locomo-empty.json", "[]", "no locomo documents", group="locomo")
    c.bad("locomo-object", "locomo-object.json", "{}", "expects a json list", group="locomo")
    c.bad(
        "locomo-no-sessions",
        "locomo-nosessions.json",
        _json([{"sample_id": "s", "conversation": {}}]),
        "no locomo documents",
        group="locomo",
    )
    c.bad(
        "locomo-scalar-sample",
        "locomo-scalars.json",
        "[1]",
        "needs 'sample_id'",
        group="locomo",
        named="locomo-scalars.json[0]",
    )
    conv = {"speaker_a": "Mel", "session_1": LOCOMO_GOOD_SESSION, "session_1_date_time": "1:56 pm on 8 May, 2023"}
    bad_dates = {
        2: "1:56 pm on 45 May, 2023",
        3: "13:30 pm on 8 May, 2023",
        4: 12345,
        5: "1:56 pm on 8 Foo, 2023",
        6: "1:56 pm on 8 May, 0000",
        7: "9:99 am on 1 January, 2023",
        8: ["1:56 pm on 8 May, 2023"],
        9: "sometime last spring",
        10: "1:56 pm on 31 February, 2023",
    }
    for number, date in bad_dates.items():
        conv[f"session_{number}"] = [{"speaker": "Mel", "text": f"Session {number} talk.", "dia_id": f"D{number}:1"}]
        conv[f"session_{number}_date_time"] = date
    conv["session_11"] = [None, {"speaker": "Mel"}, {"speaker": "Mel", "text": ""}]
    conv["session_11_date_time"] = "2:00 pm on 9 May, 2023"
    conv["session_" + "9" * 40] = LOCOMO_GOOD_SESSION  # a key no session number can be: ignored, never a crash
    sample = {"sample_id": "conv-x", "conversation": conv}
    clean = {
        "sample_id": "conv-x",
        "conversation": {
            "speaker_a": "Mel",
            "session_1": LOCOMO_GOOD_SESSION,
            "session_1_date_time": "1:56 pm on 8 May, 2023",
        },
    }
    expected = [(f"locomo-date-{n}", f"locomo-mixed.json[conv-x/session_{n}]", "not a locomo date") for n in bad_dates]
    expected += [(f"locomo-turn-{j}", f"locomo-mixed.json[conv-x/session_11/{j}]", "has no 'text'") for j in range(3)]
    expected += [
        ("locomo-no-conversation", "locomo-mixed.json[1]", "needs 'sample_id'"),
        ("locomo-surrogate-speaker", "locomo-mixed.json#conv-y", "invalid unicode"),
    ]
    bad_speaker = (
        '{"sample_id": "conv-y", "conversation": {"session_1": [{"speaker": "M\\ud800", "text": "t"}], '
        '"session_1_date_time": "1:56 pm on 8 May, 2023"}}'
    )
    c.mixed(
        "locomo-mixed.json",
        "[" + _json(sample) + ', {"sample_id": "n", "conversation": 5}, ' + bad_speaker + "]",
        _json([clean]),
        expected,
        group="locomo",
    )


def _paths(c: Corpus) -> None:
    # Skipped without a word (not documents): hidden, VCS and editor state, the store's own files.
    for path in (
        ".hidden.txt",
        ".git/config",
        ".git/objects/ab/cdef",
        ".obsidian/workspace.json",
        ".trash/old.md",
        "node_modules/pkg/readme.txt",
        "__pycache__/x.txt",
        "notes.db",
        "notes.db-wal",
        "notes.db-shm",
        "x.sqlite3",
        "draft.txt~",
        "sub/.cache/entry.txt",
    ):
        c.files["auto"][f"skip/{path}"] = b"This file must never be ingested."
    # Names that are odd but legal: they land (and print) like any other document.
    for name in (
        "with space.txt",
        "Zürich ünïcode.txt",
        "[bold]markup[/].txt",
        "brackets [x].md",
        "c.json#foo.txt",
        "percent %23 sign.txt",
        "two\nlines.txt",
        "tab\tname.txt",
    ):
        text = f"Notes kept in a file named {name!r} about the Rhine river."
        c.files["auto"][f"names/{name}"] = text.encode()
        c.clean["auto"][f"names/{name}"] = text.encode()
    c.bad("oversized-file", "sizes/huge.txt", b"", "over the 256 mib limit")  # made sparse by ``materialize``
    c.special["names/bad-\udcff-name.txt"] = b"A file whose name is not UTF-8."
    c.cases.append(Case("non-utf8-file-name", "auto", "bad-\\udcff-name.txt", "file name is not valid utf-8: rename"))


def materialize(corpus: Corpus, group: str, root: Path, clean: bool = False) -> Path:
    """Write one group of the corpus (or its clean counterpart) below ``root``."""
    files = corpus.clean[group] if clean else corpus.files[group]
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel == "sizes/huge.txt":
            with open(path, "wb") as fh:
                fh.truncate(300 * 1024 * 1024)  # sparse: no disk used
            continue
        path.write_bytes(data)
    if group == "auto" and not clean:
        for rel, data in corpus.special.items():
            raw = os.fsencode(str(root / rel))
            with open(raw, "wb") as fh:
                fh.write(data)
        (root / "skip" / "dangling.txt").symlink_to(root / "nowhere.txt")
        (root / "skip" / "loop.txt").symlink_to(root / "skip" / "loop.txt")
        os.mkfifo(root / "skip" / "pipe.txt")
    return root
