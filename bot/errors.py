"""One place that turns errors into short, ephemeral, actionable replies.

Every app command, autocomplete and view routes its errors here. Expected
problems (a missing permission, a bad option) get a sentence saying what to
do; anything unexpected is logged with an id that the user sees too, so the
operator can find it. A cog opts out by setting ``handles_own_errors = True``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

__all__ = [
    "KindnessTree",
    "KindnessView",
    "NotOwner",
    "UserFacingError",
    "owner_only",
    "reply_ephemeral",
]

log = logging.getLogger(__name__)

_PERMISSION_NAMES = {
    "manage_guild": "Manage Server",
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
    "mention_everyone": "Mention @everyone, @here and All Roles",
}


class UserFacingError(app_commands.AppCommandError):
    """An expected problem; its message is shown to the user as is."""


class NotOwner(app_commands.CheckFailure):
    """The command is for the bot's owner only."""


def owner_only() -> Any:
    """A check: the application owner, or a user listed in ``owners`` in the config."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if await interaction.client.is_owner(interaction.user):  # type: ignore[attr-defined]
            return True
        raise NotOwner("owner only")

    return app_commands.check(predicate)


def permission_names(names: list[str]) -> str:
    """Permission flags as Discord's UI names them: "Send Messages and Embed Links"."""
    labels = [_PERMISSION_NAMES.get(n, n.replace("_", " ").title()) for n in names]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


_EXPLANATIONS: list[tuple[type[BaseException], Callable[[Any], str]]] = [
    (UserFacingError, str),
    (NotOwner, lambda _e: "Only the bot's owner can do that."),
    (
        app_commands.MissingPermissions,
        lambda e: f"You need the **{permission_names(e.missing_permissions)}** permission to use this.",
    ),
    (
        app_commands.BotMissingPermissions,
        lambda e: (
            f"I need the **{permission_names(e.missing_permissions)}** permission here. "
            "Ask a server admin to grant it to my role or in this channel's settings."
        ),
    ),
    (app_commands.NoPrivateMessage, lambda _e: "This command only works in a server."),
    (app_commands.CommandOnCooldown, lambda e: f"Slow down a little: try again in {e.retry_after:.0f} s."),
    (app_commands.TransformerError, lambda e: f"“{e.value}” is not a valid value for this option."),
    (app_commands.CheckFailure, lambda _e: "You can't use this command here."),
]


def describe(error: BaseException) -> str | None:
    """The message for an expected error, or ``None`` if it is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, UserFacingError):
        error = error.original
    for kind, explain in _EXPLANATIONS:
        if isinstance(error, kind):
            return explain(error)
    return None


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer privately, whether or not the interaction was already answered."""
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        # The interaction may have expired (3 s to answer, 15 min to follow up).
        log.warning("Could not tell %s about an error: %s", interaction.user, exc)


async def handle(interaction: discord.Interaction, error: BaseException) -> None:
    """Reply to ``interaction`` about ``error``; log unexpected ones with an id."""
    message = describe(error)
    if message is None:
        error_id = secrets.token_hex(4)
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else interaction.type.name
        log.error(
            "Unexpected error %s in %s (user %s, guild %s)",
            error_id,
            command,
            interaction.user.id,
            interaction.guild_id,
            exc_info=(type(original), original, original.__traceback__),
        )
        message = (
            "Something went wrong on our side and it has been logged. "
            f"If it keeps happening, give the bot's operator this error id: `{error_id}`."
        )
    await reply_ephemeral(interaction, message)


class KindnessTree(app_commands.CommandTree):
    """The command tree with the central error handler."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Route every app-command error to :func:`handle`, unless the command's cog handles its own."""
        command = interaction.command
        binding = getattr(command, "binding", None)
        if binding is not None and getattr(binding, "handles_own_errors", False):
            return
        await handle(interaction, error)


class KindnessView(discord.ui.View):
    """A view whose errors go through the central handler like commands'."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        """Route component errors to :func:`handle`."""
        await handle(interaction, error)
