"""Stories as plain text, for the terminal (``kindness-bot preview``, the demo)."""

from __future__ import annotations

import textwrap
from datetime import date

from bot.content import Quote, Story

__all__ = ["attribution", "day_heading", "render_text"]

WIDTH = 78


def attribution(quote: Quote) -> str:
    """Who said it: "name, role" for story quotes, "name, source" for general quotes."""
    extra = quote.role or quote.source
    return f"{quote.by}, {extra}" if extra else quote.by


def day_heading(day: date) -> str:
    """ "Saturday 21 November 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def render_text(story: Story, quote: Quote | None, *, heading: str | None = None) -> str:
    """A story post as readable text: title, story, the quote and who said it, source, id."""
    lines: list[str] = []
    if heading:
        lines += [heading, "=" * min(len(heading), WIDTH), ""]
    lines.append(story.title)
    details = " · ".join(part for part in (story.where, story.when_display) if part)
    if details:
        lines.append(details)
    lines.append("")
    lines += textwrap.wrap(story.story, WIDTH)
    if quote is not None:
        lines.append("")
        lines += textwrap.wrap(f"“{quote.text}”", WIDTH, initial_indent="  ", subsequent_indent="  ")
        lines.append(f"  — {attribution(quote)}")
    lines.append("")
    if story.source is not None:
        source = story.source.name + (f" <{story.source.url}>" if story.source.url else "")
        lines += textwrap.wrap(f"Source: {source}", WIDTH, subsequent_indent="  ")
    lines.append(f"Story ID: {story.id}")
    return "\n".join(lines)
