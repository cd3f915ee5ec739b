"""Every extension loads, command names are unique, definitions match Discord's spec, errors are handled."""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path

import pytest
import simcord
from discord import app_commands
from spec import MISSING, spec_validator

from bot.client import EXTENSIONS

COGS = Path(__file__).resolve().parents[1] / "cogs"


def test_every_extension_in_cogs_is_loaded_by_the_bot() -> None:
    found = {f"cogs.{p.stem}" for p in COGS.glob("*.py") if p.stem != "__init__"}
    assert found == set(EXTENSIONS)
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        assert callable(module.setup)


def _names(commands, prefix: str = "") -> list[str]:
    names = []
    for command in commands:
        names.append(prefix + command.name)
        if isinstance(command, app_commands.Group):
            names += _names(command.commands, prefix + command.name + " ")
    return names


async def test_command_names_do_not_collide(world) -> None:
    names = _names(world.bot.tree.get_commands())
    assert len(names) == len(set(names))
    assert {"kindness today", "kindness search", "kindness-admin reload-content", "kindness-admin sync"} <= set(names)
    for name in names:
        assert re.fullmatch(r"[-_a-z0-9 ]{1,100}", name), name


async def test_every_command_definition_matches_discords_spec(world) -> None:
    validator = spec_validator()
    if validator is None:
        pytest.skip(MISSING)
    tree = world.bot.tree
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    assert validator.errors("PUT", "/applications/1/commands", payload) == []


def test_the_spec_validator_catches_a_bad_body() -> None:
    validator = spec_validator()
    if validator is None:
        pytest.skip(MISSING)
    assert validator.errors("POST", "/channels/1/messages", {"embeds": [{"title": 5}]})
    assert validator.errors("POST", "/channels/1/messages", {"content": "hi", "allowed_mentions": {"parse": []}}) == []


async def test_an_unexpected_error_is_logged_with_an_id_the_user_sees(world, monkeypatch, caplog) -> None:
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(world.bot.store, "random_story", broken)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await world.member.slash(world.channel, "kindness random")
    assert result.ephemeral
    error_id = re.search(r"error id: `([0-9a-f]{8})`", result.response.content).group(1)
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert "database on fire" not in result.response.content
    simcord.assert_error(world.env, app_commands.CommandInvokeError)


async def test_a_cog_can_opt_out_of_the_central_error_handler(world) -> None:
    from discord.ext import commands

    class Quiet(commands.Cog):
        handles_own_errors = True

        @app_commands.command(name="quiet-fail", description="Fails; this cog answers its own errors")
        async def quiet_fail(self, interaction) -> None:
            raise RuntimeError("handled elsewhere")

        async def cog_app_command_error(self, interaction, error) -> None:
            await interaction.response.send_message("the cog's own answer", ephemeral=True)

    await world.bot.add_cog(Quiet())
    await world.bot.tree.sync()
    result = await world.member.slash(world.channel, "quiet-fail")
    assert result.response.content == "the cog's own answer"  # not also the central handler's reply
    assert result.followups == []
    simcord.assert_error(world.env, app_commands.CommandInvokeError)
