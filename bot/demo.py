"""``kindness-bot demo``: the real bot, offline, against a simulated Discord.

SimCord (an optional extra) runs the unmodified bot in-process against a
virtual Discord. The demo makes a server and a channel, then shows what a
member sees for ``/kindness today``, a search, and the daily post, as text
(and, with ``--png``, as screenshots rendered by the system's Chromium).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import discord

from bot.config import Config, DailyConfig, default_content_dir

__all__ = ["find_chromium", "render_message", "run_demo"]

WIDTH = 76
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium flags for a machine without a display or network (see the README).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """The path of a Chromium-family browser on this machine, if any."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _plain(text: str) -> str:
    """Discord markdown escapes and zero-width spaces removed, for a terminal."""
    text = re.sub(r"(?<!\\)\*\*", "", text)  # bold markers
    return re.sub(r"\\([*_~`|>#\-\[\]()\\])", r"\1", text).replace("\u200b", "")


def _wrap(text: str, prefix: str) -> list[str]:
    lines: list[str] = []
    for paragraph in _plain(text).split("\n"):
        lines += textwrap.wrap(paragraph, WIDTH - len(prefix), break_on_hyphens=False) or [""]
    return [prefix + line if line else prefix.rstrip() for line in lines]


def render_message(
    content: str, embeds: list[discord.Embed], components: list[dict[str, Any]], *, ephemeral: bool
) -> str:
    """A message as a member would read it, in plain text."""
    lines = ["kindness-bot  [APP]"]
    if content:
        lines += _wrap(content, "  ")
    for embed in embeds:
        lines += _embed_lines(embed)
    labels = _component_labels(components)
    if labels:
        lines.append("  " + " ".join(labels))
    if ephemeral:
        lines.append("  (only you can see this)")
    return "\n".join(lines)


