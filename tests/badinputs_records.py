"""Bad JSON documents and records: JSON shapes, corpus/OpenIE records, JSONL lines (cases of the
bad-input corpus)."""

from __future__ import annotations

import json

from badinput_corpus import Corpus

GOOD_RECORD = {"title": "Vistula", "text": "The Vistula river flows through Warsaw and Krakow."}


def json_shapes(c: Corpus) -> None:
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


def records(c: Corpus) -> None:
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
    body = ", ".join([json.dumps(GOOD_RECORD)] + [json.dumps(r) for r in bad_corpus] + surrogates)
    expected = [(f"corpus-record-{i}", f"corpus-mixed.json[{i}]", reason) for i, reason in enumerate(reasons, 1)]
    expected += [
        ("corpus-surrogate-text", "corpus-mixed.json#", "invalid unicode"),
        ("corpus-surrogate-low", "corpus-mixed.json#", "lone surrogate u+dc00"),
        ("corpus-surrogate-title", "corpus-mixed.json#", "lone surrogate u+dfff"),
        ("corpus-nul-char", "corpus-mixed.json#", "nul character"),
    ]
    c.mixed("records/corpus-mixed.json", f"[{body}]", json.dumps([GOOD_RECORD]), expected)
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
    body = ", ".join([json.dumps(good)] + [json.dumps(r) for r in openie_bad] + surrogate_records)
    expected = [(f"openie-record-{i}", f"openie-mixed.json[{i}]", "openie record") for i in range(1, 9)]
    expected += [
        ("openie-surrogate-passage", "openie-mixed.json#S", "invalid unicode"),
        ("openie-surrogate-entity", "openie-mixed.json#E", "entity of passage 0"),
        ("openie-surrogate-triple", "openie-mixed.json#T", "triple of passage 0"),
    ]
    c.mixed("records/openie-mixed.json", '{"docs": [' + body + "]}", json.dumps({"docs": [clean_good]}), expected)


def jsonl(c: Corpus) -> None:
    lines = [
        json.dumps({"title": "Line one", "text": "The Danube flows into the Black Sea."}),
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
