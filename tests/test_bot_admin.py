"""Admin and owner commands: gated twice, ephemeral, and safe with broken content."""

from __future__ import annotations

from dataclasses import replace

import pytest
import simcord
from discord import app_commands
from helpers import write_file

from bot import create_bot
from bot.errors import NotOwner

ADMIN_COMMANDS = ("status", "preview", "reload-content", "reload-cogs", "sync")


async def become_owner(world, bot_config) -> None:
    """Restart the bot with the admin listed in `owners`."""
    await world.bot.close()
    await world.env.restart_bot(create_bot(replace(bot_config, owners=frozenset({world.admin.id}))))


async def admin_command(world):
    return next(c for c in await world.bot.tree.fetch_commands() if c.name == "kindness-admin")


async def test_members_without_manage_server_cannot_see_the_admin_group(world) -> None:
    visible = world.member.available_commands(world.channel)
    assert "kindness today" in visible
    assert not any(name.startswith("kindness-admin") for name in visible)
    assert "kindness-admin status" in world.admin.available_commands(world.channel)
    with pytest.raises(simcord.SetupError):
        await world.member.slash(world.channel, "kindness-admin status")


@pytest.mark.parametrize("command", ["status", "preview", "reload-content"])
async def test_an_override_without_the_permission_is_refused_by_the_bot(world, command: str) -> None:
    world.guild.set_command_permissions(await admin_command(world), {world.member: True})
    result = await world.member.slash(world.channel, f"kindness-admin {command}")
    assert result.ephemeral
    assert result.response.content == "You need the **Manage Server** permission to use this."
    simcord.assert_error(world.env, app_commands.MissingPermissions)


@pytest.mark.parametrize("command", ["reload-cogs", "sync"])
async def test_a_non_owner_admin_is_refused_owner_commands(world, command: str) -> None:
    result = await world.admin.slash(world.channel, f"kindness-admin {command}")
    assert result.ephemeral
    assert result.response.content == "Only the bot's owner can do that."
    simcord.assert_error(world.env, NotOwner)


async def test_status_reports_library_uptime_latency_and_database(world) -> None:
    await world.env.advance_time(3725)
    result = await world.admin.slash(world.channel, "kindness-admin status")
    assert result.ephemeral
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Library"] == "4 stories · 33 quotes"
    assert fields["Uptime"] == "1 h 2 min"
    assert fields["Database"] == "`bot.sqlite3`"  # the full path is for the owner only
    assert "Latency" in fields and "Schedules" in fields


async def test_the_owner_sees_the_full_database_path(world, bot_config) -> None:
    await become_owner(world, bot_config)
    result = await world.admin.slash(world.channel, "kindness-admin status")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Database"] == f"`{bot_config.database}`"


async def test_preview_shows_todays_post_privately(world) -> None:
    today = (await world.member.slash(world.channel, "kindness today")).response.embeds[0]
    result = await world.admin.slash(world.channel, "kindness-admin preview")
    assert result.ephemeral
    assert result.response.embeds[0].to_dict() == today.to_dict()


async def test_reload_content_reports_added_changed_removed(world, bot_config) -> None:
    root = bot_config.content
    (root / "stories" / "stroller-giggles.yaml").unlink()
    path = root / "stories" / "curbside-sandwich.yaml"
    path.write_text(path.read_text().replace("A sandwich shared on the curb", "Lunch on the curb"))
    write_file(root, "stories/new-one.yaml", "id: new-one\ntitle: A new one\nstory: Kind things happened.\n")
    result = await world.admin.slash(world.channel, "kindness-admin reload-content")
    assert result.ephemeral
    reply = result.response
    assert reply.ephemeral
    assert "1 added, 1 changed, 1 removed" in reply.content
    assert "Added: `new-one`" in reply.content and "Removed: `stroller-giggles`" in reply.content
    shown = await world.member.slash(world.channel, "kindness story", story="curbside-sandwich")
    assert shown.response.embeds[0].title == "Lunch on the curb"
    again = await world.admin.slash(world.channel, "kindness-admin reload-content")
    assert again.response.content.startswith("✅ Content is already up to date")


async def test_reload_content_with_a_broken_file_changes_nothing(world, bot_config) -> None:
    root = bot_config.content
    before = await world.member.slash(world.channel, "kindness story", story="curbside-sandwich")
    path = root / "stories" / "curbside-sandwich.yaml"
    path.write_text(path.read_text().replace("A sandwich shared on the curb", "Changed title"))
    write_file(root, "stories/broken.yaml", "id: broken\ntitle: Broken\nstory: ok\nquotes:\n  - text: hi\n")
    result = await world.admin.slash(world.channel, "kindness-admin reload-content")
    reply = result.response
    assert reply.ephemeral
    assert reply.content.startswith("❌ Content not reloaded: 1 problem.")
    assert "content/stories/broken.yaml:5: quotes[0].by is required" in reply.content
    after = await world.member.slash(world.channel, "kindness story", story="curbside-sandwich")
    assert after.response.embeds[0].to_dict() == before.response.embeds[0].to_dict()
    missing = await world.member.slash(world.channel, "kindness story", story="broken")
    assert missing.ephemeral


async def test_many_problems_are_trimmed_to_fit_one_message(world, bot_config) -> None:
    for i in range(80):
        write_file(bot_config.content, f"stories/bad-{i:02d}.yaml", f"id: bad-{i}\ntitle: 1\nstory: 2\n")
    result = await world.admin.slash(world.channel, "kindness-admin reload-content")
    reply = result.response
    assert len(reply.content) <= 2000
    assert "content/stories/bad-00.yaml:2: title must be text" in reply.content
    assert "more (`kindness-bot check` lists them all)" in reply.content


async def test_the_owner_can_reload_cogs(world, bot_config) -> None:
    await become_owner(world, bot_config)
    result = await world.admin.slash(world.channel, "kindness-admin reload-cogs")
    reply = result.response
    assert reply.ephemeral
    assert "✅ `cogs.admin` reloaded" in reply.content and "✅ `cogs.stories` reloaded" in reply.content
    assert (await world.member.slash(world.channel, "kindness today")).response.embeds


async def test_a_cog_that_fails_to_reload_is_rolled_back_and_reported(world, bot_config, tmp_path, monkeypatch):
    await become_owner(world, bot_config)
    extension = tmp_path / "kindness_extra_ext.py"
    extension.write_text(
        "from discord.ext import commands\n\n"
        "class Extra(commands.Cog):\n    version = 1\n\n"
        "async def setup(bot):\n    await bot.add_cog(Extra())\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    await world.bot.load_extension("kindness_extra_ext")
    extension.write_text("this is not python (\n")  # a typo in the new version
    result = await world.admin.slash(world.channel, "kindness-admin reload-cogs")
    reply = result.response
    assert "❌ `kindness_extra_ext` kept its previous version: SyntaxError" in reply.content
    assert "✅ `cogs.admin` reloaded" in reply.content and "✅ `cogs.stories` reloaded" in reply.content
    assert world.bot.get_cog("Extra").version == 1  # the old version still runs
    assert (await world.member.slash(world.channel, "kindness today")).response.embeds


async def test_the_owner_can_sync_this_server_or_globally(world, bot_config) -> None:
    await become_owner(world, bot_config)
    server = await world.admin.slash(world.channel, "kindness-admin sync")
    assert server.response.content == "✅ Synced 2 commands to this server."
    everywhere = await world.admin.slash(world.channel, "kindness-admin sync", scope="global")
    assert everywhere.response.content.startswith("✅ Synced 2 commands to every server")
