"""Stable identifiers: content hashes and normalized names."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """SHA-256 of the UTF-8 text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_hash(*parts: str) -> str:
    """A 16-hex-digit id derived from the parts (order matters)."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def normalize_name(name: str) -> str:
    """Lowercase, fold accents and punctuation, squeeze spaces: the entity id."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _PUNCT.sub(" ", text.lower())
    return _SPACE.sub(" ", text).strip()


def fact_id(subject_id: str, predicate: str, object_id: str) -> str:
    return short_hash(subject_id, normalize_name(predicate), object_id)
