"""The content library: story and quote files, their schema and validation.

Layout of a content folder::

    content/
      stories/*.yaml   one story mapping, or ``stories:`` with a list of them
      quotes.yaml      ``quotes:`` general kindness quotes

Every problem in every file is collected before anything is used, each as
``PATH:LINE: message``. Loading never returns part of a broken library.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.yamlsafe import Document, YamlProblem, read_yaml

__all__ = [
    "LIMITS",
    "ContentError",
    "ContentFile",
    "Library",
    "Problem",
    "Quote",
    "Scan",
    "Source",
    "Story",
    "list_content_files",
    "load_library",
    "parse_content_file",
    "quote_key",
    "read_content_file",
]

# Limits keep every post inside Discord's embed limits (title 256, description
# 4096, field 1024, 6000 in all) with room for the quote and the source, and
# short enough to read on a phone without scrolling forever.
LIMITS = {
    "id": 64,
    "title": 200,
    "story": 1500,
    "where": 100,
    "tag": 32,
    "tags": 10,
    "source.name": 200,
    "source.url": 500,
    "quotes": 5,
    "quote.text": 500,
    "quote.by": 100,
    "quote.role": 100,
    "quote.source": 200,
    "file_bytes": 20 * 1024 * 1024,
}

STORIES_DIR = "stories"
QUOTES_FILE = "quotes.yaml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WHEN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_STORY_KEYS = ("id", "title", "story", "where", "when", "tags", "source", "quotes")
_STORY_REQUIRED = ("id", "title", "story")
_SOURCE_KEYS = ("name", "url")
_STORY_QUOTE_KEYS = ("text", "by", "role")
_GENERAL_QUOTE_KEYS = ("text", "by", "source")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, located by file and line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content folder has problems; nothing from it was used."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.message))
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in content")

    def lines(self) -> list[str]:
        """Every problem as a ``PATH:LINE: message`` line."""
        return [str(p) for p in self.problems]


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote: verbatim ``text`` and who said it (``role`` for story quotes, ``source`` for general ones)."""

    text: str
    by: str
    role: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a story was first reported."""

    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """A story as the content files define it."""

    id: str
    title: str
    story: str
    where: str | None = None
    when: str | None = None
    tags: tuple[str, ...] = ()
    source: Source | None = None
    quotes: tuple[Quote, ...] = ()

    @property
    def when_display(self) -> str | None:
        """``when`` written for people: "2018", "May 2018", "3 May 2018"."""
        return format_when(self.when)


def format_when(when: str | None) -> str | None:
    """Turn YYYY, YYYY-MM or YYYY-MM-DD into "2018", "May 2018" or "3 May 2018"."""
    if not when:
        return None
    match = _WHEN.match(when)
    if not match:
        return when
    year, month, day = match.groups()
    if month is None:
        return year
    name = calendar.month_name[int(month)]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"


def quote_key(quote: Quote) -> str:
    """A stable key for a general quote (quotes have no ids of their own)."""
    digest = hashlib.sha1(f"{quote.text}\x00{quote.by}".encode(), usedforsecurity=False)
    return digest.hexdigest()[:16]


@dataclass
class ContentFile:
    """One parsed content file: what it defines and what is wrong with it."""

    path: str
    sha256: str
    rel: str = ""
    stories: list[tuple[Story, int]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def list_content_files(root: Path) -> list[str]:
    """Content files under ``root`` as sorted POSIX paths relative to it."""
    found: list[str] = []
    stories = root / STORIES_DIR
    if stories.is_dir():
        found.extend(
            f"{STORIES_DIR}/{p.name}"
            for p in stories.iterdir()
            if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
        )
    if (root / QUOTES_FILE).is_file():
        found.append(QUOTES_FILE)
    return sorted(found)


def parse_content_file(data: bytes, rel: str, display: str) -> ContentFile:
    """Parse and validate one content file; ``rel`` says which kind it is."""
    result = ContentFile(path=display, sha256=hashlib.sha256(data).hexdigest(), rel=rel)
    if len(data) > LIMITS["file_bytes"]:
        result.problems.append(
            Problem(display, 1, f"the file is larger than {LIMITS['file_bytes'] // (1024 * 1024)} MB; split it")
        )
        return result
    try:
        doc = read_yaml(data)
    except YamlProblem as exc:
        result.problems.append(Problem(display, exc.line, exc.message))
        return result
    result.problems.extend(Problem(display, p.line, p.message) for p in doc.problems)
    checker = _Checker(doc, display, result.problems)
    if rel == QUOTES_FILE:
        result.quotes = checker.quotes_file()
    else:
        result.stories = checker.stories_file()
    return result


class _Checker:
    """Validates one document against the content schema."""

    def __init__(self, doc: Document, display: str, problems: list[Problem]) -> None:
        self.doc = doc
        self.display = display
        self.problems = problems

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.display, self.doc.line(path), message))

    # -- files ---------------------------------------------------------------

    def stories_file(self) -> list[tuple[Story, int]]:
        value = self.doc.value
        if isinstance(value, dict) and "stories" in value:
            extra = sorted(str(k) for k in value if k != "stories")
            for key in extra:
                self.add((key,), f"unknown key '{key}' (a stories file holds only 'stories:')")
            items = value["stories"]
            if not isinstance(items, list) or not items:
                self.add(("stories",), "stories must be a non-empty list of stories")
                return []
            found = []
            for index, item in enumerate(items):
                story = self.story(item, ("stories", index), f"stories[{index}].")
                if story is not None:
                    found.append((story, self.doc.line(("stories", index))))
            return found
        if isinstance(value, dict):
            story = self.story(value, (), "")
            return [(story, self.doc.line(("id",)))] if story is not None else []
        self.add((), "a stories file holds one story (a mapping with id, title, story) or 'stories:' with a list")
        return []

    def quotes_file(self) -> list[Quote]:
        value = self.doc.value
        if not isinstance(value, dict) or "quotes" not in value:
            self.add((), "quotes.yaml must hold 'quotes:' with a list of quotes")
            return []
        for key in sorted(str(k) for k in value if k != "quotes"):
            self.add((key,), f"unknown key '{key}' (quotes.yaml holds only 'quotes:')")
        items = value["quotes"]
        if not isinstance(items, list) or not items:
            self.add(("quotes",), "quotes must be a non-empty list")
            return []
        quotes: list[Quote] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            path = ("quotes", index)
            quote = self.quote(item, path, f"quotes[{index}].", _GENERAL_QUOTE_KEYS)
            if quote is None:
                continue
            key = quote_key(quote)
            if key in seen:
                self.add(path, f"quotes[{index}] repeats quotes[{seen[key]}]")
                continue
            seen[key] = index
            quotes.append(quote)
        return quotes

    # -- records -------------------------------------------------------------

    def story(self, item: Any, path: tuple[Any, ...], label: str) -> Story | None:
        if not isinstance(item, dict):
            self.add(path, f"{label.rstrip('.') or 'the story'} must be a mapping with id, title and story")
            return None
        before = len(self.problems)
        self.unknown_keys(item, path, label, _STORY_KEYS)
        for key in _STORY_REQUIRED:
            if item.get(key) is None:
                self.add(path, f"{label}{key} is required")
        story_id = self.slug(item, path, label, "id", LIMITS["id"])
        title = self.text(item, path, label, "title", LIMITS["title"])
        body = self.text(item, path, label, "story", LIMITS["story"])
        where = self.text(item, path, label, "where", LIMITS["where"])
        when = self.when(item, path, label)
        tags = self.tags(item, path, label)
        source = self.source(item, path, label)
        quotes = self.story_quotes(item, path, label)
        if len(self.problems) != before or story_id is None or title is None or body is None:
            return None
        return Story(story_id, title, body, where, when, tags, source, quotes)

    def quote(self, item: Any, path: tuple[Any, ...], label: str, keys: tuple[str, ...]) -> Quote | None:
        if not isinstance(item, dict):
            self.add(path, f"{label.rstrip('.')} must be a mapping with text and by")
            return None
        before = len(self.problems)
        self.unknown_keys(item, path, label, keys)
        for key in ("text", "by"):
            if item.get(key) is None:
                self.add(path, f"{label}{key} is required")
        text = self.text(item, path, label, "text", LIMITS["quote.text"])
        by = self.text(item, path, label, "by", LIMITS["quote.by"])
        role = self.text(item, path, label, "role", LIMITS["quote.role"]) if "role" in keys else None
        src = self.text(item, path, label, "source", LIMITS["quote.source"]) if "source" in keys else None
        if len(self.problems) != before or text is None or by is None:
            return None
        return Quote(text=text, by=by, role=role, source=src)

    # -- fields --------------------------------------------------------------

    def unknown_keys(self, item: dict[Any, Any], path: tuple[Any, ...], label: str, known: Iterable[str]) -> None:
        allowed = ", ".join(known)
        for key in item:
            if key not in known:
                self.add((*path, key), f"{label}{key} is not a known key (expected one of: {allowed})")

    def text(self, item: dict[Any, Any], path: tuple[Any, ...], label: str, key: str, limit: int) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        where = (*path, key)
        if not isinstance(value, str):
            self.add(where, f"{label}{key} must be text (put it in quotes), not {_kind(value)}")
            return None
        value = value.strip()
        if not value:
            self.add(where, f"{label}{key} is empty")
            return None
        if len(value) > limit:
            self.add(where, f"{label}{key} is {len(value)} characters; the limit is {limit}")
            return None
        return value

    def slug(self, item: dict[Any, Any], path: tuple[Any, ...], label: str, key: str, limit: int) -> str | None:
        value = self.text(item, path, label, key, limit)
        if value is not None and not _SLUG.match(value):
            self.add((*path, key), f"{label}{key} '{value}' must use lowercase letters, digits and single hyphens")
            return None
        return value

    def when(self, item: dict[Any, Any], path: tuple[Any, ...], label: str) -> str | None:
        value = item.get("when")
        if value is None:
            return None
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        match = _WHEN.match(text) if isinstance(text, str) else None
        if match and _valid_date(*match.groups()):
            return text
        self.add((*path, "when"), f"{label}when must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        return None

    def tags(self, item: dict[Any, Any], path: tuple[Any, ...], label: str) -> tuple[str, ...]:
        value = item.get("tags")
        if value is None:
            return ()
        where = (*path, "tags")
        if not isinstance(value, list):
            self.add(where, f"{label}tags must be a list of tags")
            return ()
        if len(value) > LIMITS["tags"]:
            self.add(where, f"{label}tags has {len(value)} tags; the limit is {LIMITS['tags']}")
        tags: list[str] = []
        for index, tag in enumerate(value):
            if not isinstance(tag, str) or not _SLUG.match(tag) or len(tag) > LIMITS["tag"]:
                self.add(
                    (*where, index),
                    f"{label}tags[{index}] must be a lowercase-hyphenated tag of at most {LIMITS['tag']} characters",
                )
            elif tag not in tags:
                tags.append(tag)
        return tuple(tags)

    def source(self, item: dict[Any, Any], path: tuple[Any, ...], label: str) -> Source | None:
        value = item.get("source")
        if value is None:
            return None
        where = (*path, "source")
        if not isinstance(value, dict):
            self.add(where, f"{label}source must be a mapping with name and optional url")
            return None
        sub = f"{label}source."
        self.unknown_keys(value, where, sub, _SOURCE_KEYS)
        if value.get("name") is None:
            self.add(where, f"{sub}name is required")
        name = self.text(value, where, sub, "name", LIMITS["source.name"])
        url = self.text(value, where, sub, "url", LIMITS["source.url"])
        if url is not None and not _URL.match(url):
            self.add((*where, "url"), f"{sub}url must start with http:// or https://")
            url = None
        return Source(name, url) if name else None

    def story_quotes(self, item: dict[Any, Any], path: tuple[Any, ...], label: str) -> tuple[Quote, ...]:
        value = item.get("quotes")
        if value is None:
            return ()
        where = (*path, "quotes")
        if not isinstance(value, list):
            self.add(where, f"{label}quotes must be a list of quotes")
            return ()
        if len(value) > LIMITS["quotes"]:
            self.add(where, f"{label}quotes has {len(value)} quotes; the limit is {LIMITS['quotes']}")
        quotes = []
        for index, quote in enumerate(value):
            parsed = self.quote(quote, (*where, index), f"{label}quotes[{index}].", _STORY_QUOTE_KEYS)
            if parsed is not None:
                quotes.append(parsed)
        return tuple(quotes)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _valid_date(year: str, month: str | None, day: str | None) -> bool:
    if month is None:
        return True
    if not 1 <= int(month) <= 12:
        return False
    return day is None or 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]


class Scan:
    """Collects files one at a time and checks what spans files (duplicate ids)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.first_seen: dict[str, tuple[str, int]] = {}
        self.story_count = 0

    def add(self, parsed: ContentFile) -> list[Story]:
        """Record ``parsed``; return its stories that are not duplicates."""
        self.problems.extend(parsed.problems)
        fresh: list[Story] = []
        for story, line in parsed.stories:
            first = self.first_seen.get(story.id)
            if first is not None:
                self.problems.append(
                    Problem(parsed.path, line, f"duplicate id '{story.id}' (first defined at {first[0]}:{first[1]})")
                )
                continue
            self.first_seen[story.id] = (parsed.path, line)
            fresh.append(story)
        self.story_count += len(fresh)
        return fresh

    def finish(self, display_root: str) -> None:
        """Raise :class:`ContentError` if anything was wrong or the library is empty."""
        if not self.problems and self.story_count == 0:
            self.problems.append(
                Problem(f"{display_root}/{STORIES_DIR}", 1, "no stories found (add .yaml files to this folder)")
            )
        if self.problems:
            raise ContentError(self.problems)


