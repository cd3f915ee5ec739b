"""The story store: SQLite through aiosqlite.

One database file holds the library (stories, quotes), the kindness-of-the-day
history and, for the bot, its schedules. Two connections: a writer, used
under a lock so transactions never interleave, and a read-only reader, which
in WAL mode keeps serving the last committed library while an import runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
import random
import re
import sqlite3
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot import selection
from bot.content import (
    ContentError,
    Problem,
    Quote,
    Scan,
    Source,
    Story,
    list_content_files,
    quote_key,
    read_content_file,
)

__all__ = [
    "DailyPick",
    "ImportReport",
    "SearchHit",
    "Store",
    "StoreError",
    "make_snippet",
    "phrases",
    "scope_for",
    "search_plan",
    "search_words",
]

log = logging.getLogger(__name__)

# Bump when validation rules change, so content imported under old rules is re-checked.
CONTENT_RULES_VERSION = "1"
SEARCH_MAX_RESULTS = 25
SEARCH_MAX_TERMS = 16
RANK_ALL_UP_TO = 1000
COMMON_ABOVE = 200
COMMON_WINDOW = 50
KNOWN_WORDS_LIMIT = 10_000
READER_CACHE_KIB = 16 * 1024
_WORD = re.compile(r"[^\W_]+")
_STORY_COLUMNS = "id, title, story, place, occurred, tags, source_name, source_url, quotes"


class StoreError(Exception):
    """The database cannot be used (unreadable, too new, failed migration)."""


@dataclass
class ImportReport:
    """What an import changed. ``skipped`` means the content was already up to date."""

    skipped: bool
    version: str
    stories: int
    quotes: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    quotes_added: int = 0
    quotes_removed: int = 0

    @property
    def summary(self) -> str:
        """One line for people: what changed and how big the library is."""
        if self.skipped:
            return f"content unchanged: {self.stories} stories, {self.quotes} quotes (version {self.version})"
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed; "
            f"{self.stories} stories, {self.quotes} quotes (version {self.version})"
        )


@dataclass(frozen=True)
class SearchHit:
    """One search result (extracts come from :meth:`Store.snippets`, for the results someone looks at)."""

    id: str
    title: str


@dataclass(frozen=True)
class DailyPick:
    """The kindness of the day for a scope and date."""

    scope: str
    day: date
    story: Story
    quote: Quote | None


def scope_for(guild_id: int | None) -> str:
    """The kindness-of-the-day scope of a server; direct messages share one, "global"."""
    return f"guild:{guild_id}" if guild_id else "global"


def search_words(text: str) -> list[str]:
    """The words of a search box: letters and digits only, lowercased, at most SEARCH_MAX_TERMS, no repeats."""
    return list(dict.fromkeys(_WORD.findall(text[:200].casefold())))[:SEARCH_MAX_TERMS]


def phrases(words: Sequence[str], *, every: bool = True, column: str | None = None, prefix_last: bool = False) -> str:
    """An FTS5 query of quoted words: all of them (``every``) or any; optionally within one column.

    Words come from :func:`search_words` (letters and digits only), so quotes,
    operators (AND, OR, NOT, NEAR), column filters and stray parentheses a
    user typed are just words or nothing. ``prefix_last`` lets the last word
    match as a prefix, for search as you type.
    """
    terms = [f'"{w}"' for w in words]
    if prefix_last and terms:
        terms[-1] += "*"
    body = (" " if every else " OR ").join(terms)
    return f"{column} : ({body})" if column else body


SearchStep = tuple[str, Any]
SearchPlan = Generator[SearchStep, Iterable[Any], list[Any]]


def search_plan(text: str, limit: int, library_size: int, known: dict[str, bool] | None = None) -> SearchPlan:
    """The SQL steps of a search: yields ``(sql, params)``, receives the rows, returns ``(id, title)`` rows.

    Every word must match; if that finds nothing, any word may. Results are
    ranked by BM25 (titles weigh most) over the query's rarer words. FTS5's
    BM25 reads the whole index entry of every word it weighs, which for a word
    found in most of a huge library costs milliseconds; so a word found in more
    than ``COMMON_ABOVE`` stories only filters. A query made only of such
    common words lists title matches first, then the rest, newest first, among
    the newest ``COMMON_WINDOW`` matches. ``known`` remembers which words are
    common, so a word is counted once per content version. The store runs these
    steps through aiosqlite; the benchmark runs the very same steps through
    plain sqlite3.
    """
    words = search_words(text)
    if not words:
        return []
    limit = max(1, min(limit, SEARCH_MAX_RESULTS))
    known = {} if known is None else known
    if library_size <= COMMON_ABOVE:  # no word can be in more stories than there are
        known.update(dict.fromkeys(words, False))
    rows: list[Any] = []
    for every in (True, False) if len(words) > 1 else (True,):
        unknown = [w for w in words if w not in known]
        if unknown:
            # One trip: count the unknown words and, in case they are all common,
            # already fetch the (always cheap) common-word ordering.
            got = list((yield _common_step(words, every=every, count=unknown, limit=limit)))
            if len(known) > KNOWN_WORDS_LIMIT:
                known.clear()
            counts = json.loads(got[0][2])
            known.update({w: n > COMMON_ABOVE for w, n in zip(unknown, counts, strict=True)})
            if all(known[w] for w in words):
                rows = [r[:2] for r in got if r[0] is not None]
                if rows:
                    break
                continue
        common = {w for w in words if known[w]}
        rows = [r[:2] for r in (yield _find_step(words, common, limit, every=every)) if r[0] is not None]
        if rows:
            break
        if not every and common and len(common) < len(words):
            # None of the rarer words is anywhere: any of the common ones will do.
            step = _common_step([w for w in words if w in common], every=False, count=[], limit=limit)
            rows = [r[:2] for r in (yield step) if r[0] is not None]
    return rows


def _find_step(words: list[str], common: set[str], limit: int, *, every: bool) -> SearchStep:
    rare = [w for w in words if w not in common]
    if rare:
        params = {"rank": phrases(rare, every=every), "all": phrases(words), "limit": limit, "cap": RANK_ALL_UP_TO}
        return (_RANKED_FILTERED_SQL if every and common else _RANKED_SQL), params
    return _common_step(words, every=every, count=[], limit=limit)


def _common_step(words: list[str], *, every: bool, count: list[str], limit: int = SEARCH_MAX_RESULTS) -> SearchStep:
    """The common-word ordering; each row also carries how many stories each word of ``count`` is in."""
    params: dict[str, Any] = {
        "q": phrases(words, every=every),
        "title": phrases(words, every=every, column="title"),
        "window": COMMON_WINDOW,
        "limit": limit,
    }
    counted = []
    for index, word in enumerate(count):
        params[f"w{index}"] = phrases([word])
        counted.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM stories_fts WHERE stories_fts MATCH :w{index} "
            f"LIMIT {COMMON_ABOVE + 1}))"
        )
    counts = f"(SELECT json_array({', '.join(counted)}))" if counted else "NULL"
    return _COMMON_SQL.format(counts=counts), params


def make_snippet(text: str, words: Sequence[str], width: int = 160) -> str:
    """About ``width`` characters of ``text`` around the first of ``words`` (stems match too)."""
    positions = []
    lowered = text.casefold()
    for word in words:
        stem = re.escape(word[: max(3, len(word) - 2)])
        found = re.search(rf"(?<!\w){stem}", lowered)
        if found:
            positions.append(found.start())
    start = max(0, min(positions, default=0) - width // 4)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def _story_row(story: Story, now: str) -> list[Any]:
    """The ``stories`` row for ``story``; its ``digest`` (index 11) tells changed stories from unchanged."""
    quotes = json.dumps([{"text": q.text, "by": q.by, "role": q.role} for q in story.quotes], ensure_ascii=False)
    values = [
        story.id,
        story.title,
        story.story,
        story.where,
        story.when,
        " ".join(story.tags),
        story.source.name if story.source else None,
        story.source.url if story.source else None,
        quotes,
    ]
    # Validation never lets an optional field be empty text, so None and "" cannot collide.
    digest = hashlib.sha1("\x1f".join(v or "" for v in values).encode(), usedforsecurity=False).hexdigest()
    quotes_text = " ".join(f"{q.text} {q.by} {q.role or ''}" for q in story.quotes)
    return [*values, story.title.casefold(), quotes_text, digest, now, now]


def _row_to_story(row: Sequence[Any]) -> Story:
    (story_id, title, body, place, occurred, tags, source_name, source_url, quotes) = row
    return Story(
        id=story_id,
        title=title,
        story=body,
        where=place,
        when=occurred,
        tags=tuple(tags.split()) if tags else (),
        source=Source(source_name, source_url) if source_name else None,
        quotes=tuple(Quote(q["text"], q["by"], q.get("role")) for q in json.loads(quotes)),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _hash_files(root: Path) -> dict[str, str]:
    manifest = {}
    for rel in list_content_files(root):
        try:
            manifest[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        except OSError:
            manifest[rel] = ""  # unreadable: never equal to a recorded hash, so it gets reported
    return manifest


def _manifest_version(manifest: dict[str, str]) -> str:
    text = "\n".join(f"{path}:{sha}" for path, sha in sorted(manifest.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


async def _write_stories(db: aiosqlite.Connection, rows: list[list[Any]], changed: list[str], *, index: bool) -> None:
    """Upsert ``rows`` (and index them, with ``index``); ``changed`` ids lose their old index entries first."""
    if not rows:
        return
    await db.executemany(_FTS_DELETE, [(story_id,) for story_id in changed])
    await db.executemany(_UPSERT_STORY, rows)
    if index:
        await db.executemany(_FTS_INSERT, [(row[0],) for row in rows])


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """The bot's database. Create with :meth:`open`, release with :meth:`close`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._write = writer
        self._read = reader
        self._write_lock = asyncio.Lock()
        self._active_ids: list[str] = []
        self._quote_keys: list[str] = []
        self._common_words: dict[str, bool] = {}  # word -> in more than COMMON_ABOVE stories

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        reader = None
        try:
            await writer.execute("PRAGMA busy_timeout = 5000")
            mode = await _scalar(writer, "PRAGMA journal_mode = WAL")
            if mode != "wal":
                log.warning("SQLite would not use WAL for %s (journal mode %s)", path, mode)
            await writer.execute("PRAGMA synchronous = NORMAL")
            await writer.execute("PRAGMA foreign_keys = ON")
            await _migrate(writer, path)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await reader.execute("PRAGMA busy_timeout = 5000")
            await reader.execute("PRAGMA query_only = 1")
            # Searches touch index pages all over a large library: a 16 MB page
            # cache (SQLite's default is 2 MB) keeps p99 latency flat at 100k stories.
            await reader.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
        except BaseException:
            await writer.close()
            if reader is not None:
                await reader.close()
            raise
        store = cls(path, writer, reader)
        await store._refresh_caches()
        return store

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        for conn in (self._read, self._write):
            with contextlib.suppress(ValueError):  # already closed
                await conn.close()

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read-only connection."""
        return self._read

    def transaction(self) -> _Transaction:
        """``async with store.transaction() as db:`` runs one write transaction under the write lock."""
        return _Transaction(self)

    async def _refresh_caches(self) -> None:
        self._common_words.clear()
        rows = await self._read.execute_fetchall("SELECT id FROM stories WHERE active = 1 ORDER BY id")
        self._active_ids = [r[0] for r in rows]
        rows = await self._read.execute_fetchall("SELECT key FROM quotes WHERE active = 1 ORDER BY key")
        self._quote_keys = [r[0] for r in rows]

    # -- importing ---------------------------------------------------------

    async def import_content(self, root: Path, display_root: str | None = None, *, force: bool = False) -> ImportReport:
        """Import the content folder ``root`` in one transaction: all of it or none.

        Unchanged content (same files, same bytes) is skipped without parsing.
        Raises :class:`ContentError` listing every problem; the stored content
        then stays exactly as it was.
        """
        shown = str(root) if display_root is None else display_root
        if not await asyncio.to_thread(root.is_dir):
            raise ContentError([Problem(shown, 1, "the content folder does not exist")])
        manifest = await asyncio.to_thread(_hash_files, root)
        async with self._write_lock:
            known = dict(await self._write.execute_fetchall("SELECT path, sha256 FROM content_files"))
            rules = await _scalar(self._write, "SELECT value FROM meta WHERE key = 'content_rules'")
            if not force and manifest and manifest == known and rules == CONTENT_RULES_VERSION:
                return ImportReport(
                    skipped=True,
                    version=_manifest_version(manifest),
                    stories=len(self._active_ids),
                    quotes=len(self._quote_keys),
                )
            # Parsing makes millions of short-lived objects; the cyclic collector
            # would walk every long-lived one again and again (a third of the
            # time at 100k stories). Nothing parsed here forms cycles.
            collecting = gc.isenabled()
            gc.disable()
            try:
                report = await self._import_locked(root, shown)
            finally:
                if collecting:
                    gc.enable()
        await self._refresh_caches()
        log.info("Imported content from %s: %s", shown, report.summary)
        return report

    async def _import_locked(self, root: Path, shown: str) -> ImportReport:
        db = self._write
        existing = {
            row[0]: (row[1], bool(row[2]))
            for row in await db.execute_fetchall("SELECT id, digest, active FROM stories")
        }
        old_quotes = {r[0] for r in await db.execute_fetchall("SELECT key FROM quotes WHERE active = 1")}
        # A new library is indexed in one pass at the end, several times faster
        # than indexing it file by file.
        bulk = not existing
        now = _now()
        scan = Scan()
        added: list[str] = []
        changed: list[str] = []
        quotes: list[Quote] = []
        hashes: dict[str, str] = {}
        files = await asyncio.to_thread(list_content_files, root)
        await db.execute("BEGIN IMMEDIATE")
        try:
            for rel in files:
                # Parsing and writing take turns; overlapping them was measured to gain
                # nothing (parsing dominates and the index is built at the end).
                parsed = await asyncio.to_thread(read_content_file, root, rel, shown)
                hashes[parsed.rel] = parsed.sha256
                stories = scan.add(parsed)
                quotes.extend(parsed.quotes)
                if scan.problems:
                    continue  # keep reading to report every problem, but write nothing more
                rows, reindex = [], []
                for story in stories:
                    row = _story_row(story, now)
                    previous = existing.get(story.id)
                    if previous is None or not previous[1]:
                        added.append(story.id)
                    elif previous[0] != row[_DIGEST]:
                        changed.append(story.id)
                        reindex.append(story.id)
                    else:
                        continue
                    rows.append(row)
                await _write_stories(db, rows, reindex, index=not bulk)
            scan.finish(shown)
            removed = sorted(sid for sid, (_d, active) in existing.items() if active and sid not in scan.first_seen)
            await db.executemany(_FTS_DELETE, [(sid,) for sid in removed])
            if bulk:
                await db.execute("INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')")
            await db.executemany(
                "UPDATE stories SET active = 0, updated_at = ? WHERE id = ?", [(now, sid) for sid in removed]
            )
            new_quotes = await _store_quotes(db, quotes)
            await db.execute("DELETE FROM content_files")
            await db.executemany("INSERT INTO content_files(path, sha256) VALUES (?, ?)", list(hashes.items()))
            version = _manifest_version(hashes)
            await _set_meta(
                db, {"content_version": version, "content_imported_at": now, "content_rules": CONTENT_RULES_VERSION}
            )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        return ImportReport(
            skipped=False,
            version=version,
            stories=scan.story_count,
            quotes=len(quotes),
            added=sorted(added),
            changed=sorted(changed),
            removed=removed,
            quotes_added=len(new_quotes - old_quotes),
            quotes_removed=len(old_quotes - new_quotes),
        )

    # -- queries -----------------------------------------------------------

    async def story(self, story_id: str, *, include_removed: bool = False) -> Story | None:
        """The story with ``story_id``; removed stories only with ``include_removed``."""
        sql = f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ?"
        if not include_removed:
            sql += " AND active = 1"
        rows = await self._read.execute_fetchall(sql, (story_id,))
        return _row_to_story(rows[0]) if rows else None

    async def random_story(self, rng: Any = None) -> Story | None:
        """Any one active story, uniformly at random."""
        ids = self._active_ids
        if not ids:
            return None
        pick = (rng or _RANDOM).randrange(len(ids))
        return await self.story(ids[pick]) or await self.story(ids[0])

    async def search(self, text: str, *, limit: int = SEARCH_MAX_RESULTS) -> list[SearchHit]:
        """Stories matching ``text``, best first. Safe for any input; no words gives no results.

        See :func:`search_plan` for how results are found and ranked.
        """
        plan = search_plan(text, limit, len(self._active_ids), self._common_words)
        try:
            step = next(plan)
            while True:
                step = plan.send(await self._read.execute_fetchall(*step))
        except StopIteration as finished:
            rows = finished.value
        return [SearchHit(r[0], r[1]) for r in rows]

    async def snippets(self, story_ids: Sequence[str], text: str) -> dict[str, str]:
        """A short extract of each story around the first word of ``text`` found in it."""
        if not story_ids:
            return {}
        marks = ", ".join("?" for _ in story_ids)
        rows = await self._read.execute_fetchall(f"SELECT id, story FROM stories WHERE id IN ({marks})", story_ids)
        words = search_words(text)
        return {r[0]: make_snippet(r[1], words) for r in rows}

    async def autocomplete(self, text: str, *, limit: int = 25) -> list[tuple[str, str]]:
        """Up to ``limit`` ``(id, title)`` pairs for what a user is typing.

        Titles that start with the text come first, then titles with a word
        starting with it, then ids starting with it.
        """
        key = text.strip().casefold()[:100]
        if not key:
            rows = await self._read.execute_fetchall(
                "SELECT id, title FROM stories WHERE active = 1 ORDER BY title_key, id LIMIT ?", (limit,)
            )
            return [(r[0], r[1]) for r in rows]
        found: dict[str, str] = {}
        rows = await self._read.execute_fetchall(
            "SELECT id, title FROM stories WHERE active = 1 AND title_key >= ? AND title_key < ? "
            "ORDER BY title_key, id LIMIT ?",
            (key, key + "\U0010ffff", limit),
        )
        found.update((r[0], r[1]) for r in rows)
        words = search_words(key)
        if len(found) < limit and words:
            query = phrases(words, column="title", prefix_last=True)
            rows = await self._read.execute_fetchall(
                "SELECT s.id, s.title FROM stories_fts JOIN stories s ON s.pk = stories_fts.rowid "
                "WHERE stories_fts MATCH ? AND s.active = 1 LIMIT ?",
                (query, limit),
            )
            for r in sorted(rows, key=lambda r: r[1].casefold()):
                found.setdefault(r[0], r[1])
        if len(found) < limit:
            rows = await self._read.execute_fetchall(
                "SELECT id, title FROM stories WHERE active = 1 AND id >= ? AND id < ? ORDER BY id LIMIT ?",
                (key, key + "\U0010ffff", limit),
            )
            for r in rows:
                found.setdefault(r[0], r[1])
        return list(found.items())[:limit]

    async def page(self, offset: int = 0, limit: int = 10) -> list[tuple[str, str]]:
        """A page of the library as ``(id, title)``, in title order."""
        rows = await self._read.execute_fetchall(
            "SELECT id, title FROM stories WHERE active = 1 ORDER BY title_key, id LIMIT ? OFFSET ?",
            (max(1, limit), max(0, offset)),
        )
        return [(r[0], r[1]) for r in rows]

    async def quotes(self) -> list[Quote]:
        """Every general quote, in file order."""
        rows = await self._read.execute_fetchall(
            "SELECT text, by, source FROM quotes WHERE active = 1 ORDER BY position"
        )
        return [Quote(text=r[0], by=r[1], source=r[2]) for r in rows]

    async def random_quote(self, rng: Any = None) -> Quote | None:
        """Any one general quote."""
        if not self._quote_keys:
            return None
        return await self._quote(self._quote_keys[(rng or _RANDOM).randrange(len(self._quote_keys))])

    async def quote_for(self, story: Story) -> Quote | None:
        """The quote shown with a story outside the daily post.

        The story's first own quote, else a general quote fixed by the story's
        id, so the same story always looks the same.
        """
        if story.quotes:
            return story.quotes[0]
        if not self._quote_keys:
            return None
        digest = hashlib.sha1(story.id.encode(), usedforsecurity=False).digest()
        return await self._quote(self._quote_keys[int.from_bytes(digest[:8], "big") % len(self._quote_keys)])

    async def _quote(self, key: str, db: aiosqlite.Connection | None = None) -> Quote | None:
        rows = await (db or self._read).execute_fetchall("SELECT text, by, source FROM quotes WHERE key = ?", (key,))
        return Quote(text=rows[0][0], by=rows[0][1], source=rows[0][2]) if rows else None

    @property
    def story_count(self) -> int:
        """How many stories are in the library now."""
        return len(self._active_ids)

    @property
    def quote_count(self) -> int:
        """How many general quotes are in the library now."""
        return len(self._quote_keys)

    async def content_version(self) -> tuple[str | None, str | None]:
        """``(version, imported_at)`` of the content now served."""
        rows = await self._read.execute_fetchall(
            "SELECT key, value FROM meta WHERE key IN ('content_version', 'content_imported_at')"
        )
        values = dict(rows)
        return values.get("content_version"), values.get("content_imported_at")

    # -- kindness of the day -----------------------------------------------

    async def pick_of_the_day(self, scope: str, day: date) -> DailyPick | None:
        """The kindness of the day for ``scope`` on ``day``, chosen once and then remembered.

        No story repeats in a scope until every story has been shown there;
        then a new cycle starts in a different order. The quote is one of the
        story's own, else a general quote, also without repeats until all are used.
        Returns ``None`` only when the library is empty.
        """
        found = await self._recorded_pick(self._read, scope, day)
        if found is not None:
            return found
        async with self._write_lock:
            found = await self._recorded_pick(self._write, scope, day)
            if found is not None:
                return found
            await self._write.execute("BEGIN IMMEDIATE")
            try:
                created = await self._choose_and_record(scope, day)
                await self._write.execute("COMMIT")
            except BaseException:
                await self._write.execute("ROLLBACK")
                raise
        return created

    async def _recorded_pick(self, db: aiosqlite.Connection, scope: str, day: date) -> DailyPick | None:
        rows = await db.execute_fetchall(_PICK_SQL, (scope, day.isoformat()))
        if not rows:
            return None
        row = rows[0]
        story = _row_to_story(row[:9])
        text, by, role, source = row[9:13]
        quote = Quote(text=text, by=by, role=role, source=source) if text else None
        return DailyPick(scope=scope, day=day, story=story, quote=quote)

    async def _choose_and_record(self, scope: str, day: date) -> DailyPick | None:
        db = self._write
        active = self._active_ids
        if not active:
            return None
        cycle = await _scalar(db, "SELECT MAX(story_cycle) FROM daily_picks WHERE scope = ?", (scope,)) or 0
        shown = set(
            await _column(db, "SELECT story_id FROM daily_picks WHERE scope = ? AND story_cycle = ?", (scope, cycle))
        )
        avoid: set[str] = set()
        story_id = selection.choose(active, shown, selection.seeded(scope, day, "story", cycle))
        if story_id is None or not shown:
            if story_id is None:
                cycle += 1
            previous = await _column(
                db,
                "SELECT story_id FROM daily_picks WHERE scope = ? AND story_cycle = ? ORDER BY rowid",
                (scope, cycle - 1),
            )
            avoid = selection.cycle_start_avoid(previous, len(active))
            story_id = selection.choose(active, set(), selection.seeded(scope, day, "story", cycle), avoid)
        assert story_id is not None
        story = await self._story_on(db, story_id)
        quote, key, quote_cycle = await self._choose_quote(scope, day, story)
        await db.execute(
            "INSERT INTO daily_picks(scope, day, story_id, story_cycle, quote_text, quote_by, quote_role,"
            " quote_source, quote_key, quote_cycle, picked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                scope,
                day.isoformat(),
                story_id,
                cycle,
                quote.text if quote else None,
                quote.by if quote else None,
                quote.role if quote else None,
                quote.source if quote else None,
                key,
                quote_cycle,
                _now(),
            ),
        )
        return DailyPick(scope=scope, day=day, story=story, quote=quote)

    async def _story_on(self, db: aiosqlite.Connection, story_id: str) -> Story:
        rows = await db.execute_fetchall(f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ?", (story_id,))
        return _row_to_story(rows[0])

    async def _choose_quote(self, scope: str, day: date, story: Story) -> tuple[Quote | None, str | None, int | None]:
        db = self._write
        if story.quotes:
            # Rotate through the story's own quotes each time it comes round again.
            times = await _scalar(
                db, "SELECT COUNT(*) FROM daily_picks WHERE scope = ? AND story_id = ?", (scope, story.id)
            )
            return story.quotes[times % len(story.quotes)], None, None
        keys = self._quote_keys
        if not keys:
            return None, None, None
        cycle = (
            await _scalar(
                db, "SELECT MAX(quote_cycle) FROM daily_picks WHERE scope = ? AND quote_key IS NOT NULL", (scope,)
            )
            or 0
        )
        used = set(
            await _column(
                db,
                "SELECT quote_key FROM daily_picks WHERE scope = ? AND quote_cycle = ? AND quote_key IS NOT NULL",
                (scope, cycle),
            )
        )
        key = selection.choose(keys, used, selection.seeded(scope, day, "quote", cycle))
        if key is None:
            cycle += 1
            key = selection.choose(keys, set(), selection.seeded(scope, day, "quote", cycle))
        return await self._quote(key, db), key, cycle

    async def picks(self, scope: str) -> list[tuple[date, str]]:
        """Every recorded ``(day, story_id)`` for ``scope``, oldest first."""
        rows = await self._read.execute_fetchall(
            "SELECT day, story_id FROM daily_picks WHERE scope = ? ORDER BY day", (scope,)
        )
        return [(date.fromisoformat(r[0]), r[1]) for r in rows]


_RANDOM = random.SystemRandom()

_UPSERT_STORY = """
INSERT INTO stories(id, title, story, place, occurred, tags, source_name, source_url, quotes,
                    title_key, quotes_text, digest, added_at, updated_at, active)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT(id) DO UPDATE SET
    title = excluded.title, story = excluded.story, place = excluded.place,
    occurred = excluded.occurred, tags = excluded.tags, source_name = excluded.source_name,
    source_url = excluded.source_url, quotes = excluded.quotes, title_key = excluded.title_key,
    quotes_text = excluded.quotes_text, digest = excluded.digest,
    updated_at = excluded.updated_at, active = 1
