"""Forgetting (MemoryBank): prune documents whose units are all old or all weak.

A unit's last activity is when it was last recalled, else its own date, else when its document was
stored; its strength is its recall count. Whole documents go, never single units: the delete
cascade, the content-hash idempotency and re-ingestion all work per document, so a document is
forgotten when every one of its units qualifies (a document one unit of which is still in use stays).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..dates import interval
from ..errors import InputError
from ..graph.store import GraphStore
from ..graph.strength import StrengthStore
from ..records import DocumentInfo, Episode, Passage

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w|y)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "y": 365.0}


def cutoff(value: str, now: dt.datetime) -> dt.datetime:
    """The instant ``--older-than`` names: an ISO date/datetime (its start), or a duration before
    ``now`` (``36h``, ``30d``, ``8w``, ``2y``). ``InputError`` otherwise."""
    m = _DURATION.match(value)
    if m:
        return now - dt.timedelta(days=float(m.group(1)) * _UNIT_DAYS[m.group(2).lower()])
    span = interval(value) if re.match(r"^\s*\d{4}", value) else None
    if span is None:
        raise InputError(
            f"--older-than {value!r}: give an ISO date or datetime (2024-05-01, 2024-05-01T12:00:00Z) "
            "or a duration (36h, 30d, 8w, 2y)"
        )
    return span[0]


@dataclass
class Forgotten:
    """A document that qualifies: its units, their total recalls and latest activity."""

    document: DocumentInfo
    units: int
    recalls: int
    last_active: str | None


@dataclass
class ForgetReport:
    """What ``forget`` removed (or, on a dry run, would remove)."""

    dry_run: bool
    documents: list[Forgotten] = field(default_factory=list)
    purged_recalls: int = 0

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "documents": [
                {
                    "id": f.document.id,
                    "source": f.document.source,
                    "units": f.units,
                    "recalls": f.recalls,
                    "last_active": f.last_active,
                }
                for f in self.documents
            ],
            "purged_recalls": self.purged_recalls,
        }


def forgettable(
    store: GraphStore, strength: StrengthStore, older_than: dt.datetime | None, weaker_than: int | None
) -> list[Forgotten]:
    """Documents every unit of which was last active before ``older_than`` and was recalled fewer
    than ``weaker_than`` times (a criterion left None does not restrict)."""
    if older_than is None and weaker_than is None:
        raise InputError("forget needs --older-than DATE|DURATION and/or --weaker-than N")
    if weaker_than is not None and weaker_than < 1:
        raise InputError(f"--weaker-than {weaker_than}: give a recall count of 1 or more")
    stats = strength.stats()
    out = []
    for doc in store.documents():
        units = store.document_units(doc.id)
        moments: list[dt.datetime] = []
        recalls = 0
        qualifies = True
        slots: list[Passage | Episode | None] = [*units] or [None]
        for unit in slots:
            s = stats.get(unit.id) if unit is not None else None
            n = s.recalls if s else 0
            when = next(
                (
                    span[0]
                    for value in (s.last_recalled if s else None, getattr(unit, "occurred_at", None), doc.ingested_at)
                    if (span := interval(value)) is not None
                ),
                None,
            )
            recalls += n
            if when is not None:
                moments.append(when)
            if weaker_than is not None and n >= weaker_than:
                qualifies = False
            if older_than is not None and (when is None or when >= older_than):
                qualifies = False
        if qualifies:
            last = max(moments).isoformat() if moments else None
            out.append(Forgotten(doc, len(units), recalls, last))
    return out


def forget(
    store: GraphStore,
    strength: StrengthStore,
    now: dt.datetime,
    older_than: str | None = None,
    weaker_than: int | None = None,
    dry_run: bool = False,
) -> ForgetReport:
    """Delete (unless ``dry_run``) the documents ``forgettable`` names, then drop the recall
    counts of units that no longer exist."""
    limit = cutoff(older_than, now) if older_than is not None else None
    report = ForgetReport(dry_run, forgettable(store, strength, limit, weaker_than))
    if dry_run:
        return report
    for item in report.documents:
        store.delete_document(item.document.id)
    kept = [u.id for d in store.documents() for u in store.document_units(d.id)]
    report.purged_recalls = strength.purge(kept)
    return report
