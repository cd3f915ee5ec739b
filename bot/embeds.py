"""How stories and quotes look on Discord: one embed per story, phone-friendly.

Text from content files or users is shown with markdown and mentions
escaped, so a story cannot format itself into something else or look like a
ping; and every send uses no allowed mentions unless an admin chose a role.
"""

from __future__ import annotations

from datetime import date

import discord

from bot.content import Quote, Story
from bot.render import attribution, day_heading

__all__ = ["COLOUR", "quote_embed", "safe", "story_embed"]

COLOUR = discord.Colour(0xE8915B)  # a warm apricot, readable on light and dark themes
DAILY_HEADER = "Kindness of the day"


def safe(text: str) -> str:
    """Content text made inert: no markdown formatting, no mention syntax."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def quote_block(quote: Quote) -> str:
    """A quote as a Discord quote block, with "— name, role" under it."""
    lines = [f"> {line}" if line else ">" for line in f"“{safe(quote.text)}”".splitlines()]
    lines.append(f"> — {safe(attribution(quote))}")
    return "\n".join(lines)


def story_embed(story: Story, quote: Quote | None, *, day: date | None = None) -> discord.Embed:
    """The embed for a story: title, story, where and when, quote, source, id in the footer.

    With ``day`` it is that day's kindness of the day.
    """
    description = safe(story.story)
    if quote is not None:
        description += "\n\n" + quote_block(quote)
    embed = discord.Embed(title=safe(story.title), description=description, colour=COLOUR)
    if day is not None:
        embed.set_author(name=f"{DAILY_HEADER} · {day_heading(day)}")
    if story.where:
        embed.add_field(name="Where", value=safe(story.where), inline=True)
    if story.when_display:
        embed.add_field(name="When", value=story.when_display, inline=True)
    if story.source is not None:
        name = safe(story.source.name)
        if story.source.url:
            label = name.replace("[", "(").replace("]", ")")
            value = f"[{label}]({story.source.url.replace(')', '%29')})"
        else:
            value = name
        embed.add_field(name="Source", value=value, inline=False)
    footer = f"Story ID: {story.id}"
    if day is not None:
        footer += f" · {day.isoformat()}"
    embed.set_footer(text=footer)
    return embed


def quote_embed(quote: Quote) -> discord.Embed:
    """A general kindness quote on its own."""
    return discord.Embed(description=quote_block(quote), colour=COLOUR).set_author(name="A kindness quote")
