"""Dates of the memory: strict ISO input, partial dates at their precision, comparisons in UTC.

Stored dates are ISO strings at the precision their source gave: ``"2021"``, ``"2021-03"``,
``"2021-03-05"`` or a full datetime. Comparisons never look at string prefixes: every value is
parsed to the UTC interval it names (``"2021-03"`` is all of March 2021).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import overload

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
UTC = dt.timezone.utc


def _bad_as_of(value: str, why: str) -> ValueError:
    from .errors import InputError

    return InputError(
        f"as-of date {value!r} {why}: give an ISO date or datetime, e.g. 2023-05-01 or 2023-05-01T14:30:00Z"
    )


@overload
def parse_as_of(value: str) -> dt.datetime: ...
@overload
def parse_as_of(value: None) -> None: ...
@overload
def parse_as_of(value: str | None) -> dt.datetime | None: ...


def parse_as_of(value: str | None) -> dt.datetime | None:
    """The instant an ``as_of`` names, in UTC: a date means the end of that day.

    Only ISO 8601 dates (``2023-05-01``) and datetimes (``2023-05-01T14:30:00+02:00``) are
    accepted; anything else ("yesterday", "2023-13-45") raises ``InputError``. A datetime
    without a zone is read as UTC.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not _ISO_SHAPE.match(text):
        raise _bad_as_of(value, "is not an ISO date")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max, UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad_as_of(value, f"is not a real date ({exc})") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_document_date(value: object, what: str = "document date") -> str:
    """An explicit date given for input (``--date``, ``occurred_at``) as a partial ISO string:
    ``2021``, ``2021-03``, ``2021-03-05`` or an ISO datetime. Anything else raises ``InputError``."""
    from .errors import InputError

    if isinstance(value, (dt.date, dt.datetime)):
        return normalize_date_value(value) or ""
    text = str(value).strip() if value is not None else ""
    if _PARTIAL.match(text) and interval(text):
        return text
    if _ISO_SHAPE.match(text):
        try:
            parse_as_of(text)
        except InputError:
            pass
        else:
            return normalize_date_value(text) or text
    raise InputError(f"{what} {value!r} is not an ISO date: give e.g. 2024-05-01, 2024-05 or 2024-05-01T09:30:00Z")


@lru_cache(maxsize=4096)
def interval(value: str | None) -> tuple[dt.datetime, dt.datetime] | None:
    """The UTC interval [start, end) a stored date names, or None when it is not a date."""
    if not value:
        return None
    text = value.strip()
    m = _PARTIAL.match(text)
    try:
        if m:
            year, month, day = m.group(1), m.group(2), m.group(3)
            if day:
                start = dt.datetime(int(year), int(month), int(day), tzinfo=UTC)
                return start, start + dt.timedelta(days=1)
            if month:
                start = dt.datetime(int(year), int(month), 1, tzinfo=UTC)
                end = dt.datetime(int(year) + (month == "12"), int(month) % 12 + 1, 1, tzinfo=UTC)
                return start, end
            return dt.datetime(int(year), 1, 1, tzinfo=UTC), dt.datetime(int(year) + 1, 1, 1, tzinfo=UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    return parsed, parsed + dt.timedelta(microseconds=1)


def starts_after(value: str | None, instant: dt.datetime) -> bool:
    """Whether the date ``value`` begins after ``instant`` (undated values never do)."""
    span = interval(value)
    return span is not None and span[0] > instant


def sort_key(value: str | None) -> tuple[int, dt.datetime]:
    """Order dates by where they start; undated values sort first."""
    span = interval(value)
    return (0, dt.datetime.min.replace(tzinfo=UTC)) if span is None else (1, span[0])


def earlier(a: str | None, b: str | None) -> bool:
    """``a`` starts strictly before ``b`` (False when either is undated)."""
    sa, sb = interval(a), interval(b)
    return sa is not None and sb is not None and sa[0] < sb[0]


def day_before(value: str) -> str | None:
    """The ISO day before the start of ``value`` (for "before X" questions)."""
    span = interval(value)
    return None if span is None else (span[0] - dt.timedelta(days=1)).date().isoformat()


def format_partial(when: dt.date | dt.datetime, precision: str) -> str:
    """An ISO string at ``precision``: ``year`` -> 2021, ``month`` -> 2021-03, else the day."""
    if precision == "year":
        return f"{when.year:04d}"
    if precision == "month":
        return f"{when.year:04d}-{when.month:02d}"
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


def normalize_date_value(value: object) -> str | None:
    """A front-matter or SDK date as a partial ISO string; None when it is not a date.

    Accepts ``date``/``datetime`` objects (YAML parses ``2021-03-05`` to one), ISO strings of any
    precision, and written dates ("March 2021", "5 March 2021") kept at their precision.
    """
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _PARTIAL.match(text) and interval(text):
        return text
    if _ISO_SHAPE.match(text):
        try:
            return normalize_date_value(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return None
    return parse_written_date(text)


@lru_cache(maxsize=1)
def _parser():
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_TIME_AS_PERIOD": True})


_ABSOLUTE = re.compile(r"\b\d{4}\b")


def parse_written_date(text: str, base: str | None = None) -> str | None:
    """A date written in prose ("March 2021", "in 2019", "last month") at its precision.

    Relative expressions need ``base`` (the unit's own date) and resolve against it; without
    one they are not dates. Seasons, decades and vague phrases give None.
    """
    text = re.sub(r"^(since|in|on|from|by|until|as of|during)\s+", "", text.strip(), flags=re.IGNORECASE)
    if not text or len(text) > 40:
        return None
    absolute = bool(_ABSOLUTE.search(text))
    if not absolute and base is None:
        return None
    span = interval(base) if base else None
    parser = _parser()
    if span is not None:
        from dateparser.date import DateDataParser

        parser = DateDataParser(
            languages=["en"],
            settings={
                "PREFER_DAY_OF_MONTH": "first",
                "RETURN_TIME_AS_PERIOD": True,
                "RELATIVE_BASE": span[0].replace(tzinfo=None),
            },
        )
    data = parser.get_date_data(text)
    if data.date_obj is None or data.period not in ("day", "week", "month", "year"):
        return None
    return format_partial(data.date_obj, data.period)
