"""The bot: a ``commands.Bot`` that owns the store and loads the cogs.

Shared resources belong to the bot object (created in ``setup_hook``, closed
in ``close``) and reach the cogs through it; nothing is global.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

from bot.config import Config
from bot.content import ContentError
from bot.daily import DailyService
from bot.errors import KindnessTree
from bot.store import DailyPick, ImportReport, Store, scope_for

__all__ = ["EXTENSIONS", "INVITE_PERMISSIONS", "KindnessBot", "create_bot", "run_bot"]

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.stories", "cogs.admin")

# What the bot needs in a channel it posts to, and why (see the README):
# view it, send messages, send embeds, and read history to make sure a daily
# post interrupted by a crash is never sent twice.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)


class KindnessBot(commands.Bot):
    """kindness-bot. Build it with :func:`create_bot`."""

    def __init__(self, config: Config) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels, roles and permissions; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=KindnessTree,
            # Nothing the bot sends pings anyone unless a send opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.config = config
        self._store: Store | None = None
        self._daily: DailyService | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.started_at: datetime | None = None
        self._closed = False

    @property
    def store(self) -> Store:
        """The story store (available once ``setup_hook`` has run)."""
        if self._store is None:
            raise RuntimeError("the store is opened in setup_hook; the bot has not started")
        return self._store

    @property
    def daily(self) -> DailyService:
        """The daily post service (available once ``setup_hook`` has run)."""
        if self._daily is None:
            raise RuntimeError("the daily service starts in setup_hook; the bot has not started")
        return self._daily

    async def setup_hook(self) -> None:
        """Open the store, import changed content, load the cogs, sync a dev server if configured."""
        self.started_at = discord.utils.utcnow()
        self._store = await Store.open(self.config.database)
        log.info("Database: %s", self.config.database)
        try:
            await self._store.import_content(self.config.content, self.config.content_display)
        except ContentError as exc:
            log.error(
                "Content in %s has %d problem(s); serving the library from the database as it was:\n%s",
                self.config.content_display,
                len(exc.problems),
                "\n".join(exc.lines()),
            )
        log.info("Library: %d stories, %d quotes", self._store.story_count, self._store.quote_count)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._daily = DailyService(self, self._store, self.scheduler, self.config.daily)
        await self._daily.start(self.started_at)
        self.scheduler.start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.config.sync_guild:
            guild = discord.Object(id=self.config.sync_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to development server %s", len(synced), self.config.sync_guild)

    async def close(self) -> None:
        """Unload the cogs (stopping their work), disconnect, then close the database."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._daily is not None:
                await self._daily.stop()
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            await super().close()
        finally:
            if self._store is not None:
                await self._store.close()

    async def is_owner(self, user: discord.abc.User) -> bool:
        """The application's owner (or team), or anyone in ``owners`` in the config."""
        if user.id in self.config.owners:
            return True
        return await super().is_owner(user)

    async def reload_content(self) -> ImportReport:
        """Validate the content folder and swap it in atomically; raises ContentError and changes nothing."""
        return await self.store.import_content(self.config.content, self.config.content_display)

    async def reload_extensions(self) -> list[tuple[str, Exception | None]]:
        """Reload every extension; one that fails to load is rolled back by discord.py and reported."""
        results: list[tuple[str, Exception | None]] = []
        for name in sorted(self.extensions):
            try:
                await self.reload_extension(name)
            except commands.ExtensionError as exc:
                log.exception("Reloading %s failed; the previous version stays loaded", name)
                results.append((name, exc))
            else:
                results.append((name, None))
        return results

    async def kindness_of_the_day(self, guild_id: int | None, now: datetime | None = None) -> DailyPick | None:
        """The kindness of the day for a server (or for DMs when ``guild_id`` is None).

        The day is the server's local date in the time zone of its first daily
        schedule (UTC without one), so it is the same story the daily post shares.
        """
        now = now or discord.utils.utcnow()
        zone = await self.daily.guild_timezone(guild_id)
        return await self.store.pick_of_the_day(scope_for(guild_id), now.astimezone(zone).date())

    def invite_url(self) -> str | None:
        """The link that adds this bot to a server, with the permissions it needs."""
        if self.application_id is None:
            return None
        return discord.utils.oauth_url(
            self.application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
        )


def create_bot(config: Config) -> KindnessBot:
    """Build the bot for ``config``; it is not started."""
    return KindnessBot(config)


def run_bot(config: Config) -> int:
    """Connect to Discord and run until stopped; the exit code for the CLI."""
    bot = create_bot(config)
    try:
        bot.run(config.token or "", log_handler=None)
    except discord.LoginFailure:
        log.error("Discord rejected the token. Check DISCORD_TOKEN (or `token` in the config) and try again.")
        return 1
    return 0
