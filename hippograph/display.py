"""Printing user data safely (CLI and server): no rich markup interpretation, no terminal control codes, no secrets.

Every string that came from a user (titles, texts, sources, questions, error messages quoting
them, store URIs) reaches the terminal through ``Text`` objects built here, never through a
markup template, so ``[/]`` or ``[bold]`` in a title prints as written instead of crashing.
"""

from __future__ import annotations

import os
import re

from rich.console import Console
from rich.text import Text

# user:password@ inside any URI, anywhere in a message (driver errors quote the URI they dialled).
_URI_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*):[^\s/@]*@")
# Terminal control characters and the invisible bidirectional overrides ("Trojan source"), shown
# as escapes; lone surrogates cannot be encoded at all and are shown the same way.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SECRET_VARIABLES = ("NEO4J_PASSWORD", "HIPPOGRAPH_API_TOKEN")


def redact(text: str) -> str:
    """``text`` with passwords inside URIs and the values of secret variables replaced by ``***``."""
    text = _URI_PASSWORD.sub(r"\1:***@", text)
    for name in SECRET_VARIABLES:
        secret = os.environ.get(name)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def printable(text: object) -> str:
    """``text`` made safe for a terminal: control, bidi-override and surrogate characters escaped."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), str(text))


def plain(text: object, style: str = "") -> Text:
    """A rich ``Text`` of user data: printed literally (markup is not interpreted), secrets redacted."""
    return Text(redact(printable(text)), style=style)


def line(*parts: object) -> Text:
    """Concatenate ``(text, style)`` pairs and plain values into one safe ``Text``."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(plain(part[0], part[1]))
        elif isinstance(part, Text):
            out.append(part)
        else:
            out.append(plain(part))
    return out


def print_error(console: Console, message: object) -> None:
    """``error: <message>`` on ``console``; the message is user data (escaped, redacted)."""
    console.print(line(("error: ", "red"), message), soft_wrap=True)


def print_problem(console: Console, label: str, source: str, reason: str) -> None:
    """``<label> <source>: <reason>`` for one refused input."""
    console.print(line((label, "yellow"), " ", source, ": ", reason), soft_wrap=True)


def print_document(out: Console, data: dict) -> None:
    """What ``Memory.show`` returned for one document: its units and the facts each supports."""
    doc = data["document"]
    out.print(line((doc["title"], "bold"), "  ", (f"{doc['id']} {doc['source']}", "dim")), soft_wrap=True)
    for unit in data["units"]:
        out.print(
            line(
                (f"{unit['kind']} {unit['position']}", "bold"),
                " ",
                (unit["id"], "dim"),
                "  ",
                unit["text"].replace("\n", " ")[:200],
            ),
            soft_wrap=True,
        )
        for f in unit["facts"]:
            validity = f" (until {f['invalid_at']})" if f["invalid_at"] is not None else ""
            out.print(line(f"    ({f['subject']}) -[{f['predicate']}]-> ({f['object']}){validity}"), soft_wrap=True)


def print_result(out: Console, err: Console, result) -> None:
    """A retrieval result: ranked units, then the facts that seeded them."""
    if result.fallback:
        err.print(plain(f"dense fallback: {result.fallback}", "dim"))
    if not result.passages:
        out.print("no passages: the store is empty")
    for rank, p in enumerate(result.passages, 1):
        label = p.title or p.source_id or p.id
        when = f" {p.occurred_at}" if p.occurred_at else ""
        out.print(
            line((f"{rank}. {label}", "bold"), "  ", (f"{p.id} score={p.score:.4f}{when}", "dim")), soft_wrap=True
        )
        out.print(line("   ", p.text.replace("\n", " ")[:300]), soft_wrap=True)
    if result.facts:
        out.print("[bold]facts[/]")
        for f in result.facts:
            validity = f" (valid {f.valid_from or '?'} .. {f.invalid_at or 'now'})" if f.valid_from else ""
            out.print(
                line(f"  {f.score:.3f}  ({f.subject}) -[{f.predicate}]-> ({f.object})", (validity, "dim")),
                soft_wrap=True,
            )
    if result.notes:
        out.print("[bold]entity notes[/]")
        for note in result.notes:
            out.print(line(("  " + note["name"], "bold"), "  ", (f"{note['units']} units", "dim")), soft_wrap=True)
            for text in note["facts"][:5]:
                out.print(line("    ", text), soft_wrap=True)
