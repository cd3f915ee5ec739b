"""The ``kindness-bot`` command line: check, preview, run, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from bot.config import Config, ConfigError, default_content_dir, load_config
from bot.content import ContentError, load_library

__all__ = ["main"]

CONNECT_HELP = """\
kindness-bot needs a Discord bot token to connect.
  1. Open https://discord.com/developers/applications and create (or pick) an application.
  2. Under "Bot", press "Reset Token" and copy it.
  3. Run:  DISCORD_TOKEN=<your token> kindness-bot run
     (or put `token:` in your config file; the environment variable wins).
To see the bot working without a token, run:  kindness-bot demo"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kindness-bot", description="A Discord bot that shares true stories of everyday kindness."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="validate the content folder (and a config file)")
    check.add_argument("--content", metavar="DIR", help="content folder (default: the config's, else the shipped one)")
    check.add_argument("--config", metavar="FILE", help="also validate this config file")

    preview = sub.add_parser("preview", help="print the kindness-of-the-day post for a date")
    preview.add_argument("--date", metavar="YYYY-MM-DD", type=_date, help="the date (default: today)")
    preview.add_argument("--content", metavar="DIR", help="content folder (default: the config's, else shipped)")
    preview.add_argument("--config", metavar="FILE", help="config file to take the content folder from")

    run = sub.add_parser("run", help="connect to Discord and run the bot")
    run.add_argument("--config", metavar="FILE", help="config file (default: built-in defaults)")

    demo = sub.add_parser("demo", help="run the real bot offline against a simulated Discord")
    demo.add_argument("--png", metavar="DIR", type=Path, help="also save PNG screenshots here (needs Chromium)")
    demo.add_argument("--date", metavar="YYYY-MM-DD", type=_date, help="the demo's day (default: today)")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _shown(path: Path) -> str:
    """A path as people should read it: relative to here when it is below here."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _content_location(args: argparse.Namespace, config: Config | None) -> tuple[Path, str]:
    if args.content:
        return Path(args.content), args.content
    if config is not None and config.path is not None:
        return config.content, _shown(config.content)
    default = default_content_dir()
    return default, _shown(default)


def _load_config(path: str | None) -> Config | None:
    return load_config(path) if path is not None else None


def cmd_check(args: argparse.Namespace) -> int:
    """Validate content (and config); print a summary, or every problem."""
    problems: list[str] = []
    config = None
    try:
        config = _load_config(args.config)
    except ConfigError as exc:
        problems += exc.problems
    root, shown = _content_location(args, config)
    library = None
    try:
        library = load_library(root, shown)
    except ContentError as exc:
        problems += exc.lines()
    if problems or library is None:
        for line in problems:
            print(line)
        print(f"{len(problems)} problem(s) found; nothing was changed.", file=sys.stderr)
        return 1
    extra = f"; config {args.config} is valid" if config is not None else ""
    print(f"OK: {shown} is valid: {len(library.stories)} stories, {len(library.quotes)} quotes{extra}.")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    """Print the kindness-of-the-day post for a date, as text."""
    config = _load_config(args.config)
    root, shown = _content_location(args, config)
    day = args.date or datetime.now().astimezone().date()
    try:
        text = asyncio.run(_preview(root, shown, day))
    except ContentError as exc:
        for line in exc.lines():
            print(line)
        print(
            f"{len(exc.problems)} problem(s) in {shown}; run `kindness-bot check` after fixing them.", file=sys.stderr
        )
        return 1
    print(text)
    return 0


async def _preview(root: Path, shown: str, day: date) -> str:
    from bot.render import day_heading, render_text
    from bot.store import Store

    # A throwaway database: previewing never changes what the bot will post.
    with tempfile.TemporaryDirectory(prefix="kindness-preview-") as tmp:
        store = await Store.open(Path(tmp) / "preview.sqlite3")
        try:
            await store.import_content(root, shown)
            pick = await store.pick_of_the_day("global", day)
        finally:
            await store.close()
    assert pick is not None  # an import that succeeded has at least one story
    return render_text(pick.story, pick.quote, heading=f"Kindness of the day · {day_heading(day)}")


def cmd_run(args: argparse.Namespace) -> int:
    """Connect to Discord with the configured token."""
    config = _load_config(args.config) or load_config(None)
    if not config.token:
        print(CONNECT_HELP, file=sys.stderr)
        return 1
    _setup_logging(config.log_level)
    from bot.client import run_bot

    return run_bot(config)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the offline demo."""
    from bot.demo import run_demo

    return run_demo(png_dir=args.png, day=args.date)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )


COMMANDS = {"check": cmd_check, "preview": cmd_preview, "run": cmd_run, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kindness-bot`` and ``python -m bot``."""
    args = _parser().parse_args(argv)
    if os.environ.get("KINDNESS_DEBUG"):
        _setup_logging("DEBUG")
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
