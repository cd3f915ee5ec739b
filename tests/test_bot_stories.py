"""Member commands, through the real discord.py against a simulated Discord."""

from __future__ import annotations

import discord
import pytest
from helpers import SHIPPED, story, write_library

from bot.content import load_library
from bot.embeds import story_embed

SHIPPED_IDS = {s.id for s in load_library(SHIPPED).stories}


def assert_fits_discord(embed: discord.Embed) -> None:
    """Discord's embed limits (a bigger embed is refused with HTTP 400)."""
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert len(field.name) <= 256 and len(field.value) <= 1024
    assert len(embed.footer.text or "") <= 2048
    assert len(embed.author.name or "") <= 256


def story_id_of(embed: discord.Embed) -> str:
    text = embed.footer.text
    assert text.startswith("Story ID: ")
    return text.removeprefix("Story ID: ").split(" · ")[0]


async def test_today_shows_the_servers_kindness_of_the_day(world) -> None:
    result = await world.member.slash(world.channel, "kindness today")
    assert not result.ephemeral
    (embed,) = result.response.embeds
    assert embed.author.name.startswith("Kindness of the day · ")
    assert story_id_of(embed) in SHIPPED_IDS
    assert "\n> — " in embed.description  # the attributed quote as a quote block
    assert any(f.name == "Source" for f in embed.fields)
    assert_fits_discord(embed)
    again = await world.admin.slash(world.channel, "kindness today")
    assert again.response.embeds[0].to_dict() == embed.to_dict()


async def test_today_is_the_same_after_a_restart(world, bot_config) -> None:
    from bot import create_bot

    first = (await world.member.slash(world.channel, "kindness today")).response.embeds[0]
    await world.bot.close()
    await world.env.restart_bot(create_bot(bot_config))
    after = (await world.member.slash(world.channel, "kindness today")).response.embeds[0]
    assert after.to_dict() == first.to_dict()


async def test_today_works_in_a_direct_message(world) -> None:
    user = world.env.create_user("dee")
    result = await user.slash("kindness today")
    assert story_id_of(result.response.embeds[0]) in SHIPPED_IDS


async def test_random_shows_stories_from_the_library(world) -> None:
    seen = set()
    for _ in range(12):
        result = await world.member.slash(world.channel, "kindness random")
        (embed,) = result.response.embeds
        assert_fits_discord(embed)
        assert "> — " in embed.description
        seen.add(story_id_of(embed))
    assert seen <= SHIPPED_IDS and len(seen) >= 2


async def test_story_autocomplete_offers_titles_with_ids_as_values(world) -> None:
    choices = await world.member.autocomplete(world.channel, "kindness story", "story", "fire")
    assert choices == [{"name": "A toy firetruck at the roadside", "value": "coral-springs-roadside-firetruck"}]
    everything = await world.member.autocomplete(world.channel, "kindness story", "story", "")
    assert {c["value"] for c in everything} == SHIPPED_IDS


async def test_autocomplete_offers_at_most_25_choices(world, bot_config) -> None:
    write_library(bot_config.content, [story(f"s{i:03d}", title=f"Kind act {i}") for i in range(40)])
    await world.bot.reload_content()
    choices = await world.member.autocomplete(world.channel, "kindness story", "story", "kind")
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 for c in choices)


@pytest.mark.parametrize("story_id", sorted(SHIPPED_IDS))
async def test_story_shows_the_chosen_story_with_its_id(world, story_id: str) -> None:
    result = await world.member.slash(world.channel, "kindness story", story=story_id)
    (embed,) = result.response.embeds
    assert story_id_of(embed) == story_id
    assert_fits_discord(embed)


async def test_story_by_typed_title_finds_the_best_match(world) -> None:
    result = await world.member.slash(world.channel, "kindness story", story="sandwich")
    assert story_id_of(result.response.embeds[0]) == "curbside-sandwich"


async def test_an_unknown_story_gets_a_private_hint(world) -> None:
    result = await world.member.slash(world.channel, "kindness story", story="no such thing at all")
    assert result.ephemeral
    assert "couldn't find a story" in result.response.content
    assert "/kindness search" in result.response.content


