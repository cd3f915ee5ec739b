"""Fixtures shared by every test module: content folders and a bot in a simulated Discord."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import copy_shipped
from spec import spec_validator

from bot import create_bot
from bot.config import Config


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the shipped content."""
    return copy_shipped(tmp_path / "content")


@pytest.fixture
def bot_config(tmp_path: Path) -> Config:
    """A config with a fresh database in tmp_path and a writable copy of the shipped content."""
    root = copy_shipped(tmp_path / "bot-content")
    return Config(database=tmp_path / "bot.sqlite3", content=root, content_display="content")


@pytest.fixture
def simcord_bot(bot_config: Config):
    """A fresh bot for SimCord's ``simcord_env``, built only through the project's factory."""
    return create_bot(bot_config)


@dataclass
class World:
    """A server with a channel, a member and an admin, and the bot at READY with commands synced."""

    env: object
    guild: object
    channel: object
    member: object
    admin: object
    admin_role: object

    @property
    def bot(self):
        return self.env.bot


def assert_requests_match_spec(env) -> None:
    """Every REST body the bot sent validates against Discord's OpenAPI spec (skipped if absent)."""
    validator = spec_validator()
    if validator is None:
        return
    problems = []
    for entry in env.http_requests:
        problems += validator.errors(entry.method, entry.path, entry.json)
    assert problems == [], "\n".join(problems)


@pytest.fixture
async def world(simcord_env) -> World:
    """The usual arrangement for behaviour tests."""
    env = simcord_env
    await env.bot.tree.sync()
    guild = env.create_guild("Kind Place")
    channel = guild.create_text_channel("general")
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    member = guild.add_member(env.create_user("alice"))
    admin = guild.add_member(env.create_user("sam"), roles=[admin_role])
    yield World(env, guild, channel, member, admin, admin_role)
    assert_requests_match_spec(env)
    await env.bot.close()
