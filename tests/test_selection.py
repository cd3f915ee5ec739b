"""The kindness of the day: stable all day, no repeats until all are shown, the past never rewritten."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import story, write_library

from bot.store import Store

START = date(2026, 1, 1)


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "k.sqlite3")
    yield s
    await s.close()


async def load(store: Store, root: Path, ids: list[str], quotes: int = 3, **fields: object) -> None:
    write_library(root, [story(i, **fields) for i in ids], quotes=quotes)
    await store.import_content(root, "c")


async def run_days(store: Store, days: int, scope: str = "guild:1", start: date = START) -> list[str]:
    return [(await store.pick_of_the_day(scope, start + timedelta(d))).story.id for d in range(days)]


async def test_the_same_story_all_day_and_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = await Store.open(path)
    await load(store, tmp_path / "c", [f"s{i}" for i in range(10)])
    first = await store.pick_of_the_day("guild:1", START)
    again = await store.pick_of_the_day("guild:1", START)
    assert (again.story, again.quote) == (first.story, first.quote)
    await store.close()
    store = await Store.open(path)
    try:
        after = await store.pick_of_the_day("guild:1", START)
        assert (after.story, after.quote) == (first.story, first.quote)
    finally:
        await store.close()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 12])
async def test_no_repeat_until_every_story_was_shown(store: Store, tmp_path: Path, size: int) -> None:
    ids = [f"s{i}" for i in range(size)]
    await load(store, tmp_path / "c", ids)
    picks = await run_days(store, size * 4)
    cycles = [picks[i : i + size] for i in range(0, len(picks), size)]
    for cycle in cycles:
        assert sorted(cycle) == sorted(ids)


@pytest.mark.parametrize("size", [2, 3, 5, 12])
async def test_each_new_cycle_has_a_different_order(store: Store, tmp_path: Path, size: int) -> None:
    await load(store, tmp_path / "c", [f"s{i}" for i in range(size)])
    picks = await run_days(store, size * 6)
    cycles = [picks[i : i + size] for i in range(0, len(picks), size)]
    for previous, current in itertools.pairwise(cycles):
        assert current != previous
        if size >= 3:
            assert current[0] != previous[-1]  # never the same story two days running


async def test_scopes_are_independent(store: Store, tmp_path: Path) -> None:
    await load(store, tmp_path / "c", [f"s{i}" for i in range(6)])
    one = await run_days(store, 6, "guild:1")
    two = await run_days(store, 6, "guild:2")
    assert sorted(one) == sorted(two)
    assert one != two  # different servers need not march in step


async def test_adding_stories_joins_the_current_cycle_and_keeps_the_past(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "c"
    await load(store, root, ["a", "b", "c", "d"])
    early = await run_days(store, 2)
    await load(store, root, ["a", "b", "c", "d", "e", "f"])
    assert await run_days(store, 2) == early  # recorded days do not change
    rest = [(await store.pick_of_the_day("guild:1", START + timedelta(d))).story.id for d in range(2, 6)]
    assert sorted(early + rest) == ["a", "b", "c", "d", "e", "f"]


async def test_removing_stories_never_rewrites_the_past(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "c"
    ids = [f"s{i}" for i in range(5)]
    await load(store, root, ids)
    past = await run_days(store, 3)
    await load(store, root, [i for i in ids if i != past[0]])
    assert await run_days(store, 3) == past
    future = [(await store.pick_of_the_day("guild:1", START + timedelta(d))).story.id for d in range(3, 5)]
    assert past[0] not in future
    assert sorted(past + future) == sorted(ids)


async def test_general_quotes_do_not_repeat_until_all_are_used(store: Store, tmp_path: Path) -> None:
    await load(store, tmp_path / "c", [f"s{i}" for i in range(8)], quotes=3)
    quotes = []
    for d in range(9):
        pick = await store.pick_of_the_day("guild:1", START + timedelta(d))
        quotes.append(pick.quote.text)
    for start in range(0, 9, 3):
        assert len(set(quotes[start : start + 3])) == 3


async def test_a_story_with_its_own_quotes_uses_them_in_turn(store: Store, tmp_path: Path) -> None:
    own = [{"text": "First words.", "by": "Ann", "role": "neighbour"}, {"text": "Second words.", "by": "Bo"}]
    write_library(tmp_path / "c", [story("only", quotes=own)], quotes=2)
    await store.import_content(tmp_path / "c", "c")
    texts = [(await store.pick_of_the_day("guild:1", START + timedelta(d))).quote for d in range(4)]
    assert [q.text for q in texts] == ["First words.", "Second words.", "First words.", "Second words."]
    assert texts[0].role == "neighbour"


async def test_without_general_quotes_a_story_without_quotes_has_none(store: Store, tmp_path: Path) -> None:
    await load(store, tmp_path / "c", ["a"], quotes=0)
    assert (await store.pick_of_the_day("guild:1", START)).quote is None


async def test_changing_quotes_file_never_rewrites_a_recorded_quote(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "c"
    await load(store, root, ["a", "b"], quotes=3)
    before = (await store.pick_of_the_day("guild:1", START)).quote
    await load(store, root, ["a", "b"], quotes=0)
    assert (await store.pick_of_the_day("guild:1", START)).quote == before


async def test_concurrent_requests_for_the_same_day_agree(store: Store, tmp_path: Path) -> None:
    await load(store, tmp_path / "c", [f"s{i}" for i in range(30)])
    picks = await asyncio.gather(*[store.pick_of_the_day("guild:9", START) for _ in range(20)])
    assert len({p.story.id for p in picks}) == 1
    assert len(await store.picks("guild:9")) == 1


async def test_library_churn_keeps_the_no_repeat_rule(store: Store, tmp_path: Path) -> None:
    """Random adds and removals over many days: within a cycle, nothing repeats."""
    rng = random.Random(7)
    root = tmp_path / "c"
    live = [f"s{i}" for i in range(8)]
    next_id = 8
    await load(store, root, live)
    cycle_seen: set[str] = set()
    for d in range(120):
        if rng.random() < 0.15:
            if rng.random() < 0.5 and len(live) > 2:
                live.remove(rng.choice(live))
            else:
                live.append(f"s{next_id}")
                next_id += 1
            await load(store, root, live)
        pick = await store.pick_of_the_day("guild:1", START + timedelta(d))
        assert pick.story.id in live
        if not (set(live) - cycle_seen):
            cycle_seen = set()  # the cycle was complete: a new one starts
        assert pick.story.id not in cycle_seen, f"day {d}: {pick.story.id} repeated within a cycle"
        cycle_seen.add(pick.story.id)
