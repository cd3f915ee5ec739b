"""The command line: check, preview, and the token rules of run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SHIPPED, story, write_file, write_library

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_on_the_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--content", str(SHIPPED))
    assert code == 0
    assert out.count("\n") == 1
    assert "4 stories" in out and "33 quotes" in out


def test_check_lists_every_problem_of_a_broken_folder(capsys, tmp_path: Path) -> None:
    root = write_library(tmp_path / "content", [story("a")])
    write_file(root, "stories/b.yaml", "id: b\ntitle: 5\nstory: S\nmood: happy\n")
    write_file(root, "stories/c.yaml", "id: a\ntitle: T\nstory: S\n")
    code, out, err = run(capsys, "check", "--content", str(root))
    assert code == 1
    lines = out.splitlines()
    assert lines == [
        f"{root}/stories/b.yaml:2: title must be text (put it in quotes), not a number",
        f"{root}/stories/b.yaml:4: mood is not a known key "
        "(expected one of: id, title, story, where, when, tags, source, quotes)",
        f"{root}/stories/c.yaml:1: duplicate id 'a' (first defined at {root}/stories/all.yaml:2)",
    ]
    assert "3 problem(s)" in err


def test_check_shows_paths_as_the_user_wrote_them(capsys, tmp_path: Path, monkeypatch) -> None:
    write_file(tmp_path / "content", "stories/bus.yaml", "id: bus\ntitle: Bus\nstory: S\nquotes:\n  - text: hi\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--content", "content")
    assert code == 1
    assert out.splitlines() == ["content/stories/bus.yaml:5: quotes[0].by is required"]


def test_check_validates_a_config_too(capsys, tmp_path: Path) -> None:
    config = write_file(
        tmp_path, "config.yaml", "daily:\n  channels:\n    - channel: 1\n      time: noon\n      timezone: UTC\n"
    )
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 1
    assert "daily.channels[0].time" in out


def test_check_uses_the_configs_content_folder(capsys, tmp_path: Path) -> None:
    write_library(tmp_path / "mine", [story("only")], quotes=1)
    config = write_file(tmp_path, "config.yaml", "content: mine\n")
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 0
    assert "1 stories, 1 quotes" in out


def test_preview_prints_a_post_with_an_attributed_quote(capsys) -> None:
    code, out, _ = run(capsys, "preview", "--date", "2026-11-21", "--content", str(SHIPPED))
    assert code == 0
    assert out.startswith("Kindness of the day · Saturday 21 November 2026\n")
    assert "“" in out and "\n  — " in out
    assert "Source: " in out and "Story ID: " in out


def test_preview_is_stable_for_a_date_and_changes_nothing(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    first = run(capsys, "preview", "--date", "2026-12-25")[1]
    second = run(capsys, "preview", "--date", "2026-12-25")[1]
    assert first == second
    assert list(tmp_path.iterdir()) == []  # no database left behind, here or in the data folder


def test_preview_of_broken_content_lists_the_problems(capsys, tmp_path: Path) -> None:
    root = tmp_path / "content"
    write_file(root, "stories/a.yaml", "id: a\n")
    code, out, _ = run(capsys, "preview", "--content", str(root))
    assert code == 1
    assert f"{root}/stories/a.yaml:1: story is required" in out


def test_preview_rejects_a_bad_date(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["preview", "--date", "21/11/2026"])
    assert caught.value.code == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err


def test_run_without_a_token_explains_how_to_get_one(capsys, monkeypatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code, _out, err = run(capsys, "run")
    assert code == 1
    assert "DISCORD_TOKEN" in err and "kindness-bot demo" in err and "developers/applications" in err


def test_the_console_script_and_python_dash_m_both_work(tmp_path: Path) -> None:
    for cmd in (["kindness-bot"], [sys.executable, "-m", "bot"]):
        exe = Path(sys.executable).parent / cmd[0] if cmd == ["kindness-bot"] else None
        argv = [str(exe)] if exe is not None else cmd
        done = subprocess.run([*argv, "check"], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert "OK:" in done.stdout


def test_the_readme_example_is_what_preview_prints(capsys) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```text\n", 1)[1].split("```", 1)[0]
    date = block.splitlines()[0].rsplit(" ", 3)[-3:]
    day = {
        "January": 1,
        "February": 2,
        "March": 3,
        "April": 4,
        "May": 5,
        "June": 6,
        "July": 7,
        "August": 8,
        "September": 9,
        "October": 10,
        "November": 11,
        "December": 12,
    }[date[1]]
    code, out, _ = run(capsys, "preview", "--date", f"{date[2]}-{day:02d}-{int(date[0]):02d}")
    assert code == 0
    shown = [line for line in block.splitlines() if line != "[...]"]
    printed = out.splitlines()
    assert all(line in printed for line in shown)
    assert shown[:6] == printed[:6] and shown[-5:] == printed[-5:]
