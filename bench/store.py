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
import itertools
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

from bot.store import RANK_ALL_UP_TO, SEARCH_SQL, Store, any_word_query, search_query  # noqa: E402

PER_FILE = 1000
TARGETS = {"import_ratio": 1.5, "reimport_s": 0.2, "search_p99_ms": 5.0, "search_ratio": 2.0, "rss_mb": 120}


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Pronounceable made-up words, so searches hit a realistic spread of frequencies."""
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)))
    return sorted(words)


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(n)]


def generate(folder: Path, n: int, seed: int = 1) -> list[str]:
    """Write ``n`` stories under ``folder``; return the vocabulary used."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = zipf_weights(len(vocab))
    cumulative = list(itertools.accumulate(weights))

    def words(k: int) -> str:
        return " ".join(rng.choices(vocab, cum_weights=cumulative, k=k))

    (folder / "stories").mkdir(parents=True)
    for start in range(0, n, PER_FILE):
        batch = []
        for i in range(start, min(n, start + PER_FILE)):
            item = {
                "id": f"story-{i:06d}",
                "title": words(rng.randint(3, 8)).capitalize(),
                "story": words(rng.randint(60, 160)).capitalize() + ".",
                "where": words(2).title(),
                "when": f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}",
                "tags": sorted({rng.choice(vocab[:300]) for _ in range(rng.randint(1, 4))}),
                "source": {"name": words(3).title(), "url": f"https://example.org/{i}"},
            }
            if rng.random() < 0.6:
                item["quotes"] = [{"text": words(rng.randint(6, 25)).capitalize() + ".", "by": words(2).title()}]
            batch.append(item)
        text = yaml.safe_dump({"stories": batch}, allow_unicode=True, sort_keys=False, width=100)
        (folder / "stories" / f"part-{start // PER_FILE:04d}.yaml").write_text(text, encoding="utf-8")
    quotes = [{"text": words(12).capitalize() + ".", "by": words(2).title()} for _ in range(50)]
    (folder / "quotes.yaml").write_text(yaml.safe_dump({"quotes": quotes}), encoding="utf-8")
    return vocab


def bare_parse(folder: Path) -> float:
    """Seconds to parse every content file with PyYAML's C loader, nothing else."""
    files = [*sorted((folder / "stories").glob("*.yaml")), folder / "quotes.yaml"]
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as handle:
            yaml.load(handle, Loader=yaml.CSafeLoader)
    return time.perf_counter() - started


def plain_search(conn: sqlite3.Connection, text: str) -> list[tuple[str, str, str]]:
    """What ``Store.search`` asks SQLite, on a plain sqlite3 connection (the baseline)."""
    query = search_query(text)
    if query is None:
        return []
    params = {"q": query, "cap": RANK_ALL_UP_TO, "limit": 50}
    rows = conn.execute(SEARCH_SQL, params).fetchall()
    fallback = any_word_query(query)
    if not rows and fallback is not None:
        rows = conn.execute(SEARCH_SQL, {**params, "q": fallback}).fetchall()
    return rows


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

        terms = [rng.choice(vocab) for _ in range(queries)]
        for term in terms[:50]:  # warm both paths' page caches alike
            await store.search(term)
        ours = []
        for term in terms:
            t0 = time.perf_counter()
            await store.search(term)
            ours.append(time.perf_counter() - t0)
        plain = []
        conn = sqlite3.connect(db_path)
        try:
            for term in terms:
                t0 = time.perf_counter()
                plain_search(conn, term)
                plain.append(time.perf_counter() - t0)
            common = vocab[0]
            t0 = time.perf_counter()
            plain_search(conn, common)
            common_plain = time.perf_counter() - t0
        finally:
            conn.close()
        t0 = time.perf_counter()
        await store.search(common)
        common_ours = time.perf_counter() - t0

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
