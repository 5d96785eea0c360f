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
    """A fact's id: its (namespace-scoped) entity ids and normalized predicate."""
    return short_hash(subject_id, normalize_name(predicate), object_id)


DEFAULT_NAMESPACE = "default"
_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_namespace(namespace: str) -> str:
    """``namespace`` if it is a valid name (letters, digits, ``_.-``, at most 64), else ``ConfigError``."""
    from .errors import ConfigError

    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        raise ConfigError(
            f"namespace {namespace!r}: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return namespace


def entity_id(name: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """An entity's id: its normalized name, prefixed ``namespace:`` outside the default namespace
    (normalized names hold no ``:``, so ids of different namespaces never collide)."""
    key = normalize_name(name)
    if not key or namespace == DEFAULT_NAMESPACE:
        return key
    return f"{namespace}:{key}"


def document_id(source: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """A document's id: a hash of its source key (and of its namespace outside the default one)."""
    if namespace == DEFAULT_NAMESPACE:
        return short_hash("document", source)
    return short_hash("document", namespace, source)


# Single words that are never someone's first name in practice (dates, pronouns, titles).
_NOT_NAMES = {
    "april",
    "august",
    "city",
    "company",
    "december",
    "dr",
    "east",
    "february",
    "friday",
    "group",
    "january",
    "july",
    "june",
    "madam",
    "march",
    "may",
    "monday",
    "mr",
    "mrs",
    "ms",
    "my",
    "new",
    "north",
    "november",
    "october",
    "old",
    "our",
    "prof",
    "saturday",
    "september",
    "sir",
    "south",
    "sunday",
    "team",
    "that",
    "the",
    "this",
    "thursday",
    "today",
    "tomorrow",
    "tuesday",
    "wednesday",
    "west",
    "yesterday",
    "your",
}


def split_namespace(entity_id: str) -> tuple[str, str]:
    """(namespace prefix, name) of an entity id: normalized names never contain ':'."""
    prefix, _, name = entity_id.rpartition(":")
    return (prefix + ":" if prefix else ""), name


def first_name(name: str) -> bool:
    """Whether a one-word name can be someone's first name (alphabetic, 3+ letters, not a title or date)."""
    return name.isalpha() and len(name) >= 3 and name not in _NOT_NAMES


def full_name(name: str) -> bool:
    """Whether a name is a full name: two or three alphabetic words, the first a first name."""
    words = name.split()
    return 2 <= len(words) <= 3 and all(w.isalpha() for w in words) and first_name(words[0])


def is_full_name(entity_id: str) -> bool:
    """Whether an entity id is a full name an alias rule can pair a first name with."""
    return full_name(split_namespace(entity_id)[1])
