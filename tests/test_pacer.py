"""The pacer: evenly spaced starts under a rate, bounded concurrency."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.pacer import Pacer, fan_out


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_starts_are_spaced_by_the_rate() -> None:
    time = FakeTime()
    pacer = Pacer(rate=4, concurrency=1, clock=time.clock, sleep=time.sleep)
    starts = []
    for _ in range(9):
        async with pacer.slot():
            starts.append(time.now)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.25] * 8
    assert starts[0] == 100.0  # the first goes at once


async def test_no_window_of_one_second_sees_more_than_the_rate() -> None:
    starts: list[float] = []

    async def sleep(seconds: float) -> None:  # the clock stands still: record when each would start
        starts.append(100.0 + seconds)
        await asyncio.sleep(0)

    pacer = Pacer(rate=45, concurrency=8, clock=lambda: 100.0, sleep=sleep)

    async def one() -> None:
        async with pacer.slot():
            await asyncio.sleep(0)

    await asyncio.gather(*(one() for _ in range(200)))
    starts.append(100.0)  # the first one did not sleep
    assert len(starts) == 200
    for start in starts:
        assert sum(1 for s in starts if start <= s < start + 1) <= 45


async def test_concurrency_is_bounded() -> None:
    pacer = Pacer(rate=1_000_000, concurrency=3)
    inside = peak = 0

    async def one() -> None:
        nonlocal inside, peak
        async with pacer.slot():
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one() for _ in range(20)))
    assert peak == 3


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(rate=0, concurrency=1)
    with pytest.raises(ValueError):
        Pacer(rate=1, concurrency=0)


async def test_fan_out_keeps_going_past_a_failure_and_keeps_order() -> None:
    async def work(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        await asyncio.sleep(0)
        return n * 10

    results = await fan_out(list(range(6)), work, concurrency=2)
    assert results[:3] == [0, 10, 20] and results[4:] == [40, 50]
    assert isinstance(results[3], ValueError)