def _embed_lines(embed: discord.Embed) -> list[str]:
    bar = "  ┃ "
    lines = [bar + _plain(embed.author.name)] if embed.author.name else []
    if embed.title:
        lines += _wrap(embed.title.upper(), bar)
    if embed.description:
        lines += _wrap(embed.description, bar)
    for field in embed.fields:
        lines += [bar.rstrip(), bar + _plain(field.name)]
        lines += _wrap(re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 <\2>", field.value), bar)
    if embed.footer.text:
        lines += [bar.rstrip(), bar + embed.footer.text]
    return lines


def _component_labels(components: list[dict[str, Any]]) -> list[str]:
    labels = []
    for row in components:
        for item in row.get("components", []):
            if item.get("type") == 2:
                labels.append(f"[ {item.get('label', '')} ]")
            elif item.get("type") == 3:
                labels.append(f"[ {item.get('placeholder', 'Select')} ▾ ]")
    return labels


def _show(title: str, response: Any) -> None:
    print(f"\n── {title} " + "─" * max(0, WIDTH - len(title) - 4))
    print(render_message(response.content, response.embeds, response.components, ephemeral=response.ephemeral))


@contextlib.contextmanager
def _system_chromium(path: str) -> Iterator[None]:
    """Make Playwright launch the system's Chromium (its own download is not needed)."""
    from playwright.async_api import BrowserType

    original = BrowserType.launch

    async def launch(self: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("executable_path", path)
        kwargs.setdefault("args", CHROMIUM_ARGS)
        return await original(self, **kwargs)

    BrowserType.launch = launch  # type: ignore[method-assign]
    try:
        yield
    finally:
        BrowserType.launch = original  # type: ignore[method-assign]


def run_demo(png_dir: Path | None = None, day: date | None = None) -> int:
    """Run the demo; returns the exit code."""
    try:
        import simcord  # noqa: F401
    except ImportError:
        print(
            "The demo runs the bot against SimCord, a simulated Discord, which is an optional extra:\n"
            "  pip install 'kindness-bot[demo]'    (from a clone: pip install -e '.[demo]')"
        )
        return 1
    chromium = None
    if png_dir is not None:
        chromium = find_chromium()
        problem = _screenshot_problem(chromium)
        if problem:
            print(problem)
            return 1
        png_dir.mkdir(parents=True, exist_ok=True)
    day = day or datetime.now().astimezone().date()
    if day < date(2026, 1, 1):
        print("The demo's date must be 2026-01-01 or later (the simulated clock starts there).")
        return 2
    return asyncio.run(_demo(day, png_dir, chromium))


def _screenshot_problem(chromium: str | None) -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Screenshots need Playwright: pip install 'kindness-bot[screenshots]' (or run without --png)."
    if chromium is None:
        return (
            "Screenshots need Chromium and none was found (looked for: " + ", ".join(CHROMIUM_NAMES) + ").\n"
            "Install it (Debian/Ubuntu: sudo apt install chromium) or run the demo without --png."
        )
    return None


async def _demo(day: date, png_dir: Path | None, chromium: str | None) -> int:
    import simcord

    from bot import create_bot

    with tempfile.TemporaryDirectory(prefix="kindness-demo-") as tmp:
        config = Config(
            database=Path(tmp) / "demo.sqlite3",
            content=default_content_dir(),
            content_display="content",
            daily=DailyConfig(),
        )
        bot = create_bot(config)
        try:
            async with simcord.run(bot) as env:
                start = datetime.combine(day, time(8, 55), UTC)
                await env.advance_time(max(0.0, (start - env.now()).total_seconds()))
                guild = env.create_guild("Kindness Demo")
                channel = guild.create_text_channel("general")
                admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
                alice = guild.add_member(env.create_user("alice"))
                sam = guild.add_member(env.create_user("sam"), roles=[admins])
                await bot.tree.sync()
                print(f"kindness-bot demo: the real bot, offline, on a simulated Discord ({day:%A %d %B %Y}).")
                print(f"Library: {bot.store.story_count} stories, {bot.store.quote_count} quotes.")

                async with contextlib.AsyncExitStack() as stack:
                    capture = await _capturer(stack, env, channel, viewers=[alice, sam], out=png_dir, chromium=chromium)
                    today = await alice.slash(channel, "kindness today")
                    _show("#general · alice used /kindness today", today.response)
                    await capture("today", alice, today)
                    search = await alice.slash(channel, "kindness search", query="child")
                    _show("#general · alice used /kindness search query: child", search.response)
                    await capture("search", alice, search)
                    first = search.response.components[0]["components"][0]["options"][0]["value"]
                    chosen = await alice.select(search.response, [first])
                    _show("#general · alice picked a result", chosen.response)
                    await capture("search-result", alice, chosen)
                    daily, _where = await _daily_post(bot, env, sam, channel)
                    print("\n── #general · 09:00, the daily post " + "─" * (WIDTH - 36))
                    print(render_message(daily.content, daily.embeds, [], ephemeral=False))
                    await capture("daily", alice, daily)
        finally:
            await bot.close()
    return 0


async def _daily_post(bot: Any, env: Any, admin: Any, channel: Any) -> tuple[Any, Any]:
    """An admin schedules the daily post for 09:00; at 09:00 it goes out. Returns it and its channel."""
    result = await admin.slash(channel, "kindness-admin schedule set", channel=channel, time="09:00", timezone="UTC")
    _show("#general · sam used /kindness-admin schedule set", result.response)
    post_at = env.now().replace(hour=9, minute=0, second=0, microsecond=0)
    await env.advance_time(max(0.0, (post_at - env.now()).total_seconds()))
    await bot.daily.run_due(env.now())
    return channel.last_message, channel


async def _capturer(
    stack: contextlib.AsyncExitStack,
    env: Any,
    channel: Any,
    *,
    viewers: list[Any],
    out: Path | None,
    chromium: str | None,
) -> Any:
    """A function that saves a screenshot of a message, or does nothing without ``--png``."""
    if out is None or chromium is None:

        async def skip(*_args: Any) -> None:
            return None

        return skip
    stack.enter_context(_system_chromium(chromium))
    preview = await stack.enter_async_context(env.preview(channel, viewers=viewers, width=900, height=900))

    async def capture(name: str, viewer: Any, target: Any) -> None:
        path = out / f"{name}.png"
        await preview.screenshot(path, viewer=viewer, target=target, allow_incomplete=True)
        print(f"saved {path}")

    return capture
