"""Batch questions for the query pipeline (one JSON object per line)."""

from __future__ import annotations

import json
from pathlib import Path


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(id, question) pairs from JSONL ``{"id", "question"}``; a bad line names its number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read questions file {path}: {exc}") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            raise ValueError(f'{path}:{n}: expected {{"id": ..., "question": "..."}}')
        items.append((str(record.get("id", n)), record["question"]))
    return items
