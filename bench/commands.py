"""Benchmark: time spent in the bot's own code per slash command, with 10 and 100,000 stories.

Usage:  python bench/commands.py [--sizes 10 100000] [--calls 1000] [--rounds 5]

The real bot runs against SimCord. Members call ``/kindness today``,
``/kindness story``, ``/kindness search`` and type into the story
autocomplete, ``--calls`` times each. The clock runs around the bot's handler
only (discord.py's dispatch of the command to our callback, until it
returns), minus the time spent inside SimCord's simulated REST endpoints, and
never includes SimCord's settle wait between actions. Both libraries are
generated and imported once; then rounds alternate between the sizes, each in
a fresh process, so both see the same machine conditions. Figures are the
median over rounds of each round's p50 and p99, and p99 at the large size as
a ratio to p99 at the small one (the baseline, measured in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate, sample_words  # noqa: E402

COMMANDS = ("today", "story", "search", "autocomplete")
TARGET_P99_MS = 5.0
TARGET_RATIO = 1.2


class Stopwatch:
    """Times handlers, minus the time spent in SimCord's REST fakes while they ran."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.outside = 0.0
        self.active = 0

    def install(self) -> None:
        from discord import app_commands
        from simcord.http import client

        watch = self

        def timed(original: Any, kind: str) -> Any:
            async def wrapper(command: Any, *args: Any) -> Any:
                watch.outside = 0.0
                watch.active += 1
                started = time.perf_counter()
                try:
                    return await original(command, *args)
                finally:
                    elapsed = time.perf_counter() - started - watch.outside
                    watch.active -= 1
                    name = "autocomplete" if kind == "autocomplete" else command.name
                    watch.samples[name].append(elapsed)

            return wrapper

        def outside(original: Any) -> Any:
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    watch.outside += time.perf_counter() - started

            return wrapper

        app_commands.Command._invoke_with_namespace = timed(app_commands.Command._invoke_with_namespace, "command")
        app_commands.Command._invoke_autocomplete = timed(app_commands.Command._invoke_autocomplete, "autocomplete")
        client.FakeWebhookAdapter.request = outside(client.FakeWebhookAdapter.request)
        client.FakeHTTPClient.request = outside(client.FakeHTTPClient.request)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(size: int, calls: int, folder: Path) -> dict[str, dict[str, float]]:
    import simcord

    from bot import create_bot
    from bot.config import Config

    watch = Stopwatch()
    watch.install()
    rng = random.Random(3)
    config = Config(database=folder / "bench.sqlite3", content=folder, content_display="content")
    bot = create_bot(config)
    try:
        async with simcord.run(bot) as env:
            guild = env.create_guild("Bench")
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user("reader"))
            await bot.tree.sync()
            ids = [f"story-{rng.randrange(size):06d}" for _ in range(calls)]
            words = sample_words(config.database, calls, rng)
            for _ in range(20):  # warm caches and code paths alike for both sizes
                await member.slash(channel, "kindness today")
            watch.samples.clear()
            for i in range(calls):
                await member.slash(channel, "kindness today")
                await member.slash(channel, "kindness story", story=ids[i])
                await member.slash(channel, "kindness search", query=words[i])
                await member.autocomplete(channel, "kindness story", "story", words[i][: rng.randint(1, 6)])
                # Let the search view expire, as it does when a member moves on: SimCord's
                # bookkeeping grows with every live view, which is not the bot's cost.
                await env.advance_time(SEARCH_VIEW_TIMEOUT)
    finally:
        await bot.close()
    return {
        name: {"p50_ms": percentile(v, 50) * 1000, "p99_ms": percentile(v, 99) * 1000, "n": len(v)}
        for name, v in watch.samples.items()
    }


SEARCH_VIEW_TIMEOUT = 601


def child(folder: Path, size: int, calls: int) -> None:
    import logging

    logging.disable(logging.WARNING)
    print(json.dumps(asyncio.run(measure(size, calls, folder))))


def prepare(folder: Path, size: int) -> None:
    """Generate the library and import it once (later bot starts find it unchanged)."""
    from bot.store import Store

    generate(folder, size)

    async def load() -> None:
        store = await Store.open(folder / "bench.sqlite3")
        try:
            await store.import_content(folder, "content")
        finally:
            await store.close()

    asyncio.run(load())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10, 100_000], metavar=("BASELINE", "LARGE"))
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]), args.calls)
        return
    rounds: dict[int, list[dict[str, dict[str, float]]]] = {size: [] for size in args.sizes}
    with tempfile.TemporaryDirectory(prefix="kindness-bench-") as tmp:
        folders = {size: Path(tmp) / f"content-{size}" for size in args.sizes}
        for size, folder in folders.items():
            prepare(folder, size)
        for _ in range(args.rounds):
            for size, folder in folders.items():
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(folder), str(size), "--calls", str(args.calls)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rounds[size].append(json.loads(done.stdout.strip().splitlines()[-1]))
    small, large = args.sizes
    print(
        f"kindness-bot command benchmark: {args.calls} calls per command per round, {args.rounds} rounds, "
        "time in the bot's own code (median of rounds)"
    )
    print(f"{'command':<14}{small:>10,} stories p50/p99 ms{large:>12,} stories p50/p99 ms   p99 ratio")
    for name in COMMANDS:
        a = {k: statistics.median(r[name][k] for r in rounds[small]) for k in ("p50_ms", "p99_ms")}
        b = {k: statistics.median(r[name][k] for r in rounds[large]) for k in ("p50_ms", "p99_ms")}
        ratio = b["p99_ms"] / a["p99_ms"]
        ok = b["p99_ms"] <= TARGET_P99_MS and a["p99_ms"] <= TARGET_P99_MS and ratio <= TARGET_RATIO
        print(
            f"{name:<14}{a['p50_ms']:>17.2f} / {a['p99_ms']:<8.2f}{b['p50_ms']:>15.2f} / {b['p99_ms']:<8.2f}"
            f"{ratio:>8.2f}  {'ok' if ok else 'MISSED'}"
        )
    print(f"targets: p99 <= {TARGET_P99_MS} ms each; p99 at {large:,} <= {TARGET_RATIO} x p99 at {small:,}")


if __name__ == "__main__":
    main()
