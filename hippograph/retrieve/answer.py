"""Answer synthesis with citations: any langchain-core chat model, or an extractive default."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from ..extract.chunking import split_sentences
from .abstain import CALIBRATED, AbstentionModel, evidence_of, stems
from .results import LinkedFact, RetrievalResult, RetrievedUnit

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

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
    via_thoughts: list[str] = field(default_factory=list)  # cited thoughts, replaced by their sources
    from_thoughts_only: bool = False  # every citation was a thought (never written back)
    thought_id: str | None = None  # the thought this answer was written back as (remember=True)

    def as_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": self.citations,
            "abstained": self.abstained,
            "reader": self.reader,
            "via_thoughts": self.via_thoughts,
            "thought_id": self.thought_id,
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


def answer_question(
    retrieved: RetrievalResult, llm: BaseChatModel | None = None, abstain_below: float | None = None
) -> Answer:
    """Answer from the retrieved units: the LLM when given, else the extractive reader (which
    abstains when its evidence support is below ``abstain_below``; None: the calibrated threshold)."""
    if llm is None:
        return extractive_answer(retrieved, abstain_below=abstain_below)
    passages = retrieved.passages
    base = Answer(retrieved.question, ABSTAIN, [], passages, retrieved.facts, True, "llm")
    if not passages:
        return base
    reply = llm.invoke(reader_prompt(retrieved))
    text = str(getattr(reply, "content", reply)).strip()
    citations = parse_citations(text, passages)
    lowered = text.lower()
    if not text or any(m in lowered for m in _ABSTAIN_MARKERS) or not citations:
        # An uncited claim cannot be checked against the memory: treat it as no answer.
        return base
    base.answer, base.citations, base.abstained = text, citations, False
    return base


def _answer_terms(retrieved: RetrievalResult, question_words: set[str]) -> set[str]:
    """Stems of the value the best linked fact gives: the side of it the question does not name."""
    for fact in retrieved.facts:
        sides = [stems(fact.subject.rpartition(":")[2]), stems(fact.object.rpartition(":")[2])]
        named = [bool(side & question_words) for side in sides]
        if named[0] != named[1]:
            return sides[1] if named[0] else sides[0]
    return set()


def _body(passage: RetrievedUnit) -> str:
    """A unit's text without a leading copy of its title (corpus passages start with it)."""
    if passage.title and passage.text.startswith(passage.title + "\n"):
        return passage.text[len(passage.title) + 1 :]
    return passage.text


def extractive_answer(
    retrieved: RetrievalResult,
    max_sentences: int = 1,
    model: AbstentionModel = CALIBRATED,
    abstain_below: float | None = None,
) -> Answer:
    """The sentence(s) of the top passages that best cover the question, cited.

    A sentence scores the IDF-weighted question words it shares, counting its passage's title
    words as its own (the title is what the passage is about: a cheap stand-in for
    coreference), half that for words of the linked facts, and loses a little per passage
    rank; a sentence naming the value of the best linked (time-valid) fact gains as much as
    its best word. Abstains when nothing overlaps, when the question names something the
    evidence never mentions, or when ``model`` finds too little support (``abstain_below``,
    None: the model's calibrated threshold; see ``retrieve/abstain.py``).
    """
    answer = Answer(retrieved.question, ABSTAIN, [], retrieved.passages, retrieved.facts, True, "extractive")
    if not retrieved.passages or model.abstains(evidence_of(retrieved), abstain_below):
        return answer
    question_words = stems(retrieved.question)
    fact_words = set().union(*(stems(f.text) for f in retrieved.facts)) if retrieved.facts else set()
    value = _answer_terms(retrieved, question_words)
    candidates = []
    for rank, passage in enumerate(retrieved.passages):
        title_words = stems(f"{passage.title} {passage.speaker}")
        for position, sentence in enumerate(split_sentences(" ".join(_body(passage).split()))):
            words = stems(sentence) | title_words  # every sentence is about its title (or speaker)
            candidates.append((rank, position, sentence, passage.id, words))
    # Rare words (in few candidate sentences) say more about the answer than common ones.
    document_frequency = Counter(w for *_, words in candidates for w in words)
    n = max(1, len(candidates))

    def idf(word: str) -> float:
        return math.log(1 + n / document_frequency[word])

    scored = []
    for rank, position, sentence, pid, words in candidates:
        shared = words & question_words
        score = sum(idf(w) for w in shared)
        score += 0.5 * sum(idf(w) for w in words & (fact_words - question_words))
        if shared and value and value <= stems(sentence):
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
