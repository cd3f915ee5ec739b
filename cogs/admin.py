"""Admin commands: /kindness-admin reload-content, preview, status; owner-only reload-cogs and sync.

The group is hidden from members without Manage Server (default permissions)
and every command checks that permission again on our side, because a server
can override who sees a command. All replies are ephemeral.
"""

from __future__ import annotations

import difflib
import functools
import math
import zoneinfo
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import parse_time, parse_timezone
from bot.content import ContentError
from bot.daily import Schedule, describe_moment, missing_permissions
from bot.embeds import COLOUR, story_embed
from bot.errors import owner_only, permission_names, reply_ephemeral

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
        schedules = await self.bot.daily.schedules(guild_id)
        if not schedules:
            return "none (`/kindness-admin schedule set` adds one)"
        lines = [f"<#{s.channel_id}> {s.time} {s.timezone} · {_state(s)}" for s in schedules[:10]]
        if len(schedules) > 10:
            lines.append(f"… and {len(schedules) - 10} more (`/kindness-admin schedule list`)")
        return "\n".join(lines)

    # -- daily posts ---------------------------------------------------------

    schedule = app_commands.Group(name="schedule", description="Daily posts of the kindness of the day")

    @schedule.command(name="set", description="Post the kindness of the day in a channel every day")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, 24-hour HH:MM, e.g. 09:00",
        timezone="Time zone, e.g. Europe/London (start typing to pick one)",
        role="A role to ping with each post (optional)",
    )
    async def schedule_set(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        role: discord.Role | None = None,
    ) -> None:
        """Create or change a channel's daily post, after checking the bot can post there."""
        problem = _schedule_problem(channel, time, timezone, role)
        if problem:
            await reply_ephemeral(interaction, problem)
            return
        now = discord.utils.utcnow()
        schedule = await self.bot.daily.set_schedule(
            guild_id=channel.guild.id,
            channel_id=channel.id,
            time_text=time,
            timezone=timezone,
            mention_role=role.id if role else None,
            now=now,
        )
        _day, first = await self.bot.daily.next_post(schedule, now)
        ping = f", mentioning {role.mention}" if role else ""
        await interaction.response.send_message(
            f"✅ The kindness of the day will be posted in {channel.mention} every day at {schedule.time} "
            f"({schedule.timezone}){ping}.\nFirst post: {describe_moment(first, schedule.zone)}.",
            ephemeral=True,
        )

    @schedule_set.autocomplete("timezone")
    async def timezone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Time zones containing what is typed, those starting with it first."""
        return [app_commands.Choice(name=zone, value=zone) for zone in _matching_zones(current)]

    @schedule.command(name="list", description="This server's daily posts, with their next post time")
    async def schedule_list(self, interaction: discord.Interaction) -> None:
        """Each schedule with its next post in local time and UTC, its state and last error."""
        schedules = await self.bot.daily.schedules(interaction.guild_id)
        if not schedules:
            await reply_ephemeral(
                interaction, "No daily posts yet. `/kindness-admin schedule set` posts the kindness of the day."
            )
            return
        now = discord.utils.utcnow()
        embed = discord.Embed(title="Daily posts", colour=COLOUR)
        for item in schedules[:25]:
            _day, upcoming = await self.bot.daily.next_post(item, now)
            channel = self.bot.get_channel(item.channel_id)
            lines = [
                f"<#{item.channel_id}> every day at {item.time} {item.timezone}"
                + (f", mentioning <@&{item.mention_role}>" if item.mention_role else ""),
                f"Next post: {describe_moment(upcoming, item.zone) if item.enabled else 'none while paused'}",
                f"State: {_state(item)}",
            ]
            if item.last_error:
                when = f" ({item.last_error_at:%Y-%m-%d %H:%M} UTC)" if item.last_error_at else ""
                lines.append(f"Last error: {item.last_error}{when}")
            name = f"#{channel.name}" if isinstance(channel, discord.abc.GuildChannel) else f"Channel {item.channel_id}"
            embed.add_field(name=name[:256], value="\n".join(lines)[:1024], inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @schedule.command(name="remove", description="Stop and delete a channel's daily post")
    async def schedule_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Delete the schedule of ``channel``."""
        if not await self._own_schedule(interaction, channel):
            return
        await self.bot.daily.remove_schedule(channel.id)
        await reply_ephemeral(interaction, f"🗑️ Removed the daily post in {channel.mention}.")

    @schedule.command(name="pause", description="Pause a channel's daily post")
    async def schedule_pause(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop posting in ``channel`` until resumed."""
        if not await self._own_schedule(interaction, channel):
            return
        await self.bot.daily.pause(channel.id, f"paused by {interaction.user.display_name}")
        await reply_ephemeral(
            interaction, f"⏸️ Paused the daily post in {channel.mention}. `/kindness-admin schedule resume` restarts it."
        )

    @schedule.command(name="resume", description="Resume a paused daily post")
    async def schedule_resume(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Post again from now on; posts missed while paused are not caught up."""
        if not await self._own_schedule(interaction, channel):
            return
        missing = missing_permissions(channel)
        if missing:
            await reply_ephemeral(interaction, _missing_message(channel, missing))
            return
        now = discord.utils.utcnow()
        schedule = await self.bot.daily.resume(channel.id, now)
        assert schedule is not None
        _day, upcoming = await self.bot.daily.next_post(schedule, now)
        await reply_ephemeral(
            interaction,
            f"▶️ Resumed the daily post in {channel.mention}. Next post: {describe_moment(upcoming, schedule.zone)}.",
        )

    @app_commands.command(name="post-now", description="Post the kindness of the day in a channel right now")
    async def post_now(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Post now; if the channel's post for today has not gone out, this one counts as today's."""
        missing = missing_permissions(channel)
        if missing:
            await reply_ephemeral(interaction, _missing_message(channel, missing))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        message, counted = await self.bot.daily.post_now(channel, discord.utils.utcnow())
        note = " It counts as today's daily post there, so that one won't go out again today." if counted else ""
        await interaction.followup.send(f"✅ Posted in {channel.mention}: {message.jump_url}{note}", ephemeral=True)

    @app_commands.command(name="skip", description="Skip the next daily post in a channel")
    async def skip(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Skip the next post of ``channel``'s schedule."""
        if not await self._own_schedule(interaction, channel):
            return
        day = await self.bot.daily.skip_next(channel.id, discord.utils.utcnow())
        await reply_ephemeral(
            interaction, f"⏭️ The post on {day:%A} {day.day} {day:%B} in {channel.mention} will be skipped."
        )

    async def _own_schedule(self, interaction: discord.Interaction, channel: discord.TextChannel) -> bool:
        """Whether ``channel`` has a schedule (in this server); if not, say so."""
        schedule = await self.bot.daily.schedule(channel.id)
        if schedule is None or (schedule.guild_id not in (None, interaction.guild_id)):
            await reply_ephemeral(
                interaction,
                f"{channel.mention} has no daily post. `/kindness-admin schedule list` shows this server's.",
            )
            return False
        return True

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


def _state(schedule: Schedule) -> str:
    if not schedule.enabled:
        return f"⏸️ paused ({schedule.paused_reason or 'paused'})"
    if schedule.skip_day:
        return f"✅ active; skipping {schedule.skip_day:%a} {schedule.skip_day.day} {schedule.skip_day:%b}"
    return "✅ active"


@functools.cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def _matching_zones(text: str, limit: int = 25) -> list[str]:
    key = text.strip().casefold().replace(" ", "_")
    zones = _all_zones()
    if not key:
        return list(zones[:limit])
    starts = [z for z in zones if z.casefold().startswith(key) or z.casefold().split("/")[-1].startswith(key)]
    contains = [z for z in zones if key in z.casefold() and z not in starts]
    return (starts + contains)[:limit]


def _missing_message(channel: discord.abc.GuildChannel, missing: list[str]) -> str:
    return (
        f"I can't post in {channel.mention}: I'm missing **{permission_names(missing)}** there. "
        "Give my role those permissions in the channel's settings, then try again."
    )


def _schedule_problem(channel: discord.TextChannel, time: str, timezone: str, role: discord.Role | None) -> str | None:
    """What is wrong with a `schedule set`, as advice; None when it can go ahead."""
    if parse_time(time) is None:
        return f"“{time}” isn't a time I understand. Use 24-hour HH:MM, for example `09:00` or `18:30`."
    if parse_timezone(timezone) is None:
        close = difflib.get_close_matches(timezone, _all_zones(), n=3)
        hint = f" Did you mean {', '.join(f'`{z}`' for z in close)}?" if close else ""
        return (
            f"“{timezone}” isn't a time zone I know.{hint} Pick one from the list as you type, "
            "like `Europe/London` or `America/New_York`."
        )
    missing = missing_permissions(channel)
    if missing:
        return _missing_message(channel, missing)
    if role is not None:
        if role.is_default():
            return "The daily post never pings @everyone. Pick a role that people can join instead."
        if not role.mentionable and not channel.permissions_for(channel.guild.me).mention_everyone:
            return (
                f"I can't ping {role.mention}: it isn't mentionable. Turn on “Allow anyone to @mention this role” "
                "in the role's settings (or give me Mention @everyone, @here and All Roles), then try again."
            )
    return None


async def setup(bot: KindnessBot) -> None:
    """Load the admin commands."""
    await bot.add_cog(Admin(bot))