def display_path(display_root: str, rel: str) -> str:
    """How a file is named in messages: the folder as the user wrote it, plus the file."""
    return f"{display_root.rstrip('/')}/{rel}" if display_root else rel


def read_content_file(root: Path, rel: str, display_root: str) -> ContentFile:
    """Read and parse the file ``rel`` under ``root``; an unreadable file is a problem, not an exception."""
    shown_path = display_path(display_root, rel)
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        failed = ContentFile(path=shown_path, sha256="", rel=rel)
        failed.problems.append(Problem(shown_path, 1, f"cannot read the file: {exc.strerror}"))
        return failed
    return parse_content_file(data, rel, shown_path)


@dataclass
class Library:
    """A whole, valid content library held in memory (for the CLI and tests)."""

    stories: list[Story]
    quotes: list[Quote]


def load_library(root: Path, display_root: str | None = None) -> Library:
    """Load and validate the content folder ``root``; raise :class:`ContentError` on any problem."""
    shown = str(root) if display_root is None else display_root
    if not root.is_dir():
        raise ContentError([Problem(shown, 1, "the content folder does not exist")])
    scan = Scan()
    stories: list[Story] = []
    quotes: list[Quote] = []
    for rel in list_content_files(root):
        parsed = read_content_file(root, rel, shown)
        stories.extend(scan.add(parsed))
        quotes.extend(parsed.quotes)
    scan.finish(shown)
    return Library(stories=stories, quotes=quotes)
