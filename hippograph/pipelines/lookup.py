"""Which stored documents a user means: by id, id prefix, source key, file path or unit id."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..graph.store import GraphStore
from ..records import DocumentInfo, Episode, Passage
from .sync import source_path

_HEX = re.compile(r"^[0-9a-f]{4,}$")
MIN_PREFIX = 4  # shorter prefixes match too much to be what anyone meant


def find_documents(store: GraphStore, ref: str) -> list[DocumentInfo]:
    """The documents ``ref`` names, trying in turn: a document id, a source key
    (``/abs/c.json#Title``, ``<stdin>#...``), a file path (every document read from that file),
    a passage or episode id, then a unique id prefix of at least 4 hex digits. An ambiguous prefix
    is an ``InputError`` listing the candidates; no match is an empty list."""
    ref = ref.strip()
    if not ref:
        return []
    docs = store.documents()
    by_id = {d.id: d for d in docs}
    if ref in by_id:
        return [by_id[ref]]
    exact = [d for d in docs if d.source == ref]
    if exact:
        return exact
    path = _absolute(ref)
    if path is not None:
        from_file = [d for d in docs if source_path(d.source) == path]
        if from_file:
            return from_file
    units: list[Passage | Episode] = [*store.passages([ref]), *store.episodes([ref])]
    owners = {u.document_id for u in units}
    if owners:
        return [by_id[o] for o in sorted(owners) if o in by_id]
    if _HEX.match(ref.lower()):
        matches = [d for d in docs if d.id.startswith(ref.lower())]
        if len(matches) > 1:
            shown = ", ".join(f"{d.id} ({d.source})" for d in matches[:5])
            raise InputError(
                f"document id prefix {ref!r} matches {len(matches)} documents ({shown}"
                f"{', ...' if len(matches) > 5 else ''}): give more digits"
            )
        return matches
    return []


def _absolute(ref: str) -> str | None:
    try:
        return str(Path(ref).expanduser().resolve())
    except (OSError, ValueError, RuntimeError):  # too long, a NUL byte, a symlink loop
        return None


def document_view(store: GraphStore, document_id: str) -> dict[str, Any] | None:
    """What the store holds for one document: its units and the facts each supports (None when
    the document is absent). Plain data, ready for JSON."""
    info = next((d for d in store.documents() if d.id == document_id), None)
    if info is None:
        return None
    from ..extract.aliases import alias_map

    units = store.document_units(document_id)
    facts = store.unit_facts([u.id for u in units])
    named = {e for fs in facts.values() for f in fs for e in (f.subject, f.object)}
    # First names that stand for a full name, in this document and across the store.
    aliases = {
        short: full for short, full in alias_map(store.node_ids("entity")).items() if short in named or full in named
    }
    return {
        "document": asdict(info),
        "aliases": aliases,
        "units": [
            {
                "id": u.id,
                "kind": "episode" if isinstance(u, Episode) else "passage",
                "position": u.position,
                "source_id": u.source_id,
                "title": getattr(u, "title", ""),
                "occurred_at": u.occurred_at,
                "text": u.text,
                "facts": [{k: v for k, v in asdict(f).items() if k != "embedding"} for f in facts[u.id]],
            }
            for u in units
        ],
    }
