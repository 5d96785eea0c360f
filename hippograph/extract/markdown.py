"""Markdown notes read as markdown: safe front matter, sections under their headings, wikilinks.

Front matter (``---`` YAML) becomes document metadata and gives the document its dates; it is
never passage text. Headings become the titles of the sections under them, not sentences.
Code blocks stay in the passage text (they are searchable) but are not mined for triples.
``[[Target]]`` / ``[[Target|shown]]`` wikilinks become plain text plus entity mentions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from ..dates import normalize_date_value

MAX_FRONT_MATTER = 64 * 1024  # characters; a note's metadata is small, a YAML bomb is not
DEFAULT_DATE_KEYS = ("updated", "date", "created")  # document date: the first present wins
_WIKILINK = re.compile(r"\[\[([^\[\]|#]+)(?:#[^\[\]|]*)?(?:\|([^\[\]]+))?\]\]")


class FrontMatterError(ValueError):
    """Front matter that cannot be read safely; the message says why and how to fix it."""


class _NoAliasSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses aliases: ``*ref`` expansion is how "billion laughs" bombs grow."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"YAML aliases are not allowed in front matter (line {event.start_mark.line + 1})")
        return super().compose_node(parent, index)


@lru_cache(maxsize=1)
def _handler():
    import frontmatter

    class SafeYAMLHandler(frontmatter.YAMLHandler):
        def load(self, fm: str, **kwargs) -> object:  # type: ignore[override]
            if len(fm) > MAX_FRONT_MATTER:
                raise FrontMatterError(
                    f"front matter is {len(fm):,} characters, over the "
                    f"{MAX_FRONT_MATTER:,} allowed: move bulk content below the closing ---"
                )
            loaded = yaml.load(fm, Loader=_NoAliasSafeLoader)
            if loaded is not None and not isinstance(loaded, dict):
                raise FrontMatterError(
                    f"front matter must be a YAML mapping of keys, not a {type(loaded).__name__}: "
                    "write key: value lines between the --- markers"
                )
            return loaded or {}

    return SafeYAMLHandler()


def split_front_matter(text: str) -> tuple[dict, str]:
    """(metadata, body) of a note; a note without front matter has empty metadata.

    Raises ``FrontMatterError`` for front matter that is too large, uses aliases, is not valid
    YAML, or is not a mapping.
    """
    import frontmatter

    if not text.startswith("---"):
        return {}, text
    try:
        post = frontmatter.loads(text, handler=_handler())
    except FrontMatterError:
        raise
    except yaml.YAMLError as exc:
        raise FrontMatterError(
            f"front matter is not valid YAML ({str(exc).splitlines()[0]}): fix it or remove the --- block"
        ) from None
    except ValueError as exc:  # python-frontmatter: a block that parses to a non-mapping
        raise FrontMatterError(f"front matter must be a YAML mapping of keys: {exc}") from None
    return dict(post.metadata), post.content


def _json_safe(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return normalize_date_value(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def document_dates(metadata: dict, date_keys: tuple[str, ...] = DEFAULT_DATE_KEYS) -> dict:
    """The dates front matter gives: ``date`` (the document's: first of ``date_keys`` present),
    ``created`` (``date``/``created``: when it was first written) and ``updated``."""
    lowered = {str(k).lower(): v for k, v in metadata.items()}
    out: dict = {}
    for key in date_keys:
        when = normalize_date_value(lowered.get(key.lower()))
        if when:
            out["date"] = when
            break
    created = normalize_date_value(lowered.get("date")) or normalize_date_value(lowered.get("created"))
    updated = normalize_date_value(lowered.get("updated"))
    if created:
        out["created"] = created
    if updated:
        out["updated"] = updated
    return out


@dataclass
class Section:
    """The blocks under one heading: ``text`` is what a passage shows (code included),
    ``prose`` what extraction reads (code left out), ``links`` its wikilink targets."""

    title: str
    text: str
    prose: str
    links: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)


def _inline_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _unlink(text: str, links: list[str]) -> str:
    def replace(m: re.Match) -> str:
        links.append(m.group(1).strip())
        return (m.group(2) or m.group(1)).strip()

    return _WIKILINK.sub(replace, text)


def markdown_sections(body: str, document_title: str) -> list[Section]:
    """Sections of a markdown body, each titled by its heading path ("Priya Shah / Notes")."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    blocks: list[tuple[str, bool]] = []  # (text, is code)
    links: list[str] = []

    def flush() -> None:
        if blocks:
            title = " / ".join(t for _, t in path) or document_title
            sections.append(
                Section(
                    title,
                    "\n\n".join(b for b, _ in blocks),
                    "\n\n".join(b for b, code in blocks if not code),
                    list(dict.fromkeys(links)),
                    [b for b, code in blocks if code],
                )
            )
        blocks.clear()
        links.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            flush()
            level = int(token.tag[1:])
            heading = _unlink(_inline_text(tokens[i + 1]), []).strip()
            path[:] = [(lv, t) for lv, t in path if lv < level] + [(level, heading)]
            i += 3
            continue
        if (
            token.type == "inline"
            and token.level >= 0
            and tokens[i - 1].type in ("paragraph_open", "td_open", "th_open")
        ):
            text = _unlink(_inline_text(token), links).strip()
            if text:
                blocks.append((text, False))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append((token.content.rstrip(), True))
        i += 1
    flush()
    return sections


def markdown_title(metadata: dict, sections: list[Section], fallback: str) -> str:
    """Front matter ``title``, else the first top-level heading, else ``fallback``."""
    title = metadata.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for section in sections:
        first = section.title.split(" / ", 1)[0]
        if first and first != fallback:
            return first
    return fallback


def front_matter_metadata(metadata: dict, date_keys: tuple[str, ...]) -> dict:
    """Document metadata from front matter: its dates, plus the front matter itself (JSON-safe)."""
    out = document_dates(metadata, date_keys)
    if metadata:
        out["front_matter"] = _json_safe(metadata)
    return out
