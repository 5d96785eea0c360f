"""Answer synthesis with citations: any langchain-core chat model, or an extractive default."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from ..extract.chunking import split_sentences
from .qa_metrics import normalize_answer
from .results import LinkedFact, RetrievalResult, RetrievedUnit
from .temporal import BEFORE_PHRASE

ABSTAIN = "Not in memory: the retrieved passages do not contain the answer."
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_ABSTAIN_MARKERS = (
    "insufficient information",
    "not enough information",
    "cannot be determined",
    "do not contain",
    "does not contain",
    "i don't know",
    "i do not know",
    "no answer",
)

PROMPT = """Answer the question using only the numbered passages below.
Cite every passage you use with its number in square brackets, like [1] or [2][3].
If the passages do not contain the answer, reply exactly: INSUFFICIENT INFORMATION
The question is asked as of {reference_date}. Passages carry their dates; where they disagree, the
latest passage dated on or before that date is the one that holds.
{facts}
{passages}

Question: {question}
Answer:"""


def format_facts(facts: list[LinkedFact], reference_date: str | None) -> str:
    """The linked facts valid at the reference date, each with the date it holds from."""
    if not facts:
        return ""
    lines = [f"- {f.text}" + (f" (since {f.valid_from})" if f.valid_from else "") for f in facts]
    return f"Facts valid on {reference_date or 'today'}:\n" + "\n".join(lines) + "\n"


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[str]  # ids of the cited passages/episodes, in citation order
    passages: list[RetrievedUnit] = field(default_factory=list)
    facts: list[LinkedFact] = field(default_factory=list)
    abstained: bool = False
    reader: str = "extractive"

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": self.citations,
            "abstained": self.abstained,
            "reader": self.reader,
            "passages": [asdict(p) for p in self.passages],
            "facts": [asdict(f) for f in self.facts],
        }


def format_passages(passages: list[RetrievedUnit]) -> str:
    blocks = []
    for n, p in enumerate(passages, 1):
        head = p.title or (p.speaker if p.kind == "episode" else p.id)
        when = f" ({p.occurred_at})" if p.occurred_at else ""
        blocks.append(f"[{n}] {head}{when}\n{p.text}")
    return "\n\n".join(blocks)


def parse_citations(text: str, passages: list[RetrievedUnit]) -> list[str]:
    """Passage ids cited as [n] or [n, m] in ``text``; numbers outside the list are ignored."""
    cited: list[str] = []
    for group in _CITATION.findall(text):
        for number in group.split(","):
            n = int(number)
            if 1 <= n <= len(passages) and passages[n - 1].id not in cited:
                cited.append(passages[n - 1].id)
    return cited


def reader_prompt(retrieved: RetrievalResult) -> str:
    """What the LLM reader is given: the reference date, the facts valid then (with the date
    each holds from) and the numbered units with their dates."""
    return PROMPT.format(
        passages=format_passages(retrieved.passages),
        question=retrieved.question,
        reference_date=retrieved.reference_date or "today",
        facts=format_facts(retrieved.facts, retrieved.reference_date),
    )


def answer_question(retrieved: RetrievalResult, llm: object | None = None) -> Answer:
    """Answer from the retrieved units: the LLM when given, else the extractive reader."""
    if llm is None:
        return extractive_answer(retrieved)
    passages = retrieved.passages
    base = Answer(retrieved.question, ABSTAIN, [], passages, retrieved.facts, True, "llm")
    if not passages:
        return base
    reply = llm.invoke(reader_prompt(retrieved))  # type: ignore[attr-defined]
    text = str(getattr(reply, "content", reply)).strip()
    citations = parse_citations(text, passages)
    lowered = text.lower()
    if not text or any(m in lowered for m in _ABSTAIN_MARKERS) or not citations:
        # An uncited claim cannot be checked against the memory: treat it as no answer.
        return base
    base.answer, base.citations, base.abstained = text, citations, False
    return base


_STOP = {
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "by",
    "currently",
    "did",
    "do",
    "does",
    "ever",
    "for",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "his",
    "how",
    "in",
    "into",
    "is",
    "it",
    "its",
    "many",
    "much",
    "name",
    "named",
    "now",
    "of",
    "on",
    "or",
    "she",
    "still",
    "than",
    "that",
    "the",
    "their",
    "then",
    "there",
    "they",
    "this",
    "to",
    "today",
    "was",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "with",
}
# Words a question uses for time or for asking, which no evidence sentence needs to repeat.
_QUESTION_ONLY = {
    "after",
    "ago",
    "anymore",
    "before",
    "current",
    "currently",
    "date",
    "days",
    "first",
    "last",
    "latest",
    "moment",
    "month",
    "now",
    "nowadays",
    "present",
    "recently",
    "still",
    "these",
    "time",
    "today",
    "year",
}


def _content_words(text: str) -> set[str]:
    return {w for w in normalize_answer(text).split() if w not in _STOP}


def _stem(word: str) -> str:
    """A crude English stem, enough to match "works"/"worked"/"working" with "work"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def unanswered_words(retrieved: RetrievalResult) -> tuple[list[str], list[str]]:
    """Question words no retrieved unit, title or linked fact contains: (names, other words).

    A name (a capitalized word not opening the question) missing from all the evidence means the
    memory holds nothing about it; so do two or more missing content words.
    """
    evidence = " ".join(
        [*(f"{p.title} {p.speaker} {p.text}" for p in retrieved.passages), *(f.text for f in retrieved.facts)]
    )
    known = {_stem(w) for w in normalize_answer(evidence).split()}
    # "before X" names what the answer came before: X need not be in evidence dated before it.
    question = BEFORE_PHRASE.sub(" ", retrieved.question) if retrieved.as_of else retrieved.question
    tokens = re.findall(r"[\w$'-]+", question)
    names, words = [], []  # type: ignore[var-annotated]
    for n, token in enumerate(tokens):
        for word in normalize_answer(token).split():
            if word in _STOP or word in _QUESTION_ONLY or word.isdigit() or _stem(word) in known:
                continue
            (names if n > 0 and token[:1].isupper() else words).append(word)
    return names, words


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _content_words(text)}


