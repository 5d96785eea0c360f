"""Conversation readers: chat JSONL turns and LoCoMo sessions, each session one document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

from .source import Problem, SourceDocument, Turn, unique_key

_LOCOMO_DATE = re.compile(r"(\d{1,2}):(\d{2})\s*([ap]m)\s+on\s+(\d{1,2})\s+(\w+),?\s+(\d{4})", re.I)


def parse_locomo_date(value: str) -> str | None:
    """'1:56 pm on 8 May, 2023' -> '2023-05-08T13:56:00+00:00' (None when unparseable)."""
    m = _LOCOMO_DATE.search(value or "")
    if not m:
        return None
    hour, minute, ampm, day, month, year = m.groups()
    try:
        month_no = datetime.strptime(month[:3], "%b").month
    except ValueError:
        return None
    if int(hour) > 12:
        return None
    h = int(hour) % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(int(year), month_no, int(day), h, int(minute), tzinfo=timezone.utc).isoformat()
    except ValueError:  # "45 May", minute 61
        return None


def normalize_timestamp(value: object) -> str | None:
    """An ISO 8601 string from an ISO string or a UNIX time; None when unparseable or out of range
    (a boolean is not a time)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):  # year past 9999, NaN
            return None
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return parse_locomo_date(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.isoformat()
    return None


def _conversation_doc(source: str, title: str, turns: list[Turn], fmt: str, metadata: dict) -> SourceDocument:

    text = "\n".join(f"{t.speaker}: {t.text}" for t in turns)
    return SourceDocument(source, title, text, fmt, turns=turns, metadata=metadata)


def read_chat_jsonl(source: str, records: list[tuple[int, object]]) -> Iterator[SourceDocument | Problem]:
    """JSONL of {speaker, text, timestamp, conversation_id}: one document per conversation."""

    conversations: dict[str, list[Turn]] = {}
    for n, record in records:
        if not isinstance(record, dict):
            yield Problem(f"{source}:{n}", "chat turn is not an object")
            continue
        text = record.get("text")
        when = normalize_timestamp(record.get("timestamp"))
        if not isinstance(text, str) or not text.strip():
            yield Problem(f"{source}:{n}", "chat turn has no 'text': skipped")
            continue
        if when is None:
            yield Problem(f"{source}:{n}", "chat turn has no valid 'timestamp' (ISO 8601 or UNIX seconds): skipped")
            continue
        conv = str(record.get("conversation_id") or "default")
        turns = conversations.setdefault(conv, [])
        turn_id = str(record.get("id") or f"{conv}/{len(turns) + 1}")
        turns.append(Turn(str(record.get("speaker") or "unknown"), text.strip(), when, turn_id))
    for conv, turns in conversations.items():
        turns.sort(key=lambda t: t.occurred_at or "")
        yield _conversation_doc(f"{source}#{conv}", conv, turns, "jsonl", {"conversation_id": conv})


def read_locomo(source: str, payload: object) -> Iterator[SourceDocument | Problem]:
    """LoCoMo: each session of each sample becomes one document of dated turns."""

    if not isinstance(payload, list):
        yield Problem(source, "locomo format expects a JSON list of {sample_id, conversation}")
        return
    keys: set[str] = set()  # two samples with one sample_id stay two documents
    for i, sample in enumerate(payload):
        if not isinstance(sample, dict) or not isinstance(sample.get("conversation"), dict):
            yield Problem(f"{source}[{i}]", "locomo sample needs 'sample_id' and a 'conversation' object")
            continue
        sample_id = str(sample.get("sample_id") or i)
        conv = sample["conversation"]
        sessions = sorted(
            (int(k.split("_")[1]), k) for k in conv if re.fullmatch(r"session_\d{1,9}", k) and isinstance(conv[k], list)
        )
        for number, key in sessions:
            stated = conv.get(f"{key}_date_time")
            when = parse_locomo_date(stated) if isinstance(stated, str) else None
            if stated not in (None, "") and when is None:
                yield Problem(
                    f"{source}[{sample_id}/{key}]",
                    f"session date {stated!r} is not a LoCoMo date "
                    "('1:56 pm on 8 May, 2023'): session skipped; fix the date",
                )
                continue
            turns = []
            for j, turn in enumerate(conv[key]):
                text = turn.get("text") if isinstance(turn, dict) else None
                if not isinstance(text, str) or not text.strip():
                    yield Problem(f"{source}[{sample_id}/{key}/{j}]", "turn has no 'text': skipped")
                    continue
                dia = str(turn.get("dia_id") or f"D{number}:{j + 1}")
                turns.append(Turn(str(turn.get("speaker") or "unknown"), text.strip(), when, f"{sample_id}/{dia}"))
            if turns:
                meta = {"sample_id": sample_id, "session": number}
                yield _conversation_doc(
                    unique_key(source, f"{sample_id}/{key}", keys),
                    f"{sample_id} session {number}",
                    turns,
                    "locomo",
                    meta,
                )
