"""kindness-bot: true stories of everyday kindness, on Discord.

``create_bot(config)`` and ``load_config(path)`` are the two ways in; the bot
module (and discord.py) is only imported when a bot is actually built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bot.client import KindnessBot

__all__ = ["Config", "ConfigError", "create_bot", "load_config"]


def create_bot(config: Config) -> KindnessBot:
    """Build the bot for ``config`` (not started)."""
    from bot.client import create_bot as _create

    return _create(config)


def __getattr__(name: str) -> Any:
    if name == "KindnessBot":
        from bot.client import KindnessBot

        return KindnessBot
    raise AttributeError(name)
