"""The relation vocabulary of time: functional relations, end events, one-holder roles.

Which predicates a subject has one value of at a time, which verbs end a fact, and which roles
have one holder at a time; used by supersession at ingestion and by retrieval to prefer facts
of the relation a question asks about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ids import normalize_name

# Relations a subject has at most one of at a time, by normalized predicate.
_EXCLUSIVE = {
    "residence": {
        "lives in",
        "live in",
        "living in",
        "resides in",
        "reside in",
        "moved to",
        "move to",
        "moves to",
        "relocated to",
        "relocate to",
        "is based in",
        "based in",
        "be based in",
        "lives at",
        "live at",
        "settle in",
    },
    "employer": {
        "works at",
        "work at",
        "works for",
        "work for",
        "employed by",
        "is employed by",
        "joined",
        "join",
        "is employed at",
        "start at",
        "be employed at",
        "hire by",
        "hired by",
    },
    "spouse": {
        "is married to",
        "married to",
        "married",
        "marry",
        "is the wife of",
        "is the husband of",
        "be married to",
        "be wife of",
        "be husband of",
    },
    "role": {
        "current role",
        "has role",
        "works as",
        "work as",
        "has job",
        "job is",
        "current job",
        "be promote to",
        "promote to",
    },
    "price": {"cost", "costs", "be priced at", "priced at", "price at"},
}
_FAMILY = {predicate: family for family, predicates in _EXCLUSIVE.items() for predicate in predicates}
# "moved to <an organisation>" is a job change, not a move of home.
_ORG_TYPES = {"ORG"}
EMPLOYER_PREDICATE = "work at"

# End events: the family they end (None: whatever functional fact has the same object).
_END = {
    "leave": None,
    "left": None,
    "quit": None,
    "leave from": None,
    "resign from": None,
    "move away from": None,
    "move out of": None,
    "move from": "residence",
    "divorce": "spouse",
    "separate from": "spouse",
    "break up with": "spouse",
    "step down as": None,
    "retire from": None,
    "depart": None,
}
_NO_LONGER = "no longer "

# Roles one holder has at a time: "<be|become> <role> of X" and verbs of leading.
_ROLES = {
    "mayor",
    "ceo",
    "president",
    "head",
    "chair",
    "chairman",
    "chairwoman",
    "director",
    "principal",
    "coach",
    "captain",
    "manager",
    "leader",
    "governor",
    "chief executive",
    "cto",
    "cfo",
    "coo",
    "prime minister",
    "chancellor",
    "dean",
    "editor",
    "owner",
}
_LEADING = {"lead", "head", "coach", "chair", "captain", "run", "govern", "manage"}
_HOLDER_PREFIXES = ("be ", "become ", "is ", "was ", "named ", "appoint ", "elect ")


@dataclass(frozen=True)
class TemporalRules:
    """The relation vocabulary; ``functional`` adds predicates a subject has one value of at a time."""

    functional: tuple[str, ...] = ()
    families: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        merged = dict(_FAMILY)
        for predicate in self.functional:
            key = normalize_name(predicate)
            merged.setdefault(key, f"custom:{key}")
        object.__setattr__(self, "families", merged)

    def family(self, predicate: str) -> str | None:
        """The exclusive relation family of a predicate, or None when facts of it can coexist."""
        return self.families.get(normalize_name(predicate))

    def end_family(self, predicate: str) -> tuple[bool, str | None]:
        """(is an end event, the family it ends or None for any)."""
        key = normalize_name(predicate)
        if key.startswith(_NO_LONGER):
            return True, self.family(key[len(_NO_LONGER) :])
        if key in _END:
            return True, _END[key]
        return False, None

    def holder_role(self, predicate: str) -> str | None:
        """The role of a one-holder predicate ("be mayor of" -> "mayor of"), else None."""
        key = normalize_name(predicate)
        for prefix in _HOLDER_PREFIXES:
            if key.startswith(prefix):
                rest = key[len(prefix) :]
                for preposition in (" of", " at", " for"):
                    if rest.endswith(preposition) and rest[: -len(preposition)].strip() in _ROLES:
                        return rest
        return key if key in _LEADING else None

    def canonical_predicate(self, predicate: str, object_type: str) -> str:
        """The predicate to store: "move to" an organisation is a job ("work at")."""
        if (
            self.family(predicate) == "residence"
            and normalize_name(predicate).startswith("move")
            and object_type in _ORG_TYPES
        ):
            return EMPLOYER_PREDICATE
        return predicate


DEFAULT_RULES = TemporalRules()


def relation_family(predicate: str) -> str | None:
    """The exclusive relation family of a predicate under the default rules."""
    return DEFAULT_RULES.family(predicate)
