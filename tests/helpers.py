"""Small builders shared by the tests: content folders written to tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot.config import default_content_dir

SHIPPED = default_content_dir()


def copy_shipped(dest: Path) -> Path:
    """A writable copy of the shipped content folder."""
    shutil.copytree(SHIPPED, dest)
    return dest


def story(story_id: str, **fields: object) -> dict[str, object]:
    """A valid story mapping; ``fields`` override or add keys."""
    data: dict[str, object] = {
        "id": story_id,
        "title": f"Title of {story_id}",
        "story": f"The story of {story_id}, told kindly.",
    }
    data.update(fields)
    return data


def write_library(root: Path, stories: list[dict[str, object]], quotes: int = 3, per_file: int = 0) -> Path:
    """Write ``stories`` (all in one file, or ``per_file`` to a file) and ``quotes`` general quotes."""
    (root / "stories").mkdir(parents=True, exist_ok=True)
    for old in (root / "stories").glob("*.yaml"):
        old.unlink()
    if per_file:
        for start in range(0, len(stories), per_file):
            chunk = stories[start : start + per_file]
            text = yaml.safe_dump({"stories": chunk}, allow_unicode=True, sort_keys=False)
            (root / "stories" / f"part-{start // per_file:04d}.yaml").write_text(text, encoding="utf-8")
    else:
        text = yaml.safe_dump({"stories": stories}, allow_unicode=True, sort_keys=False)
        (root / "stories" / "all.yaml").write_text(text, encoding="utf-8")
    if quotes:
        items = [{"text": f"General quote number {i}.", "by": f"Author {i}"} for i in range(quotes)]
        (root / "quotes.yaml").write_text(yaml.safe_dump({"quotes": items}), encoding="utf-8")
    elif (root / "quotes.yaml").exists():
        (root / "quotes.yaml").unlink()
    return root


def write_file(root: Path, rel: str, text: str | bytes) -> Path:
    """Write one file under ``root`` (text as UTF-8)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
