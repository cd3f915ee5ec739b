"""Member commands: /kindness today, random, story, search, quote, about."""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import COLOUR, quote_embed, safe, story_embed
from bot.errors import KindnessView, UserFacingError, reply_ephemeral
from bot.store import SEARCH_MAX_RESULTS

if TYPE_CHECKING:
    from bot.client import KindnessBot
    from bot.store import SearchHit

EMPTY_LIBRARY = "The story library is empty right now. A server admin can ask the bot's operator to add stories."
PAGE_SIZE = 5
SEARCH_TIMEOUT = 600  # seconds; well inside the 15 minutes an interaction token lives


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Stories(commands.Cog):
    """Reading the library."""

    kindness = app_commands.Group(name="kindness", description="True stories of everyday kindness")

    def __init__(self, bot: KindnessBot) -> None:
        self.bot = bot

    @kindness.command(name="today", description="The kindness of the day for this server")
    async def today(self, interaction: discord.Interaction) -> None:
        """Show the server's kindness of the day (the same story the daily post shares)."""
        pick = await self.bot.kindness_of_the_day(interaction.guild_id)
        if pick is None:
            await reply_ephemeral(interaction, EMPTY_LIBRARY)
            return
        await interaction.response.send_message(embed=story_embed(pick.story, pick.quote, day=pick.day))

    @kindness.command(name="random", description="A random story of kindness")
    async def random(self, interaction: discord.Interaction) -> None:
        """Show any story from the library."""
        story = await self.bot.store.random_story()
        if story is None:
            await reply_ephemeral(interaction, EMPTY_LIBRARY)
            return
        quote = await self.bot.store.quote_for(story)
        await interaction.response.send_message(embed=story_embed(story, quote))

    @kindness.command(name="story", description="Read a story by its title")
    @app_commands.describe(story="Start typing a title and pick one")
    async def story(self, interaction: discord.Interaction, story: app_commands.Range[str, 1, 100]) -> None:
        """Show the chosen story; typed text that is not an id finds the best title match."""
        store = self.bot.store
        found = await store.story(story)
        if found is None:
            matches = await store.autocomplete(story, limit=1)
            found = await store.story(matches[0][0]) if matches else None
        if found is None:
            await reply_ephemeral(
                interaction,
                f"I couldn't find a story called “{_clip(safe(story), 80)}”. "
                "Pick one from the list as you type, or try `/kindness search`.",
            )
            return
        await interaction.response.send_message(embed=story_embed(found, await store.quote_for(found)))

    @story.autocomplete("story")
    async def story_titles(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Up to 25 titles matching what is typed; the value is the story id."""
        found = await self.bot.store.autocomplete(current, limit=25)
        return [app_commands.Choice(name=_clip(title, 100), value=story_id) for story_id, title in found]

    @kindness.command(name="search", description="Search the stories")
    @app_commands.describe(query="Words to look for in titles, stories, places, tags and quotes")
    async def search(self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 100]) -> None:
        """Ranked results, five to a page, with buttons; choosing one shows it."""
        hits = await self.bot.store.search(query)
        if not hits:
            await reply_ephemeral(
                interaction,
                f"No stories match “{_clip(safe(query), 80)}”. Try fewer or different words, "
                "or `/kindness random` for a surprise.",
            )
            return
        view = SearchView(self.bot, interaction.user.id, query, hits)
        embed = await view.show_results()
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        view.origin = interaction

    @kindness.command(name="quote", description="A quote about kindness")
    async def quote(self, interaction: discord.Interaction) -> None:
        """Show a general kindness quote."""
        quote = await self.bot.store.random_quote()
        if quote is None:
            await reply_ephemeral(interaction, "There are no quotes in the library yet.")
            return
        await interaction.response.send_message(embed=quote_embed(quote))

    @kindness.command(name="about", description="What this bot is and how to add it to a server")
    async def about(self, interaction: discord.Interaction) -> None:
        """Explain the bot, the size of the library and how to invite it."""
        store = self.bot.store
        version, _imported = await store.content_version()
        embed = discord.Embed(
            title="kindness-bot",
            description=(
                "True stories of everyday kindness, retold warmly and briefly, each with a quote. "
                "A new kindness of the day every day, and a whole library to read."
            ),
            colour=COLOUR,
        )
        embed.add_field(name="Library", value=f"{store.story_count} stories · {store.quote_count} quotes", inline=True)
        if version:
            embed.add_field(name="Content version", value=f"`{version}`", inline=True)
        embed.add_field(
            name="Read",
            value="`/kindness today` · `/kindness random` · `/kindness story` · `/kindness search` · `/kindness quote`",
            inline=False,
        )
        embed.add_field(
            name="Server admins",
            value="`/kindness-admin schedule set` posts the kindness of the day at the time you choose.",
            inline=False,
        )
        invite = self.bot.invite_url()
        if invite:
            embed.add_field(name="Add me to your server", value=f"[Invite kindness-bot]({invite})", inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


class SearchView(KindnessView):
    """Pages through search results; picking one shows the story, with a way back."""

    def __init__(self, bot: KindnessBot, owner_id: int, query: str, hits: list[SearchHit]) -> None:
        super().__init__(timeout=SEARCH_TIMEOUT)
        self.bot = bot
        self.owner_id = owner_id
        self.query = query
        self.hits = hits
        self.page = 0
        self.snippets: dict[str, str] = {}
        self.origin: discord.Interaction | None = None
        self.menu: discord.ui.Select[SearchView] | None = None

    @property
    def pages(self) -> int:
        """How many pages of results there are."""
        return max(1, math.ceil(len(self.hits) / PAGE_SIZE))

    def page_hits(self) -> list[SearchHit]:
        """The results on the current page."""
        return self.hits[self.page * PAGE_SIZE : (self.page + 1) * PAGE_SIZE]

    async def show_results(self) -> discord.Embed:
        """Set up the results page (buttons and menu) and return its embed."""
        hits = self.page_hits()
        missing = [hit.id for hit in hits if hit.id not in self.snippets]
        self.snippets.update(await self.bot.store.snippets(missing, self.query))
        self.clear_items()
        menu = discord.ui.Select(
            placeholder="Read a story…",
            options=[
                discord.SelectOption(
                    label=_clip(hit.title, 100),
                    value=hit.id,
                    description=_clip(self.snippets.get(hit.id, ""), 100) or None,
                )
                for hit in hits
            ],
            row=0,
        )
        menu.callback = self.choose
        self.menu = menu
        self.add_item(menu)
        if self.pages > 1:
            previous = discord.ui.Button(label="Previous", emoji="◀️", disabled=self.page == 0, row=1)
            following = discord.ui.Button(label="Next", emoji="▶️", disabled=self.page >= self.pages - 1, row=1)
            previous.callback = self.previous_page
            following.callback = self.next_page
            self.add_item(previous)
            self.add_item(following)
        lines = [
            f"**{number}. {safe(hit.title)}**\n{_clip(safe(self.snippets.get(hit.id, '')), 160)}"
            for number, hit in enumerate(hits, start=self.page * PAGE_SIZE + 1)
        ]
        more = "+" if len(self.hits) >= SEARCH_MAX_RESULTS else ""
        embed = discord.Embed(
            title=_clip(f"Search: “{safe(self.query)}”", 256), description="\n\n".join(lines), colour=COLOUR
        )
        return embed.set_footer(
            text=f"Page {self.page + 1} of {self.pages} · {len(self.hits)}{more} stories · pick one below to read it"
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the member who searched can page (the reply is private anyway)."""
        if interaction.user.id != self.owner_id:
            raise UserFacingError("These are someone else's search results. Run `/kindness search` yourself.")
        return True

    async def previous_page(self, interaction: discord.Interaction) -> None:
        """Go back a page."""
        self.page = max(0, self.page - 1)
        await interaction.response.edit_message(embed=await self.show_results(), view=self)

    async def next_page(self, interaction: discord.Interaction) -> None:
        """Go forward a page."""
        self.page = min(self.pages - 1, self.page + 1)
        await interaction.response.edit_message(embed=await self.show_results(), view=self)

    async def choose(self, interaction: discord.Interaction) -> None:
        """Show the chosen story, with a button back to the results."""
        assert self.menu is not None
        story = await self.bot.store.story(self.menu.values[0])
        if story is None:
            await reply_ephemeral(interaction, "That story has just been removed from the library. Try another one.")
            return
        self.clear_items()
        back = discord.ui.Button(label="Back to results", emoji="↩️")
        back.callback = self.back
        self.add_item(back)
        embed = story_embed(story, await self.bot.store.quote_for(story))
        await interaction.response.edit_message(embed=embed, view=self)

    async def back(self, interaction: discord.Interaction) -> None:
        """Return to the page of results."""
        await interaction.response.edit_message(embed=await self.show_results(), view=self)

    async def on_timeout(self) -> None:
        """Remove the controls once they stop working."""
        if self.origin is not None:
            # The member may have dismissed the message already; then there is nothing to tidy.
            with contextlib.suppress(discord.HTTPException):
                await self.origin.edit_original_response(view=None)


async def setup(bot: KindnessBot) -> None:
    """Load the member commands."""
    await bot.add_cog(Stories(bot))