"""

_DIGEST = 11
_FTS_COLUMNS = "title, story, place, tags, quotes_text"
_FTS_INSERT = f"INSERT INTO stories_fts(rowid, {_FTS_COLUMNS}) SELECT pk, {_FTS_COLUMNS} FROM stories WHERE id = ?"
_FTS_DELETE = (
    f"INSERT INTO stories_fts(stories_fts, rowid, {_FTS_COLUMNS}) "
    f"SELECT 'delete', pk, {_FTS_COLUMNS} FROM stories WHERE id = ? AND active = 1"
)
# BM25 over the rare words, at most :cap of their matches (the rowid bound is
# the (cap+1)-th match, found by walking the index entry, which is cheap).
_RANKED_SQL = """
SELECT s.id, s.title FROM stories_fts JOIN stories s ON s.pk = stories_fts.rowid
WHERE stories_fts MATCH :rank AND stories_fts.rowid <= coalesce(
    (SELECT rowid FROM stories_fts WHERE stories_fts MATCH :rank LIMIT 1 OFFSET :cap), 9223372036854775807)
ORDER BY rank LIMIT :limit
"""
# The same, keeping only stories that also hold every common word.
_RANKED_FILTERED_SQL = """
SELECT s.id, s.title FROM stories_fts JOIN stories s ON s.pk = stories_fts.rowid
WHERE stories_fts MATCH :rank
  AND stories_fts.rowid IN (SELECT f.rowid FROM stories_fts f WHERE f.stories_fts MATCH :all)
  AND stories_fts.rowid <= coalesce(
    (SELECT rowid FROM stories_fts WHERE stories_fts MATCH :rank LIMIT 1 OFFSET :cap), 9223372036854775807)
