"""The first stories are faithful retellings of the seed articles in ../shared/seeds.

Quotes are verbatim and attributed; the story text is our own words (no run
of eight words copied from an article).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import SHIPPED

from bot.content import load_library

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles not found at {SEEDS}")
RUN = 8


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def _articles() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def test_there_is_one_story_per_seed_article() -> None:
    assert len(load_library(SHIPPED).stories) == len(_articles()) == 4


def test_every_story_quote_is_verbatim_from_an_article() -> None:
    articles = _articles()
    for story in load_library(SHIPPED).stories:
        for quote in story.quotes:
            assert any(quote.text in article for article in articles), (story.id, quote.text)


def test_no_story_copies_a_run_of_words_from_an_article() -> None:
    corpus = [" ".join(_words(a)) for a in _articles()]
    for story in load_library(SHIPPED).stories:
        words = _words(story.story)
        copied = [
            " ".join(words[i : i + RUN])
            for i in range(len(words) - RUN + 1)
            if any(" ".join(words[i : i + RUN]) in article for article in corpus)
        ]
        assert copied == [], story.id


def test_named_people_in_stories_appear_in_the_articles() -> None:
    """Nothing invented: every capitalised name we print is in some article."""
    text = " ".join(_articles())
    for story in load_library(SHIPPED).stories:
        for quote in story.quotes:
            if quote.by[0].isupper() and not quote.by.startswith(("The ", "A ")):
                assert quote.by in text, quote.by
        if story.where:
            assert story.where.split(",")[0] in text