def _answer_terms(retrieved: RetrievalResult, question_words: set[str]) -> set[str]:
    """Stems of the value the best linked fact gives: the side of it the question does not name."""
    for fact in retrieved.facts:
        sides = [_stems(fact.subject.rpartition(":")[2]), _stems(fact.object.rpartition(":")[2])]
        named = [bool(side & question_words) for side in sides]
        if named[0] != named[1]:
            return sides[1] if named[0] else sides[0]
    return set()


def _body(passage: RetrievedUnit) -> str:
    """A unit's text without a leading copy of its title (corpus passages start with it)."""
    if passage.title and passage.text.startswith(passage.title + "\n"):
        return passage.text[len(passage.title) + 1 :]
    return passage.text


def extractive_answer(retrieved: RetrievalResult, max_sentences: int = 1) -> Answer:
    """The sentence(s) of the top passages that best cover the question, cited.

    A sentence scores the IDF-weighted question words it shares, counting its passage's title
    words as its own (the title is what the passage is about: a cheap stand-in for
    coreference), half that for words of the linked facts, and loses a little per passage
    rank; a sentence naming the value of the best linked (time-valid) fact gains as much as
    its best word. Abstains when nothing overlaps, or when the question names something (or
    asks about two or more things) the evidence never mentions.
    """
    answer = Answer(retrieved.question, ABSTAIN, [], retrieved.passages, retrieved.facts, True, "extractive")
    names, words = unanswered_words(retrieved)
    if names or len(words) >= 2:
        return answer
    question_words = _stems(retrieved.question)
    fact_words = set().union(*(_stems(f.text) for f in retrieved.facts)) if retrieved.facts else set()
    value = _answer_terms(retrieved, question_words)
    candidates = []
    for rank, passage in enumerate(retrieved.passages):
        title_words = _stems(f"{passage.title} {passage.speaker}")
        for position, sentence in enumerate(split_sentences(" ".join(_body(passage).split()))):
            words = _stems(sentence) | title_words  # type: ignore[assignment]  # every sentence is about its title (or speaker)
            candidates.append((rank, position, sentence, passage.id, words))
    # Rare words (in few candidate sentences) say more about the answer than common ones.
    document_frequency = Counter(w for *_, words in candidates for w in words)
    n = max(1, len(candidates))

    def idf(word: str) -> float:
        return math.log(1 + n / document_frequency[word])

    scored = []
    for rank, position, sentence, pid, words in candidates:
        shared = words & question_words  # type: ignore[operator]
        score = sum(idf(w) for w in shared)
        score += 0.5 * sum(idf(w) for w in words & (fact_words - question_words))  # type: ignore[misc,operator]
        if shared and value and value <= _stems(sentence):
            # It names the value the best time-valid fact gives: that is the answer sentence.
            score += sum(idf(w) for w in question_words if document_frequency[w])
        if score > 0:
            scored.append((score - 0.1 * rank, -rank, -position, sentence, pid))
    if not scored:
        return answer
    best = sorted(scored, reverse=True)[:max_sentences]
    cited = list(dict.fromkeys(pid for *_, pid in best))
    numbers = {pid: n for n, pid in enumerate((p.id for p in retrieved.passages), 1)}
    answer.answer = " ".join(f"{s} [{numbers[pid]}]" for *_, s, pid in best)
    answer.citations, answer.abstained = cited, False
    return answer
