"""Pacing outgoing requests under Discord's global rate limit.

discord.py paces each route's bucket but has no global pacing: fanning out
thousands of sends at once collects 429s, and enough invalid requests
(10,000 per 10 minutes) get a bot banned from the API for an hour.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["Pacer", "fan_out"]

T = TypeVar("T")
R = TypeVar("R")


class Pacer:
    """Starts at most ``rate`` operations per second, evenly spaced, with at most ``concurrency`` in flight.

    Evenly spaced, not in bursts: a window-based limit (Discord's global
    limit resets every second) then never sees more than ``rate`` a window.
    """

    def __init__(
        self,
        rate: float,
        concurrency: int,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or concurrency < 1:
            raise ValueError("rate must be positive and concurrency at least 1")
        self.interval = 1.0 / rate
        self.concurrency = concurrency
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._slots: asyncio.Semaphore | None = None

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a turn, then run the body while holding one of the concurrency slots."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            now = self._now()
            start = max(now, self._next)
            self._next = start + self.interval
            if start > now:
                await self._sleep(start - now)
            yield


async def fan_out(items: Sequence[T], work: Callable[[T], Awaitable[R]], concurrency: int) -> list[R | Exception]:
    """Run ``work`` on every item, at most ``concurrency`` at once, in a fixed pool of workers.

    An item's exception is returned in its place: one failure never stops or
    delays the others. (A pool, not one task per item, so ten thousand posts
    cost ``concurrency`` tasks.)
    """
    results: list[R | Exception] = [RuntimeError("not run")] * len(items)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(items)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            try:
                results[index] = await work(items[index])
            except Exception as exc:  # noqa: BLE001 - returned to the caller, who reports it
                results[index] = exc

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(items))))))
    return results
