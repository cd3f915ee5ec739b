"""`kindness-bot demo`: the real bot, offline, showing what a member sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import demo
from bot.cli import main


def test_the_demo_prints_the_kindness_of_the_day_with_its_quote(capsys) -> None:
    assert main(["demo", "--date", "2026-11-21"]) == 0
    out = capsys.readouterr().out
    assert "── #general · alice used /kindness today" in out
    assert "┃ Kindness of the day · Saturday 21 November 2026" in out
    assert "┃ > “" in out and "┃ > — " in out  # the attributed quote
    assert "── #general · alice used /kindness search" in out
    assert "── #general · 09:00, the daily post" in out
    assert "Story ID: " in out


def test_png_screenshots_need_a_browser(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(demo, "find_chromium", lambda: None)
    assert main(["demo", "--png", str(tmp_path / "shots")]) == 1
    out = capsys.readouterr().out
    assert "Screenshots need" in out
    assert not (tmp_path / "shots").exists()


@pytest.mark.skipif(demo.find_chromium() is None, reason="no Chromium on this machine for --png")
def test_png_screenshots_are_saved(capsys, tmp_path: Path) -> None:
    pytest.importorskip("playwright", reason="screenshots need the screenshots extra (Playwright)")
    assert main(["demo", "--date", "2026-11-21", "--png", str(tmp_path)]) == 0
    for name in ("today", "search", "daily"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_demo_refuses_a_date_before_the_simulated_clock(capsys) -> None:
    assert main(["demo", "--date", "2025-06-01"]) == 2
