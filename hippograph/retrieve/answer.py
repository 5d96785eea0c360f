"""Answer synthesis with citations: any langchain-core chat model, or an extractive default."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from ..extract.chunking import split_sentences
from .qa_metrics import normalize_answer
from .results import LinkedFact, RetrievalResult, RetrievedUnit

ABSTAIN = "The retrieved passages do not contain the answer."
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_ABSTAIN_MARKERS = ("insufficient information", "not enough information", "cannot be determined",
                    "do not contain", "does not contain", "i don't know", "i do not know", "no answer")

PROMPT = """Answer the question using only the numbered passages below.
Cite every passage you use with its number in square brackets, like [1] or [2][3].
If the passages do not contain the answer, reply exactly: INSUFFICIENT INFORMATION

{passages}

Question: {question}
Answer:"""


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
        return {"question": self.question, "answer": self.answer, "citations": self.citations,
                "abstained": self.abstained, "reader": self.reader,
                "passages": [asdict(p) for p in self.passages], "facts": [asdict(f) for f in self.facts]}


def format_passages(passages: list[RetrievedUnit]) -> str:
    blocks = []
    for n, p in enumerate(passages, 1):
        head = p.title or (f"{p.speaker} at {p.occurred_at}" if p.kind == "episode" else p.id)
        blocks.append(f"[{n}] {head}\n{p.text}")
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


def answer_question(retrieved: RetrievalResult, llm: object | None = None) -> Answer:
    """Answer from the retrieved units: the LLM when given, else the extractive reader."""
    if llm is None:
        return extractive_answer(retrieved)
    passages = retrieved.passages
    base = Answer(retrieved.question, ABSTAIN, [], passages, retrieved.facts, True, "llm")
    if not passages:
        return base
    reply = llm.invoke(PROMPT.format(passages=format_passages(passages), question=retrieved.question))
    text = str(getattr(reply, "content", reply)).strip()
    citations = parse_citations(text, passages)
    lowered = text.lower()
    if not text or any(m in lowered for m in _ABSTAIN_MARKERS) or not citations:
        # An uncited claim cannot be checked against the memory: treat it as no answer.
        return base
    base.answer, base.citations, base.abstained = text, citations, False
    return base


_STOP = set(["a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "is", "are", "was", "were", "be", "been", "who", "what", "when", "where", "which", "how", "why", "whom", "whose", "does", "did", "do", "that", "this", "it", "its", "as", "into", "than", "then", "there", "their", "his", "her", "he", "she", "they", "name", "named"])


def _content_words(text: str) -> set[str]:
    return {w for w in normalize_answer(text).split() if w not in _STOP}


def extractive_answer(retrieved: RetrievalResult, max_sentences: int = 1) -> Answer:
    """The sentence(s) of the top passages that best cover the question, cited.

    A sentence scores the IDF-weighted question words it shares, counting its passage's title
    words as its own (the title is what the passage is about: a cheap stand-in for
    coreference), half that for words of the linked facts, and loses a little per passage
    rank. Abstains when nothing overlaps.
    """
    question_words = _content_words(retrieved.question)
    fact_words = set().union(*(_content_words(f.text) for f in retrieved.facts)) if retrieved.facts else set()
    candidates = []
    for rank, passage in enumerate(retrieved.passages):
        body = passage.text.split("\n", 1)[1] if passage.title and "\n" in passage.text else passage.text
        title_words = _content_words(passage.title)
        for position, sentence in enumerate(split_sentences(" ".join(body.split()))):
            words = _content_words(sentence) | title_words  # every sentence is about its title
            candidates.append((rank, position, sentence, passage.id, words))
    # Rare words (in few candidate sentences) say more about the answer than common ones.
    document_frequency = Counter(w for *_, words in candidates for w in words)
    n = max(1, len(candidates))

    def idf(word: str) -> float:
        return math.log(1 + n / document_frequency[word])

    scored = []
    for rank, position, sentence, pid, words in candidates:
        score = sum(idf(w) for w in words & question_words)
        score += 0.5 * sum(idf(w) for w in words & (fact_words - question_words))
        if score > 0:
            scored.append((score - 0.1 * rank, -rank, -position, sentence, pid))
    answer = Answer(retrieved.question, ABSTAIN, [], retrieved.passages, retrieved.facts, True, "extractive")
    if not scored:
        return answer
    best = sorted(scored, reverse=True)[:max_sentences]
    cited = list(dict.fromkeys(pid for *_, pid in best))
    numbers = {pid: n for n, pid in enumerate((p.id for p in retrieved.passages), 1)}
    answer.answer = " ".join(f"{s} [{numbers[pid]}]" for *_, s, pid in best)
    answer.citations, answer.abstained = cited, False
    return answer
