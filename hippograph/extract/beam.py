"""BEAM work chats (github.com/mohammadtavakoli78/BEAM): one dated batch of a chat = one document.

A BEAM chat folder holds ``chat.json``: a list of batches ``{batch_number, turns, time_anchor}``
where ``turns`` is a list of lists of messages ``{id, role, content, time_anchor?}``. The batch's
date sits on its first message (``"March-15-2024"``) and applies to the whole batch. Assistant
answers are long (thousands of characters, past a small embedder's window), so each message is
chunked; every chunk becomes its own episode whose ``source_id`` names the message
(``"<chat>/<message id>"``), which is how evaluation maps chunks back to messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from .chunking import chunk_text
from .source import Problem, SourceDocument, Turn


def parse_beam_date(value: object) -> str | None:
    """``'March-15-2024'`` -> ``'2024-03-15T00:00:00+00:00'``; None when absent or unparseable."""
    if not isinstance(value, str):
        return None
    for pattern in ("%B-%d-%Y", "%b-%d-%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=timezone.utc).isoformat()
        except ValueError:
            continue
    return None


def beam_chat_name(folder: Path) -> str:
    """``.../chats/100K/11`` -> ``'100K/11'``: the chat's name in message source ids."""
    return f"{folder.parent.name}/{folder.name}"


def read_beam_chat(
    folder: str | Path, chunk_size: int = 1200, overlap: int = 150
) -> Iterator[SourceDocument | Problem]:
    """The documents (one per dated batch) of one BEAM chat folder."""
    folder = Path(folder)
    path = folder / "chat.json"
    try:
        batches = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        yield Problem(str(path), f"cannot read BEAM chat ({exc}); pass a BEAM chat folder holding chat.json")
        return
    if not isinstance(batches, list):
        yield Problem(str(path), "BEAM chat.json must be a list of batches {batch_number, turns}")
        return
    chat = beam_chat_name(folder)
    for b, batch in enumerate(batches):
        groups = batch.get("turns") if isinstance(batch, dict) else None
        if not isinstance(groups, list):
            yield Problem(f"{path}[{b}]", "batch has no 'turns' list: skipped")
            continue
        messages = [m for group in groups if isinstance(group, list) for m in group if isinstance(m, dict)]
        when = parse_beam_date(messages[0].get("time_anchor")) if messages else None
        when = when or parse_beam_date(batch.get("time_anchor"))
        turns: list[Turn] = []
        for m in messages:
            text, mid = m.get("content"), m.get("id")
            if not isinstance(text, str) or not text.strip() or mid is None:
                yield Problem(f"{path}[{b}]", f"message {mid!r} has no id or no content: skipped")
                continue
            speaker = str(m.get("role") or "unknown")
            for chunk in chunk_text(text, chunk_size, overlap):
                turns.append(Turn(speaker, chunk.text, when, f"{chat}/{mid}"))
        if not turns:
            continue
        number = batch.get("batch_number", b + 1)
        text = "\n".join(f"{t.speaker}: {t.text}" for t in turns)
        yield SourceDocument(
            f"{folder.resolve()}#batch-{number}",
            f"BEAM {chat} batch {number}",
            text,
            "beam",
            turns=turns,
            metadata={"chat": chat, "batch": number},
        )