ORDER BY rank LIMIT :limit
"""
# Only common words: among the newest :window matches, title matches first, newest first.
_COMMON_SQL = """
WITH recent(pk) AS (
    SELECT rowid FROM stories_fts WHERE stories_fts MATCH :q ORDER BY rowid DESC LIMIT :window
), counted(c) AS (SELECT {counts})
SELECT s.id, s.title, counted.c
FROM counted LEFT JOIN (recent JOIN stories s ON s.pk = recent.pk) ON 1
ORDER BY recent.pk IN (
    SELECT rowid FROM stories_fts WHERE stories_fts MATCH :title AND rowid >= (SELECT min(pk) FROM recent)
) DESC, recent.pk DESC
LIMIT :limit
"""


_PICK_SQL = f"""
SELECT {", ".join("s." + c.strip() for c in _STORY_COLUMNS.split(","))},
       p.quote_text, p.quote_by, p.quote_role, p.quote_source
FROM daily_picks p JOIN stories s ON s.id = p.story_id
WHERE p.scope = ? AND p.day = ?
"""


class _Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def __aenter__(self) -> aiosqlite.Connection:
        await self.store._write_lock.acquire()
        try:
            await self.store._write.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._write_lock.release()
            raise
        return self.store._write

    async def __aexit__(self, exc_type: Any, *_: Any) -> None:
        try:
            await self.store._write.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.store._write_lock.release()


async def _scalar(db: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    rows = await db.execute_fetchall(sql, tuple(params))
    return rows[0][0] if rows else None


async def _column(db: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Any]:
    return [r[0] for r in await db.execute_fetchall(sql, tuple(params))]


async def _set_meta(db: aiosqlite.Connection, values: dict[str, str]) -> None:
    await db.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


async def _store_quotes(db: aiosqlite.Connection, quotes: list[Quote]) -> set[str]:
    keys = [quote_key(q) for q in quotes]
    await db.execute("UPDATE quotes SET active = 0")
    await db.executemany(
        "INSERT INTO quotes(key, text, by, source, position, active) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT(key) DO UPDATE SET text = excluded.text, by = excluded.by, source = excluded.source, "
        "position = excluded.position, active = 1",
        [(k, q.text, q.by, q.source, i) for i, (k, q) in enumerate(zip(keys, quotes, strict=True))],
    )
    return set(keys)


async def _migrate(db: aiosqlite.Connection, path: Path) -> None:
    current = await _scalar(db, "PRAGMA user_version")
    migrations = _migrations()
    latest = migrations[-1][0] if migrations else 0
    if current > latest:
        raise StoreError(
            f"the database {path} was written by a newer kindness-bot (schema {current}, this one knows "
            f"{latest}); upgrade kindness-bot or point `database` at another file"
        )
    for number, name, sql in migrations:
        if number <= current:
            continue
        log.info("Applying database migration %s to %s", name, path)
        try:
            await db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error as exc:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise StoreError(f"database migration {name} failed on {path}: {exc}") from exc
