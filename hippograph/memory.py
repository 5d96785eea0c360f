"""``Memory``: the public SDK facade over a store, the ingest pipeline and the retriever."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .config import Settings
from .embedding import Embedder, load_embedder
from .errors import InputError
from .extract import get_extractor
from .extract.readers import ReadOptions, read_sources, read_text
from .extract.source import Problem, SourceDocument
from .graph.open import open_store
from .graph.store import GraphStore
from .graph.strength import StrengthStore, open_strength
from .graph.synonyms import SynonymFinder
from .ids import check_namespace
from .pipelines import ingest as ingest_pipeline
from .pipelines.ingest import IngestReport, Progress
from .pipelines.lookup import find_documents
from .pipelines.sync import delete_stale, renamed_documents
from .pipelines.temporal import LLMContradictionJudge
from .pipelines.work import Models
from .pipelines.write import WritePolicy
from .records import DocumentInfo, StoreStats
from .retrieve.hippo import HippoRetriever

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .pipelines.forget import ForgetReport
    from .retrieve.answer import Answer
    from .retrieve.index import RetrievalIndex
    from .retrieve.notes import EntityNote, NoteBook
from .records import RetrievalResult


def first_documents(items: Iterable[SourceDocument | Problem], limit: int) -> Iterator[SourceDocument | Problem]:
    """The first ``limit`` documents of each source file (problems always pass through)."""
    seen: dict[str, int] = {}
    for item in items:
        if isinstance(item, SourceDocument):
            origin = item.source.split("#", 1)[0]
            seen[origin] = seen.get(origin, 0) + 1
            if seen[origin] > limit:
                continue
        yield item


class _Models:
    """The embedder and chat model of a memory, loaded on first use and shared by its namespace views."""

    def __init__(self, settings: Settings, embedder: Embedder | None, llm: BaseChatModel | None):
        self.settings = settings
        self._embedder = embedder
        self._llm = llm
        self._lock = threading.Lock()
        self.ingest: dict[str, Models] = {}  # extractor name -> the models ingestion uses

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings.embedder, self.settings.embed_batch_size)
            return self._embedder

    @property
    def llm(self) -> BaseChatModel | None:
        with self._lock:
            if self._llm is None and self.settings.llm:
                from .llm import load_chat_model

                self._llm = load_chat_model(self.settings.llm)
            return self._llm


class Memory:
    """Long-term graph memory. ``Memory(store="sqlite:///mem.db")`` or ``Memory(Settings(...))``.

    A memory reads and writes one namespace (``namespace=``, default ``Settings.namespace``);
    ``in_namespace`` gives another one over the same store and models. Models load lazily on
    first use; the store opens at construction.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: str | GraphStore | None = None,
        embedder: Embedder | None = None,
        llm: BaseChatModel | None = None,
        namespace: str | None = None,
        clock: Callable[[], datetime] | None = None,
        _models: _Models | None = None,
    ):
        self.settings = settings or Settings.from_env()
        self.namespace = check_namespace(namespace or self.settings.namespace)
        if isinstance(store, GraphStore):
            self.store = store if store.namespace == self.namespace else store.in_namespace(self.namespace)
        else:
            self.store = open_store(store or self.settings.store, self.namespace)
        self._models = _models or _Models(self.settings, embedder, llm)
        self._clock = clock  # what "now" is (tests inject one); None = the system clock in UTC

    def in_namespace(self, namespace: str) -> Memory:
        """The same memory (store connection, loaded models) confined to another namespace."""
        return Memory(
            self.settings,
            store=self.store.in_namespace(namespace),
            namespace=namespace,
            clock=self._clock,
            _models=self._models,
        )

    # -- components ------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        return self._models.embedder

    @property
    def llm(self) -> BaseChatModel | None:
        return self._models.llm

    @cached_property
    def recall_strength(self) -> StrengthStore:
        """Recall counts of this namespace's units (a side store: never the store's write lock)."""
        return open_strength(self.store)

    @cached_property
    def retriever(self) -> HippoRetriever:
        from .retrieve.strength import StrengthTerm

        cfg = self.settings.retrieval
        strength = StrengthTerm(self.store, self.recall_strength) if cfg.track_recalls or cfg.strength_weight else None
        return HippoRetriever(self.store, self.embedder, cfg, self.llm, self._clock, strength)

    def now(self) -> datetime:
        """What "now" is for this memory (the injected clock, else the system clock in UTC)."""
        return self._clock() if self._clock else datetime.now(timezone.utc)

    @cached_property
    def synonym_finder(self) -> SynonymFinder:
        """The entity neighbour index the synonym step keeps between ingestions of this memory."""
        return SynonymFinder(self.settings.synonym_threshold)

    def models(self, extractor: str | None = None) -> Models:
        """The embedder and extractor ingestion uses in this process (kept for the next call)."""
        name = extractor or self.settings.extractor
        cache = self._models.ingest
        if name not in cache:
            cache[name] = Models(self.embedder, get_extractor(name, self.llm if name == "llm" else None))
        return cache[name]

    def judge(self) -> LLMContradictionJudge | None:
        """The LLM supersession judge, when configured (``Settings.llm_judge`` and an LLM)."""
        return LLMContradictionJudge(self.llm) if self.settings.llm_judge and self.llm is not None else None

    def read_options(self, date: str | None = None) -> ReadOptions:
        """How documents are dated: the settings' front matter keys and file-time opt-in, and
        ``date`` (an ISO date, checked) for every document read."""
        from .dates import parse_document_date

        checked = parse_document_date(date) if date is not None else None
        return ReadOptions(tuple(self.settings.date_keys), checked, self.settings.file_dates)

    # -- writing ---------------------------------------------------------------------
    def ingest(
        self,
        sources: list[str],
        *,
        format: str = "auto",
        extractor: str | None = None,
        limit: int | None = None,
        progress: Progress | None = None,
        stdin_source: str | None = None,
        exclude: Sequence[str] = (),
        sync: bool = False,
        date: str | None = None,
    ) -> IngestReport:
        """Ingest files, folders or '-' (stdin); idempotent by content hash.

        ``limit`` keeps only the first N documents of each source (e.g. a corpus slice);
        ``stdin_source`` names what stdin holds (else each distinct text gets its own key);
        ``exclude`` globs skip files and folders; ``sync`` deletes documents whose file is gone
        under ``sources`` (which covers the old path of a renamed file); ``date`` dates every
        document read (it wins over front matter; chat turns keep theirs)."""
        if limit is not None and limit < 1:
            raise InputError(f"limit {limit}: give a positive number of documents per source")
        items = read_sources(
            sources,
            format,
            stdin_source=stdin_source,
            exclude=exclude,
            store_path=getattr(self.store, "path", None),
            options=self.read_options(date),
        )
        if limit is not None:
            items = first_documents(items, limit)
        report = self.ingest_documents(items, extractor=extractor, progress=progress)
        renames = renamed_documents(self.store, report.added)
        report.renamed = [(old.source, new.source) for old, new in renames]
        if sync:
            report.deleted = delete_stale(self.store, sources)
            report.deleted += [
                old.id for old, _ in renames if old.id not in report.deleted and self.store.delete_document(old.id)
            ]
        return report

    def find_documents(self, ref: str) -> list[DocumentInfo]:
        """The documents ``ref`` names: a document id, a source key, a file path (every document read
        from it), a passage or episode id, or a unique id prefix. ``InputError`` when a prefix is
        ambiguous; an empty list when nothing matches."""
        return find_documents(self.store, ref)

    def ingest_documents(
        self,
        documents: Iterable[SourceDocument | Problem],
        *,
        extractor: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest already-read documents (``SourceDocument``) from any source."""
        return ingest_pipeline.ingest(
            documents,
            self.store,
            self.settings,
            ingest_pipeline.in_process(self.models(extractor)),
            extractor=extractor,
            judge=self.judge(),
            policy=WritePolicy(),
            progress=progress,
            synonyms=self.synonym_finder,
        )

    def add_text(
        self,
        text: str,
        *,
        source: str,
        title: str = "",
        extractor: str | None = None,
        occurred_at: str | None = None,
        format: str = "auto",
    ) -> IngestReport:
        """Remember one text under a stable ``source`` key (re-adding changed text replaces it).

        ``occurred_at`` (ISO date or datetime) dates the text: its facts are valid from then.
        Markdown (``format="markdown"``, or a ``.md`` source) is read as a markdown file is:
        front matter dates and metadata, headings as section titles, not sentence text."""
        doc = read_text(source, text, format, self.read_options(occurred_at))
        if isinstance(doc, SourceDocument) and (title or doc.format == "text"):
            doc.title = title or source
        return self.ingest_documents([doc], extractor=extractor)

    def delete(self, document_id: str) -> bool:
        """Delete a document and everything only it supports."""
        return self.store.delete_document(document_id)

    def forget(
        self, *, older_than: str | None = None, weaker_than: int | None = None, dry_run: bool = False
    ) -> ForgetReport:
        """Prune documents every unit of which was last active before ``older_than`` (ISO date or
        duration: ``30d``) and recalled fewer than ``weaker_than`` times; ``dry_run`` only lists them."""
        from .pipelines.forget import forget

        return forget(self.store, self.recall_strength, self.now(), older_than, weaker_than, dry_run)

    # -- reading ---------------------------------------------------------------------
    def retrieve(
        self, question: str, *, top_k: int = 5, mode: str = "hippo", as_of: str | None = None, notes: int = 0
    ) -> RetrievalResult:
        """Ranked units with scores and the facts that seeded them (written-back answers are kind
        ``thought``); ``notes``: that many notes of the entities the walk reached most, too."""
        from .retrieve.thoughts import mark_thoughts

        result = self.retriever.retrieve(question, top_k=top_k, mode=mode, as_of=as_of)
        mark_thoughts(result, self.store)
        if notes > 0:
            result.notes = [n.as_dict() for n in self.notes.ranked(self.retriever.indexes.get(), result, notes)]
        return result

    def answer(
        self,
        question: str,
        *,
        top_k: int = 5,
        mode: str = "hippo",
        as_of: str | None = None,
        remember: bool | None = None,
    ) -> Answer:
        """An answer with citations over the retrieved passages (LLM when configured, else extractive).

        A cited thought is replaced by the units it cites. ``remember`` (default
        ``Settings.remember_answers``) writes the answer back as a thought (``Answer.thought_id``)."""
        from .retrieve.answer import answer_question
        from .retrieve.thoughts import ground_citations, mark_thoughts

        retrieved = self.retriever.retrieve(question, top_k=top_k, mode=mode, as_of=as_of)
        sources = mark_thoughts(retrieved, self.store)
        result = ground_citations(answer_question(retrieved, self.llm, self.settings.abstain_below), sources)
        if self.settings.remember_answers if remember is None else remember:
            self.remember_answer(result)
        return result

    def remember_answer(self, answer: Answer) -> str | None:
        """Write ``answer`` back as a thought linked to the units it cites and the entities it names;
        returns the thought's id, or None when there is nothing to stand on (an abstention, no
        citation, or an answer resting on thoughts alone)."""
        from .pipelines.thoughts import write_thought

        if answer.abstained or not answer.citations or answer.from_thoughts_only:
            return None
        answer.thought_id = write_thought(
            self.store, self.embedder, answer.question, answer.answer, answer.citations, answer.facts, self.now()
        )
        return answer.thought_id

    def show(self, document_id: str) -> dict[str, Any] | None:
        """What the store holds for one document: its units and the facts each supports
        (None when the document is absent). Plain data, ready for JSON."""
        from .pipelines.lookup import document_view

        return document_view(self.store, document_id)

    @cached_property
    def notes(self) -> NoteBook:
        """Entity notes of this memory (prose from the LLM when ``Settings.entity_note_prose``)."""
        from .retrieve.notes import NoteBook

        return NoteBook(self.store, self.llm if self.settings.entity_note_prose else None)

    def entity_note(self, ref: str) -> EntityNote | None:
        """The current note of the entity ``ref`` names (id or name); None when there is none."""
        return self.notes.lookup(self._index(), ref)

    def find_notes(self, query: str, limit: int = 10) -> list[EntityNote]:
        """Entity notes whose name, aliases, current facts or prose hold every word of ``query``."""
        return self.notes.find(self._index(), query, limit)

    def _index(self) -> RetrievalIndex:
        """The retriever's index when loaded, else the notes' own (which loads no model)."""
        retriever = self.__dict__.get("retriever")
        return (retriever.indexes if retriever else self.notes.indexes).get()

    def stats(self) -> StoreStats:
        """Counts of this namespace's nodes and relationships."""
        return self.store.stats()

    def namespaces(self) -> list[str]:
        """Every namespace of the store that holds documents."""
        return self.store.namespaces()

    def delete_namespace(self) -> int:
        """Delete every document of this memory's namespace; returns how many."""
        return self.store.delete_namespace()

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def close(self) -> None:
        if "recall_strength" in self.__dict__:
            self.recall_strength.close()  # writes the recalls still buffered
        self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
