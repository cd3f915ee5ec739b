"""Admin commands: /kindness-admin reload-content, preview, status; owner-only reload-cogs and sync.

The group is hidden from members without Manage Server (default permissions)
and every command checks that permission again on our side, because a server
can override who sees a command. All replies are ephemeral.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.content import ContentError
from bot.embeds import COLOUR, story_embed
from bot.errors import owner_only, reply_ephemeral

if TYPE_CHECKING:
    from bot.client import KindnessBot

MESSAGE_LIMIT = 2000


def problems_message(error: ContentError) -> str:
    """Content problems for a Discord message: as many ``path:line: message`` lines as fit."""
    count = len(error.problems)
    head = (
        f"❌ Content not reloaded: {count} problem{'s' if count != 1 else ''}. "
        "Members still see the stories exactly as before.\n"
        "Fix these, then run `/kindness-admin reload-content` again:\n```\n"
    )
    lines = [line.replace("`", "'")[:300] for line in error.lines()]

    def message(shown: list[str]) -> str:
        rest = count - len(shown)
        more = f"\n… and {rest} more (`kindness-bot check` lists them all)" if rest else ""
        return head + "\n".join(shown) + "\n```" + more

    shown: list[str] = []
    for line in lines:
        if len(message([*shown, line])) > MESSAGE_LIMIT:
            break
        shown.append(line)
    return message(shown)


def _ids(label: str, ids: list[str], limit: int = 10) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"{label}: {shown}{more}"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    parts.append(f"{minutes} min")
    return " ".join(parts)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Admin(commands.GroupCog, group_name="kindness-admin", group_description="Manage kindness-bot on this server"):
    """Server administration."""

    def __init__(self, bot: KindnessBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """The server-side gate: Discord hides these commands, we refuse them too."""
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @app_commands.command(name="reload-content", description="Check the content folder and swap it in")
    async def reload_content(self, interaction: discord.Interaction) -> None:
        """Validate and import the content; on problems, list them and change nothing."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self.bot.reload_content()
        except ContentError as exc:
            await interaction.followup.send(problems_message(exc), ephemeral=True)
            return
        if report.skipped:
            text = f"✅ Content is already up to date: {report.stories} stories, {report.quotes} quotes."
        else:
            lines = [
                f"✅ Content reloaded (version `{report.version}`): {report.stories} stories, {report.quotes} quotes.",
                f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed; "
                f"quotes {report.quotes_added} added, {report.quotes_removed} removed.",
            ]
            for label, ids in (("Added", report.added), ("Changed", report.changed), ("Removed", report.removed)):
                if ids:
                    lines.append(_ids(label, ids))
            text = "\n".join(lines)[:MESSAGE_LIMIT]
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="preview", description="See today's kindness of the day for this server")
    async def preview(self, interaction: discord.Interaction) -> None:
        """Today's post for this server, privately."""
        pick = await self.bot.kindness_of_the_day(interaction.guild_id)
        if pick is None:
            await reply_ephemeral(interaction, "The library is empty, so there is nothing to post.")
            return
        await interaction.response.send_message(
            "This is what today's post looks like:",
            embed=story_embed(pick.story, pick.quote, day=pick.day),
            ephemeral=True,
        )

    @app_commands.command(name="status", description="Library, uptime, latency and schedules")
    async def status(self, interaction: discord.Interaction) -> None:
        """What the bot is serving and how it is doing."""
        store = self.bot.store
        version, imported = await store.content_version()
        embed = discord.Embed(title="kindness-bot status", colour=COLOUR)
        embed.add_field(name="Library", value=f"{store.story_count} stories · {store.quote_count} quotes")
        imported_line = f"\nimported {imported}" if imported else ""
        embed.add_field(name="Content version", value=f"`{version or 'none'}`{imported_line}")
        if self.bot.started_at is not None:
            embed.add_field(name="Uptime", value=_duration(discord.utils.utcnow() - self.bot.started_at))
        latency = self.bot.latency
        embed.add_field(name="Latency", value=f"{latency * 1000:.0f} ms" if math.isfinite(latency) else "n/a")
        # Only the bot's owner sees where the operator keeps the database.
        is_owner = await self.bot.is_owner(interaction.user)
        embed.add_field(
            name="Database",
            value=f"`{self.bot.config.database if is_owner else self.bot.config.database.name}`",
            inline=False,
        )
        embed.add_field(name="Schedules", value=await self.schedules_summary(interaction.guild_id), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def schedules_summary(self, guild_id: int | None) -> str:
        """One line per daily post in this server."""
        return "none yet"

    @app_commands.command(name="reload-cogs", description="Owner only: reload every extension")
    @owner_only()
    async def reload_cogs(self, interaction: discord.Interaction) -> None:
        """Reload all extensions; a failing one keeps its previous version and is reported."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        results = await self.bot.reload_extensions()
        lines = []
        for name, error in results:
            if error is None:
                lines.append(f"✅ `{name}` reloaded")
            else:
                cause = error.__cause__ or error
                lines.append(f"❌ `{name}` kept its previous version: {type(cause).__name__}: {cause}"[:300])
        await interaction.followup.send("\n".join(lines)[:MESSAGE_LIMIT], ephemeral=True)

    @app_commands.command(name="sync", description="Owner only: publish slash commands to Discord")
    @app_commands.describe(scope="This server only (instant) or every server (global)")
    @owner_only()
    async def sync(self, interaction: discord.Interaction, scope: Literal["server", "global"] = "server") -> None:
        """Sync the command tree to this server or globally."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if scope == "global":
            synced = await self.bot.tree.sync()
            where = "every server (Discord may take a moment to show changes)"
        else:
            assert interaction.guild is not None
            self.bot.tree.copy_global_to(guild=interaction.guild)
            synced = await self.bot.tree.sync(guild=interaction.guild)
            where = "this server"
        await interaction.followup.send(f"✅ Synced {len(synced)} commands to {where}.", ephemeral=True)


async def setup(bot: KindnessBot) -> None:
    """Load the admin commands."""
    await bot.add_cog(Admin(bot))
