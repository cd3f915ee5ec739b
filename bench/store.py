"""Benchmark of the story store: import, re-import, search, lookup, memory.

Usage:  python bench/store.py [--sizes 10000 100000] [--queries 1000]

For each size N it generates N stories as YAML (1,000 per file) in a temporary
folder, then, in a fresh child process (so peak RSS is per size):

- import: ``Store.import_content`` (read, validate, SQLite + FTS) against the
  bare parse of the same files with PyYAML's C loader (the baseline);
- re-import of the unchanged folder;
- search: ``Store.search`` (the aiosqlite path the bot uses) against plain
  ``sqlite3`` running the same SQL with the same FTS query, p50 and p99;
- lookup by id (``Store.story``), p99;
- peak RSS of the child process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate, sample_words  # noqa: E402

from bot.store import Store, search_plan  # noqa: E402

TARGETS = {"import_ratio": 1.5, "reimport_s": 0.2, "search_p99_ms": 5.0, "search_ratio": 2.0, "rss_mb": 120}


def bare_parse(folder: Path) -> float:
    """Seconds to parse every content file with PyYAML's C loader, nothing else."""
    files = [*sorted((folder / "stories").glob("*.yaml")), folder / "quotes.yaml"]
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as handle:
            yaml.load(handle, Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def plain_search(
    conn: sqlite3.Connection, text: str, library_size: int, known: dict[str, bool]
) -> list[tuple[str, str]]:
    """The store's search, step for step, on a plain sqlite3 connection (the baseline)."""
    plan = search_plan(text, 25, library_size, known)
    try:
        step = next(plan)
        while True:
            step = plan.send(conn.execute(*step).fetchall())
    except StopIteration as finished:
        return finished.value


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(folder: Path, vocab: list[str], queries: int) -> dict[str, float]:
    rng = random.Random(2)
    db_path = folder / "bench.sqlite3"
    parse_before = bare_parse(folder)
    store = await Store.open(db_path)
    try:
        started = time.perf_counter()
        report = await store.import_content(folder, "content")
        import_s = time.perf_counter() - started
        parse_after = bare_parse(folder)
        parse_s = min(parse_before, parse_after)

        started = time.perf_counter()
        again = await store.import_content(folder, "content")
        reimport_s = time.perf_counter() - started
        assert again.skipped and report.stories == again.stories

        # The most common word, the first time it is searched (nothing remembered yet).
        conn = sqlite3.connect(db_path)
        t0 = time.perf_counter()
        plain_search(conn, vocab[0], report.stories, {})
        common_plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        await store.search(vocab[0])
        common_ours = time.perf_counter() - t0

        terms = sample_words(db_path, queries, rng)
        known: dict[str, bool] = {}
        for term in terms[:50]:  # warm both paths alike
            await store.search(term)
            plain_search(conn, term, report.stories, known)
        ours, plain = [], []
        try:
            for term in terms:
                t0 = time.perf_counter()
                await store.search(term)
                ours.append(time.perf_counter() - t0)
            for term in terms:
                t0 = time.perf_counter()
                plain_search(conn, term, report.stories, known)
                plain.append(time.perf_counter() - t0)
        finally:
            conn.close()

        ids = [f"story-{rng.randrange(report.stories):06d}" for _ in range(queries)]
        lookups = []
        for story_id in ids:
            t0 = time.perf_counter()
            await store.story(story_id)
            lookups.append(time.perf_counter() - t0)
    finally:
        await store.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "stories": report.stories,
        "yaml_mb": sum(p.stat().st_size for p in folder.rglob("*.yaml")) / 1e6,  # noqa: ASYNC240
        "parse_s": parse_s,
        "import_s": import_s,
        "import_ratio": import_s / parse_s,
        "reimport_s": reimport_s,
        "search_p50_ms": percentile(ours, 50) * 1000,
        "search_p99_ms": percentile(ours, 99) * 1000,
        "plain_p50_ms": percentile(plain, 50) * 1000,
        "plain_p99_ms": percentile(plain, 99) * 1000,
        "search_ratio": percentile(ours, 99) / percentile(plain, 99),
        "common_word_ms": common_ours * 1000,
        "common_word_plain_ms": common_plain * 1000,
        "lookup_p99_ms": percentile(lookups, 99) * 1000,
        "rss_mb": rss_mb,
    }


def child(size: int, queries: int) -> None:
    with tempfile.TemporaryDirectory(prefix="kindness-bench-") as tmp:
        folder = Path(tmp) / "content"
        vocab = generate(folder, size)
        result = asyncio.run(measure(folder, vocab, queries))
    print(json.dumps(result))


def report(size: int, r: dict[str, float]) -> None:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"\n== {size:,} stories ({r['yaml_mb']:.0f} MB of YAML) ==")
    print(
        f"import        {r['import_s']:.2f} s  vs bare YAML parse {r['parse_s']:.2f} s  "
        f"ratio {r['import_ratio']:.2f} (target <= {TARGETS['import_ratio']})  {mark(r['import_ratio'] <= 1.5)}"
    )
    print(f"re-import     {r['reimport_s'] * 1000:.0f} ms unchanged (target <= 200 ms)  {mark(r['reimport_s'] <= 0.2)}")
    print(
        f"search        p50 {r['search_p50_ms']:.2f} ms  p99 {r['search_p99_ms']:.2f} ms (target <= 5 ms)  "
        f"{mark(r['search_p99_ms'] <= 5)}"
    )
    print(
        f"  plain sqlite3 p50 {r['plain_p50_ms']:.2f} ms  p99 {r['plain_p99_ms']:.2f} ms; "
        f"p99 ratio {r['search_ratio']:.2f} (target <= 2)  {mark(r['search_ratio'] <= 2)}"
    )
    print(f"  most common word: {r['common_word_ms']:.1f} ms (plain sqlite3 {r['common_word_plain_ms']:.1f} ms)")
    print(f"lookup by id  p99 {r['lookup_p99_ms']:.3f} ms")
    print(
        f"peak RSS      {r['rss_mb']:.0f} MB (target <= 120 MB at 100k)  {mark(r['rss_mb'] <= 120 or size < 100_000)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.queries)
        return
    print(
        f"kindness-bot store benchmark (Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"{args.queries} queries per figure)"
    )
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--queries", str(args.queries)],
            capture_output=True,
            text=True,
            check=True,
        )
        report(size, json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
