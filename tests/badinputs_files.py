"""Bad files as files: encodings and bytes, sizes, names and paths (cases of the bad-input corpus)."""

from __future__ import annotations

from badinput_corpus import Case, Corpus

GOOD = {
    "good/ada.txt": "Ada Lovelace wrote the first program for the Analytical Engine of Charles Babbage.",
    "good/curie.md": "# Marie Curie\n\nMarie Curie discovered polonium and radium in Paris.",
    "good/turing.txt": "Alan Turing worked at Bletchley Park during the war.",
}


def encodings(c: Corpus) -> None:
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


def paths(c: Corpus) -> None:
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