async def test_search_pages_with_buttons_and_shows_the_chosen_story(world, bot_config) -> None:
    write_library(bot_config.content, [story(f"s{i:02d}", title=f"Helpful neighbour {i}") for i in range(12)])
    await world.bot.reload_content()
    result = await world.member.slash(world.channel, "kindness search", query="neighbour")
    assert result.ephemeral
    first = result.response.embeds[0]
    assert first.footer.text.startswith("Page 1 of 3 · 12 stories")
    assert first.description.count("**") == 10  # five results, titles in bold

    page_two = await world.member.click(result.response, label="Next")
    assert page_two.response.embeds[0].footer.text.startswith("Page 2 of 3")
    chosen_id = next(
        o["value"]
        for row in page_two.response.components
        for c in row["components"]
        if c["type"] == 3
        for o in c["options"]
    )
    shown = await world.member.select(page_two.response, [chosen_id])
    assert story_id_of(shown.response.embeds[0]) == chosen_id
    back = await world.member.click(shown.response, label="Back to results")
    assert back.response.embeds[0].footer.text.startswith("Page 2 of 3")
    await world.env.advance_time(700)  # the view times out and removes its controls
    assert world.env.backend.get_message(world.channel.id, result.response.id).components == []


async def test_search_without_results_says_what_to_try(world) -> None:
    result = await world.member.slash(world.channel, "kindness search", query="xylophone")
    assert result.ephemeral
    assert "No stories match “xylophone”" in result.response.content


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND OR NOT",
        "NEAR(a b",
        "title:fire",
        "*",
        "'); DROP TABLE stories; --",
        "@everyone",
        "<@&123456789012345678>",
        "**bold**",
        "😀😀",
        "a" * 100,
        'fire"truck',
        "()",
        "\\",
    ],
)
async def test_search_with_hostile_input_answers(world, query: str) -> None:
    result = await world.member.slash(world.channel, "kindness search", query=query)
    assert result.acknowledged and result.ephemeral
    message = world.env.backend.get_message(world.channel.id, result.response.id)
    assert message.ping_role_ids == [] and message.ping_user_ids == []
    assert not result.response.message.mention_everyone


async def test_quote_shows_an_attributed_quote(world) -> None:
    result = await world.member.slash(world.channel, "kindness quote")
    (embed,) = result.response.embeds
    assert embed.description.startswith("> “") and "\n> — " in embed.description


async def test_about_explains_the_bot_and_how_to_invite_it(world) -> None:
    result = await world.member.slash(world.channel, "kindness about")
    assert result.ephemeral
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Library"] == "4 stories · 33 quotes"
    assert "scope=bot+applications.commands" in fields["Add me to your server"]
    assert "permissions=" in fields["Add me to your server"]


async def test_content_with_mentions_pings_nobody(world, bot_config) -> None:
    role = world.guild.create_role("Everyone-ish")
    text = f"Hello @everyone and @here and <@&{role.id}> and <@{world.member.id}>."
    write_library(
        bot_config.content,
        [
            story(
                "pingy",
                title=f"@everyone <@&{role.id}>",
                story=text,
                quotes=[{"text": text, "by": f"<@{world.member.id}>"}],
            ),
        ],
    )
    await world.bot.reload_content()
    for command in ("kindness today", "kindness random"):
        result = await world.member.slash(world.channel, command)
        message = world.env.backend.get_message(world.channel.id, result.response.id)
        assert message.ping_role_ids == [] and message.ping_user_ids == []
        assert not result.response.message.mention_everyone
    result = await world.member.slash(world.channel, "kindness story", story="pingy")
    message = world.env.backend.get_message(world.channel.id, result.response.id)
    assert message.ping_role_ids == [] and message.ping_user_ids == []


async def test_an_empty_library_is_explained_not_a_crash(world, bot_config, tmp_path) -> None:
    from dataclasses import replace

    from bot import create_bot

    empty = replace(bot_config, database=tmp_path / "empty.sqlite3", content=tmp_path / "nothing-here")
    await world.bot.close()
    await world.env.restart_bot(create_bot(empty))
    for command in ("kindness today", "kindness random"):
        result = await world.member.slash(world.channel, command)
        assert result.ephemeral and "library is empty" in result.response.content


def test_every_shipped_story_embed_fits_discords_limits() -> None:
    library = load_library(SHIPPED)
    from datetime import date

    for s in library.stories:
        for quote in (*s.quotes, *library.quotes):
            assert_fits_discord(story_embed(s, quote, day=date(2026, 12, 31)))
