"""A plain `pip install` (a wheel, not the source tree) carries the stories and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_content_migrations_and_cogs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("kindness_bot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT / "content").as_posix() for p in (ROOT / "content").rglob("*.yaml")}
    assert {f"bot/_content/{rel}" for rel in shipped} <= names
    assert any(n.startswith("bot/migrations/") and n.endswith(".sql") for n in names)
    assert "cogs/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)
