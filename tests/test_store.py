"""The story store: real SQLite files in tmp_path, all-or-nothing imports, safe queries."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from helpers import SHIPPED, story, write_file, write_library

from bot.content import ContentError
from bot.store import SEARCH_MAX_RESULTS, Store, StoreError, phrases, search_words


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "db" / "kindness.sqlite3")
    yield s
    await s.close()


async def test_open_creates_a_wal_database_with_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "k.sqlite3"
    store = await Store.open(path)
    await store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"stories", "quotes", "daily_picks", "content_files"} <= tables
    finally:
        conn.close()


async def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = await Store.open(path)
    await store.import_content(SHIPPED, "content")
    await store.close()
    store = await Store.open(path)
    try:
        assert store.story_count == 4
        report = await store.import_content(SHIPPED, "content")
        assert report.skipped
    finally:
        await store.close()


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer kindness-bot"):
        await Store.open(path)


async def test_import_reports_added_changed_removed(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story("a"), story("b"), story("c")])
    first = await store.import_content(root, "c")
    assert (first.added, first.changed, first.removed) == (["a", "b", "c"], [], [])
    assert (first.stories, first.quotes) == (3, 3)

    write_library(root, [story("a"), story("b", title="A new title"), story("d")], quotes=2)
    second = await store.import_content(root, "c")
    assert (second.added, second.changed, second.removed) == (["d"], ["b"], ["c"])
    assert second.quotes_removed == 1
    assert second.version != first.version
    assert store.story_count == 3 and store.quote_count == 2
    assert (await store.story("b")).title == "A new title"


async def test_unchanged_content_is_skipped_without_parsing(store: Store, tmp_path: Path, monkeypatch) -> None:
    root = write_library(tmp_path / "c", [story("a")])
    await store.import_content(root, "c")

    def fail(*_args: object) -> None:
        raise AssertionError("unchanged content must not be parsed")

    monkeypatch.setattr("bot.store.read_content_file", fail)
    report = await store.import_content(root, "c")
    assert report.skipped and report.stories == 1


async def test_removed_stories_leave_queries_but_history_keeps_them(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story("a"), story("b")])
    await store.import_content(root, "c")
    from datetime import date

    day = date(2026, 3, 1)
    pick = await store.pick_of_the_day("global", day)
    gone = pick.story.id
    write_library(root, [story(x) for x in ("a", "b") if x != gone])
    await store.import_content(root, "c")

    assert await store.story(gone) is None
    assert [h.id for h in await store.search(gone)] == []
    assert gone not in [i for i, _ in await store.autocomplete("")]
    assert (await store.story(gone, include_removed=True)).id == gone
    assert (await store.pick_of_the_day("global", day)).story.id == gone


async def test_a_broken_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story("a"), story("b")])
    before = await store.import_content(root, "c")
    # A valid new file sorts before the broken one: it must not land either.
    write_library(root, [story("a", title="Changed")])  # also drops b
    write_file(root, "stories/0-new.yaml", "id: new\ntitle: New\nstory: S\n")
    write_file(root, "stories/zz-broken.yaml", "id: broken\ntitle: [\n")
    with pytest.raises(ContentError) as caught:
        await store.import_content(root, "c")
    assert caught.value.lines()[0].startswith("c/stories/zz-broken.yaml:")

    assert await store.story("new") is None
    assert (await store.story("a")).title == "Title of a"
    assert await store.story("b") is not None
    assert (await store.content_version())[0] == before.version
    assert store.story_count == 2


async def test_search_is_ranked_and_titles_weigh_most(store: Store, tmp_path: Path) -> None:
    root = write_library(
        tmp_path / "c",
        [
            story("mentions", title="Morning walk", story="A firetruck went by, then another firetruck."),
            story("titled", title="The firetruck", story="A child and a toy."),
            story("other", title="Bread", story="Someone shared a loaf."),
        ],
    )
    await store.import_content(root, "c")
    hits = await store.search("firetruck")
    assert [h.id for h in hits] == ["titled", "mentions"]
    snippets = await store.snippets([h.id for h in hits], "firetruck")
    assert "firetruck" in snippets["mentions"].lower()


async def test_search_finds_words_in_place_tags_and_quotes(store: Store, tmp_path: Path) -> None:
    root = write_library(
        tmp_path / "c",
        [
            story("p", where="Coral Springs, Florida"),
            story("t", tags=["mental-health"]),
            story("q", quotes=[{"text": "Look for the helpers", "by": "Fred Rogers"}]),
        ],
    )
    await store.import_content(root, "c")
    assert [h.id for h in await store.search("coral springs")] == ["p"]
    assert [h.id for h in await store.search("mental")] == ["t"]
    assert [h.id for h in await store.search("helpers")] == ["q"]
    assert [h.id for h in await store.search("Rogers")] == ["q"]


async def test_search_falls_back_to_any_word(store: Store) -> None:
    await store.import_content(SHIPPED, "content")
    hits = await store.search("firetruck zzzznotaword")
    assert [h.id for h in hits] == ["coral-springs-roadside-firetruck"]


HOSTILE = [
    '"',
    "'",
    '"unbalanced',
    "(",
    ")",
    "((",
    "a AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "NEAR(a b",
    "title:",
    "title : x",
    "*",
    "a*",
    "^a",
    "-",
    "a -b",
    "{a b}",
    "a:b:c",
    "\\",
    "%",
    "_",
    "';DROP TABLE stories;--",
    "\x00",
    "\u202e",
    "😀",
    "ÄÖÜ",
    "x" * 5000,
    " ",
    "",
    "\n\t",
    "𝓯𝓲𝓻𝓮",
    "a" * 300 + " b",
    "NEAR",
    "rank",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_search_answers_any_input(store: Store, text: str) -> None:
    await store.import_content(SHIPPED, "content")
    hits = await store.search(text)
    assert isinstance(hits, list)
    assert isinstance(await store.autocomplete(text), list)
    assert store.story_count == 4  # and the library is still there


def test_user_text_becomes_quoted_words_only() -> None:
    words = search_words('fire" OR title:x (NEAR')
    assert words == ["fire", "or", "title", "x", "near"]
    assert phrases(words) == '"fire" "or" "title" "x" "near"'
    assert phrases(["a", "b"], every=False) == '"a" OR "b"'
    assert phrases(["fire"], column="title", prefix_last=True) == 'title : ("fire"*)'
    assert search_words("  ¿¡ ") == []


async def test_autocomplete_matches_title_prefix_then_words_then_ids(store: Store) -> None:
    await store.import_content(SHIPPED, "content")
    firetruck = ("coral-springs-roadside-firetruck", "A toy firetruck at the roadside")
    assert await store.autocomplete("a toy") == [firetruck]
    assert [i for i, _ in await store.autocomplete("fire")] == ["coral-springs-roadside-firetruck"]
    assert [i for i, _ in await store.autocomplete("curbside")] == ["curbside-sandwich"]
    everything = await store.autocomplete("")
    assert len(everything) == 4
    assert [t for _, t in everything] == sorted(t for _, t in everything)


async def test_autocomplete_returns_at_most_25(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story(f"s{i}", title=f"Kind act {i}") for i in range(60)])
    await store.import_content(root, "c")
    assert len(await store.autocomplete("kind")) == 25
    assert len(await store.autocomplete("")) == 25
    assert len(await store.autocomplete("act")) == 25


async def test_paging_walks_the_whole_library_once(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story(f"s{i:02d}") for i in range(23)])
    await store.import_content(root, "c")
    seen = []
    for offset in range(0, 30, 10):
        seen += [i for i, _ in await store.page(offset, 10)]
    assert sorted(seen) == sorted(f"s{i:02d}" for i in range(23))
    assert len(seen) == 23


async def test_quotes_are_served_in_file_order(store: Store) -> None:
    await store.import_content(SHIPPED, "content")
    quotes = await store.quotes()
    assert len(quotes) == store.quote_count >= 30
    assert quotes[0].by == "Emily Dickinson"
    assert await store.random_quote() in quotes


async def test_random_story_covers_the_library(store: Store) -> None:
    import random

    await store.import_content(SHIPPED, "content")
    rng = random.Random(1)
    seen = {(await store.random_story(rng)).id for _ in range(40)}
    assert len(seen) == 4


async def test_empty_store_answers_politely(store: Store) -> None:
    from datetime import date

    assert await store.random_story() is None
    assert await store.random_quote() is None
    assert await store.search("kind") == []
    assert await store.pick_of_the_day("global", date(2026, 1, 1)) is None


async def test_readers_keep_the_old_library_while_an_import_runs(store: Store, tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story("a")])
    await store.import_content(root, "c")
    # One story per file: the writer changes "a" several files before it adds "z".
    write_library(root, [story("a", title="New"), *[story(f"m{i}") for i in range(20)], story("z")], per_file=1)
    states: list[tuple[str, bool]] = []

    async def watch() -> None:
        for _ in range(200):
            # One statement, one snapshot: both facts come from the same moment.
            rows = await store.reader.execute_fetchall(
                "SELECT (SELECT title FROM stories WHERE id = 'a' AND active = 1),"
                " EXISTS(SELECT 1 FROM stories WHERE id = 'z' AND active = 1)"
            )
            states.append((rows[0][0], bool(rows[0][1])))
            await asyncio.sleep(0)

    await asyncio.gather(store.import_content(root, "c"), watch())
    # Readers see the old library or the new one, never a half-imported mix.
    assert set(states) <= {("Title of a", False), ("New", True)}
    assert ("Title of a", False) in states
    assert (await store.story("a")).title == "New"


async def test_common_words_filter_and_rare_words_rank_in_a_large_library(store: Store, tmp_path: Path) -> None:
    # Over COMMON_ABOVE stories contain "kind", so it is a common word: it filters but is not weighed.
    items = [story(f"s{i:03d}", title=f"Walk {i}", story=f"A kind walk, number {i}.") for i in range(250)]
    items[210]["title"] = "Kind hearts"
    items[220]["title"] = "So kind"
    items[30]["story"] += " A zebra waved."
    items[40].update(title="The zebra", story=items[40]["story"] + " A zebra smiled.")
    items[50]["story"] = "A zebra alone."
    await store.import_content(write_library(tmp_path / "c", items), "c")

    only_common = [h.id for h in await store.search("kind")]
    # Among the newest COMMON_WINDOW matches: title matches first, then the newest.
    assert only_common[:3] == ["s220", "s210", "s249"]
    assert len(only_common) == SEARCH_MAX_RESULTS

    assert [h.id for h in await store.search("zebra kind")] == ["s040", "s030"]  # ranked by "zebra"
    assert {h.id for h in await store.search("zebra nosuchword")} == {"s030", "s040", "s050"}  # any word
    assert [h.id for h in await store.search("nosuchword kind")][:2] == ["s220", "s210"]  # any word, common
    assert [h.id for h in await store.search("kind zebra")] == ["s040", "s030"]  # words remembered, same answer
