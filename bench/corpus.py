"""A synthetic story library for the benchmarks: N stories as YAML, 1,000 per file.

Words are pronounceable nonsense drawn with Zipf's law, like real text: a few
words are in almost every story, most are rare.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import yaml

PER_FILE = 1000


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


def sample_words(db_path: Path, n: int, rng: random.Random) -> list[str]:
    """Words people might search for: a random word of a random story, ``n`` times.

    Drawing from the stories' own text follows Zipf's law, so common words come
    up often: the expensive case for a search engine.
    """
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        top = conn.execute("SELECT max(pk) FROM stories").fetchone()[0]
        words = []
        while len(words) < n:
            row = conn.execute("SELECT story FROM stories WHERE pk = ?", (rng.randint(1, top),)).fetchone()
            if row:
                words.append(rng.choice(row[0].rstrip(".").split()).lower())
        return words
    finally:
        conn.close()
