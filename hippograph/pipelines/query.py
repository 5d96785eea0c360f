"""Batch questions for the query pipeline (one JSON object per line)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(id, question) pairs from JSONL ``{"id", "question"}``; a bad line names its number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")  # U+2028 inside a line does not end it
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read questions file {path}: {exc}") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
        except (RecursionError, ValueError) as exc:  # nested too deeply, a 5,000-digit number
            raise InputError(
                f'{path}:{n}: unreadable JSON ({type(exc).__name__}): expected {{"id": ..., "question": "..."}}'
            ) from exc
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("question"), str)
            or not record["question"].strip()
        ):
            raise InputError(f'{path}:{n}: expected {{"id": ..., "question": "..."}} with a non-empty question')
        qid = record.get("id", n)
        if isinstance(qid, (dict, list)):
            raise InputError(f"{path}:{n}: 'id' must be a string or a number")
        items.append((str(qid), record["question"]))
    if not items:
        raise InputError(f"{path}: no questions in it (one JSON object per line)")
    return items
