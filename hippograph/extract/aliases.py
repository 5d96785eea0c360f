"""Entity aliases: a first name and the one full name it stands for ("Priya" -> "Priya Shah").

Aliases are derived, never stored as a decision: they are a function of the set of entity
names present, so the result does not depend on ingestion order and disappears with the
documents that brought the full name. Within one document or conversation the extractor's
types are known and only person names are merged; across documents a first name is merged
with a full name when exactly one stored full name starts with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..ids import first_name as _first_name
from ..ids import full_name as _full_name
from ..ids import split_namespace as _split


def alias_map(entity_ids: Iterable[str], full_names: Iterable[str] | None = None) -> dict[str, str]:
    """First-name id -> the full-name id it stands for, when exactly one full name qualifies.

    ``full_names`` restricts the full names considered (e.g. to those typed PERSON); by default
    every id of two or three alphabetic words is one.
    """
    ids = set(entity_ids)
    candidates = set(full_names) if full_names is not None else ids
    by_first: dict[tuple[str, str], list[str]] = {}
    for entity in candidates:
        prefix, name = _split(entity)
        if _full_name(name):
            by_first.setdefault((prefix, name.split()[0]), []).append(entity)
    out: dict[str, str] = {}
    for entity in ids:
        prefix, name = _split(entity)
        fulls = by_first.get((prefix, name))
        if " " not in name and fulls is not None and len(fulls) == 1:
            out[entity] = fulls[0]
    return out


def first_words(entity_ids: Iterable[str]) -> list[str]:
    """The id of each name's first word (namespace prefix kept): every id an alias rule can pair
    with one of ``entity_ids`` is one of these or starts with one of them and a space."""
    out = set()
    for entity in entity_ids:
        prefix, name = _split(entity)
        words = name.split()
        if words and _first_name(words[0]):  # no other word starts an alias pair
            out.add(prefix + words[0])
    return sorted(out)


def alias_groups(stored_ids: Iterable[str], new_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Entity id -> every id that names the same entity (itself, its first name, its full name).

    Complete for the ``new_ids`` when ``stored_ids`` holds at least the stored ids
    ``first_words(new_ids)`` names (``StoreWriter.entities_named``).
    """
    mapping = alias_map(set(stored_ids) | set(new_ids))
    groups: dict[str, set[str]] = {}
    for short, full in mapping.items():
        groups.setdefault(full, {full}).add(short)
    out: dict[str, frozenset[str]] = {}
    for members in groups.values():
        frozen = frozenset(members)
        for member in members:
            out[member] = frozen
    return out
