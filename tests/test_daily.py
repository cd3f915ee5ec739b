"""The daily post: exactly once, catch-up, daylight saving, failing channels, role pings, wake-up jobs.

Deterministic: nothing sleeps for real; tests call ``bot.daily.run_due(now)`` at chosen instants.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest

from bot import create_bot
from bot.config import DailyConfig, ScheduleConfig
from bot.daily import post_time

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # schedules are set at this instant


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def schedule(world, channel, time: str, zone: str = "Europe/London", *, role=None, now: datetime = T0):
    guild_id = channel.guild.id if channel.guild else None
    return await world.bot.daily.set_schedule(
        guild_id=guild_id,
        channel_id=channel.id,
        time_text=time,
        timezone=zone,
        mention_role=role.id if role else None,
        now=now,
    )


def daily_posts(channel) -> list[discord.Message]:
    """The bot's daily posts in a channel (not command replies), oldest first."""
    return [
        m
        for m in channel.history()
        if m.author.bot
        and m.type is discord.MessageType.default
        and m.embeds
        and (m.embeds[0].author.name or "").startswith("Kindness of the day")
    ]


def post_day(message: discord.Message) -> str:
    return message.embeds[0].footer.text.rsplit(" · ", 1)[1]


def story_of(message: discord.Message) -> str:
    return message.embeds[0].footer.text.removeprefix("Story ID: ").split(" · ")[0]


# -- when a post is due --------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected_utc"),
    [
        # The skipped hour: the first valid minute after it.
        (LONDON, date(2026, 3, 29), "01:30", at(2026, 3, 29, 1, 0)),  # 02:00 BST
        (NEW_YORK, date(2026, 3, 8), "02:30", at(2026, 3, 8, 7, 0)),  # 03:00 EDT
        # The repeated hour: its first occurrence.
        (LONDON, date(2026, 10, 25), "01:30", at(2026, 10, 25, 0, 30)),  # 01:30 BST
        (NEW_YORK, date(2026, 11, 1), "01:30", at(2026, 11, 1, 5, 30)),  # 01:30 EDT
        # Ordinary days on both sides of the change.
        (LONDON, date(2026, 3, 28), "09:00", at(2026, 3, 28, 9, 0)),
        (LONDON, date(2026, 3, 30), "09:00", at(2026, 3, 30, 8, 0)),
    ],
)
def test_post_time_handles_daylight_saving(zone, day, wall, expected_utc) -> None:
    assert post_time(day, wall, zone) == expected_utc


# -- exactly once ----------------------------------------------------------------


async def test_several_days_two_servers_three_channels_one_post_each_per_day(world) -> None:
    env = world.env
    news = world.guild.create_text_channel("news")
    other = env.create_guild("Second Place")
    other_channel = other.create_text_channel("daily")
    await schedule(world, world.channel, "09:00")
    await schedule(world, news, "18:30")
    await schedule(world, other_channel, "07:15", "America/New_York")

    start = date(2026, 3, 2)
    for offset in range(5):
        day = start + timedelta(days=offset)
        for hour in range(0, 24, 2):  # wake up often, as cron jobs and restarts would
            instant = datetime(day.year, day.month, day.day, hour, 7, tzinfo=UTC)
            await world.bot.daily.run_due(instant)

    for channel in (world.channel, news, other_channel):
        days = [post_day(m) for m in daily_posts(channel)]
        assert days == [(start + timedelta(days=i)).isoformat() for i in range(5)], channel.name
    # A server's channels share its kindness of the day.
    first_server = {post_day(m): story_of(m) for m in daily_posts(world.channel)}
    assert first_server == {post_day(m): story_of(m) for m in daily_posts(news)}
    # And it is the story /kindness today shows for that day.
    pick = await world.bot.kindness_of_the_day(world.guild.id, at(2026, 3, 4, 12))
    assert first_server["2026-03-04"] == pick.story.id


async def test_run_due_twice_at_the_same_instant_posts_once(world) -> None:
    await schedule(world, world.channel, "09:00")
    first = await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    second = await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    assert first.sent == [world.channel.id]
    assert second.outcomes == []
    assert len(daily_posts(world.channel)) == 1


async def test_nothing_is_due_before_the_time_or_before_the_schedule_existed(world) -> None:
    await schedule(world, world.channel, "09:00", now=at(2026, 3, 2, 10, 0))
    assert (await world.bot.daily.run_due(at(2026, 3, 2, 10, 30))).outcomes == []  # set after 09:00
    assert (await world.bot.daily.run_due(at(2026, 3, 3, 8, 59))).outcomes == []
    assert (await world.bot.daily.run_due(at(2026, 3, 3, 9, 0))).sent == [world.channel.id]


class SimulatedCrash(BaseException):
    """The process dies here (a BaseException: nothing in the bot catches it)."""


async def crash_then_restart(world, bot_config, step: str, sent: int) -> None:
    """Run the 09:00 post, the process dying as it enters ``step``; check what went out; start a new bot."""

    async def crash(*_args, **_kwargs):
        raise SimulatedCrash

    setattr(world.bot.daily, step, crash)
    with pytest.raises(SimulatedCrash):
        await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    assert len(daily_posts(world.channel)) == sent
    await world.bot.close()
    await world.env.restart_bot(create_bot(bot_config))


async def test_a_restart_between_claim_and_send_posts_once(world, bot_config) -> None:
    await schedule(world, world.channel, "09:00")
    await crash_then_restart(world, bot_config, "_send", sent=0)
    report = await world.bot.daily.run_due(at(2026, 3, 2, 9, 5))
    assert report.sent == [world.channel.id]
    await world.bot.daily.run_due(at(2026, 3, 2, 9, 10))
    assert [post_day(m) for m in daily_posts(world.channel)] == ["2026-03-02"]


async def test_a_crash_after_sending_but_before_recording_does_not_post_twice(world, bot_config) -> None:
    await schedule(world, world.channel, "09:00")
    await crash_then_restart(world, bot_config, "_record_sent", sent=1)  # it went out; the record did not
    await world.bot.daily.run_due(at(2026, 3, 2, 9, 5))
    await world.bot.daily.run_due(at(2026, 3, 2, 12, 0))
    assert len(daily_posts(world.channel)) == 1
    state = await world.bot.store.reader.execute_fetchall("SELECT state, message_id FROM daily_posts")
    assert state == [("sent", daily_posts(world.channel)[0].id)]


# -- catch-up --------------------------------------------------------------------


async def test_catch_up_inside_the_window_posts_once_and_outside_is_logged(world, caplog) -> None:
    late = world.guild.create_text_channel("late")
    await schedule(world, world.channel, "09:00")
    await schedule(world, late, "09:00")
    inside = await world.bot.daily.run_due(at(2026, 3, 2, 14, 59))  # 5 h 59 late: inside 6 h
    assert sorted(inside.sent) == sorted([world.channel.id, late.id])

    with caplog.at_level(logging.WARNING, logger="bot.daily"):
        outside = await world.bot.daily.run_due(at(2026, 3, 3, 15, 1))  # 6 h 1 late: missed
    assert outside.sent == []
    assert {o.result for o in outside.outcomes} == {"missed"}
    assert any("Missed the post of 2026-03-03" in r.getMessage() for r in caplog.records)
    assert (await world.bot.daily.run_due(at(2026, 3, 3, 16, 0))).outcomes == []  # logged once
    assert len(daily_posts(world.channel)) == 1 and len(daily_posts(late)) == 1


async def test_a_post_due_late_yesterday_is_caught_up_after_midnight(world) -> None:
    await schedule(world, world.channel, "23:30")
    report = await world.bot.daily.run_due(at(2026, 3, 3, 1, 0))  # 1 h 30 after yesterday's post time
    assert report.sent == [world.channel.id]
    assert post_day(daily_posts(world.channel)[0]) == "2026-03-02"


async def test_the_bot_catches_up_by_itself_when_it_comes_back(world, bot_config) -> None:
    await world.bot.daily.set_schedule(
        guild_id=world.guild.id,
        channel_id=world.channel.id,
        time_text="09:00",
        timezone="UTC",
        mention_role=None,
        now=world.env.now(),
    )
    await world.bot.close()
    await world.env.advance_time(13 * 3600)  # the bot is down past 09:00
    await world.env.restart_bot(create_bot(bot_config))
    assert [post_day(m) for m in daily_posts(world.channel)] == [world.env.now().date().isoformat()]


async def test_a_window_of_zero_hours_never_catches_up(world, bot_config) -> None:
    await world.bot.close()
    config = replace(bot_config, daily=replace(bot_config.daily, catch_up_hours=0))
    await world.env.restart_bot(create_bot(config))
    await schedule(world, world.channel, "09:00")
    assert (await world.bot.daily.run_due(at(2026, 3, 2, 9, 1))).sent == []
    assert (await world.bot.daily.run_due(at(2026, 3, 3, 9, 0))).sent == [world.channel.id]


# -- daylight saving ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "wall", "before", "due"),
    [
        ("Europe/London", "01:30", at(2026, 3, 29, 0, 59), at(2026, 3, 29, 1, 0)),  # skipped hour
        ("America/New_York", "02:30", at(2026, 3, 8, 6, 59), at(2026, 3, 8, 7, 0)),  # skipped hour
    ],
)
async def test_a_time_in_the_skipped_hour_posts_at_the_first_valid_minute(world, zone, wall, before, due) -> None:
    await schedule(world, world.channel, wall, zone)
    assert (await world.bot.daily.run_due(before)).sent == []
    assert (await world.bot.daily.run_due(due)).sent == [world.channel.id]
    assert (await world.bot.daily.run_due(due + timedelta(hours=2))).sent == []
    assert len(daily_posts(world.channel)) == 1


@pytest.mark.parametrize(
    ("zone", "first", "second"),
    [
        ("Europe/London", at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)),
        ("America/New_York", at(2026, 11, 1, 5, 30), at(2026, 11, 1, 6, 30)),
    ],
)
async def test_a_time_in_the_repeated_hour_posts_once(world, zone, first, second) -> None:
    await schedule(world, world.channel, "01:30", zone)
    assert (await world.bot.daily.run_due(first - timedelta(minutes=1))).sent == []
    assert (await world.bot.daily.run_due(first)).sent == [world.channel.id]
    assert (await world.bot.daily.run_due(second)).sent == []  # 01:30 again, an hour later
    assert len(daily_posts(world.channel)) == 1


# -- failing channels ----------------------------------------------------------------


async def test_403_and_500_channels_do_not_stop_the_others(world) -> None:
    env = world.env
    names = ("alpha", "denied", "flaky", "omega")
    channels = {name: world.guild.create_text_channel(name) for name in names}
    for channel in channels.values():
        await schedule(world, channel, "09:00")
    env.inject_error(
        "POST",
        f"/channels/{channels['denied'].id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=None,
    )
    env.inject_error("POST", f"/channels/{channels['flaky'].id}/messages", status=500, times=2)

    first = await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    assert sorted(first.sent) == sorted([channels["alpha"].id, channels["omega"].id])
    results = {o.channel_id: o.result for o in first.outcomes}
    assert results[channels["denied"].id] == "retry" and results[channels["flaky"].id] == "retry"

    await world.bot.daily.run_due(at(2026, 3, 2, 9, 1))  # flaky: second 500, retried later
    third = await world.bot.daily.run_due(at(2026, 3, 2, 9, 6))
    assert third.sent == [channels["flaky"].id]  # it made it, once
    for instant in (at(2026, 3, 2, 9, 10), at(2026, 3, 2, 10, 10)):  # denied keeps failing
        await world.bot.daily.run_due(instant)

    for name in ("alpha", "omega", "flaky"):
        assert len(daily_posts(channels[name])) == 1, name
    assert daily_posts(channels["denied"]) == []
    denied = await world.bot.daily.schedule(channels["denied"].id)
    assert not denied.enabled and "not allowed" in denied.paused_reason
    assert denied.last_error and denied.failures == 3
    # The server is told, in a channel the bot can post to.
    notices = [m for m in world.channel.history() if "paused that daily post" in m.content]
    assert len(notices) == 1 and f"<#{channels['denied'].id}>" in notices[0].content
    assert notices[0].mentions == [] and notices[0].role_mentions == []
    # Paused: nothing more is attempted; the others go on.
    next_day = await world.bot.daily.run_due(at(2026, 3, 3, 9, 0))
    assert sorted(next_day.sent) == sorted(channels[n].id for n in ("alpha", "flaky", "omega"))
    assert channels["denied"].id not in {o.channel_id for o in next_day.outcomes}


async def test_a_channel_the_bot_cannot_see_is_skipped_without_a_request(world) -> None:
    locked = world.guild.create_text_channel(
        "locked", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)}
    )
    await schedule(world, locked, "09:00")
    before = len(world.env.http_requests)
    report = await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    assert report.outcomes[0].result == "retry" and "Send Messages" in report.outcomes[0].error
    posts = [r for r in world.env.http_requests[before:] if r.path == f"/channels/{locked.id}/messages"]
    assert posts == []  # no doomed request counts towards Discord's invalid-request limit


async def test_a_deleted_channel_pauses_at_once_and_the_owner_is_told_when_nowhere_else_works(world) -> None:
    lonely = world.env.create_guild("Lonely")
    gone = lonely.create_text_channel("soon-gone")
    await schedule(world, gone, "09:00")
    world.env.inject_error(
        "POST", f"/channels/{gone.id}/messages", status=404, code=10003, message="Unknown Channel", times=None
    )
    report = await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    assert report.outcomes[0].result == "paused"
    dm = lonely.owner.dm_channel.history()
    assert len(dm) == 1 and "paused that daily post" in dm[0].content


# -- pings ---------------------------------------------------------------------------


async def test_the_role_mention_pings_that_role_only(world, bot_config) -> None:
    readers = world.guild.create_role("Readers", mentionable=True)
    other = world.guild.create_role("Others", mentionable=True)
    await schedule(world, world.channel, "09:00", role=readers)
    await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    (post,) = daily_posts(world.channel)
    stored = world.env.backend.get_message(world.channel.id, post.id)
    assert post.content == readers.mention
    assert stored.ping_role_ids == [readers.id]
    assert stored.ping_user_ids == [] and not post.mention_everyone
    assert other.id not in stored.ping_role_ids


async def test_without_a_role_the_post_pings_nobody(world) -> None:
    await schedule(world, world.channel, "09:00")
    await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))
    (post,) = daily_posts(world.channel)
    stored = world.env.backend.get_message(world.channel.id, post.id)
    assert post.content == "" and stored.ping_role_ids == [] and stored.ping_user_ids == []


# -- admin commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "9am", "timezone": "Europe/London"}, "“9am” isn't a time I understand. Use 24-hour HH:MM"),
        ({"time": "25:00", "timezone": "Europe/London"}, "“25:00” isn't a time I understand"),
        (
            {"time": "09:00", "timezone": "Europe/Londn"},
            "“Europe/Londn” isn't a time zone I know. Did you mean `Europe/London`",
        ),
        ({"time": "09:00", "timezone": "Mars/Olympus"}, "“Mars/Olympus” isn't a time zone I know."),
    ],
)
async def test_schedule_set_refuses_bad_input_with_advice(world, options, expected) -> None:
    result = await world.admin.slash(world.channel, "kindness-admin schedule set", channel=world.channel, **options)
    assert result.ephemeral
    assert result.response.content.startswith(expected)
    assert await world.bot.daily.schedules() == []


async def test_schedule_set_refuses_a_channel_the_bot_cannot_post_to(world) -> None:
    locked = world.guild.create_text_channel(
        "locked", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False, embed_links=False)}
    )
    result = await world.admin.slash(
        world.channel, "kindness-admin schedule set", channel=locked, time="09:00", timezone="Europe/London"
    )
    assert result.ephemeral
    assert result.response.content == (
        f"I can't post in {locked.mention}: I'm missing **Send Messages and Embed Links** there. "
        "Give my role those permissions in the channel's settings, then try again."
    )


async def test_schedule_set_refuses_an_unmentionable_role(world) -> None:
    quiet = world.guild.create_role("Quiet", mentionable=False)
    strict = world.guild.create_text_channel(
        "strict", overwrites={world.guild.me: discord.PermissionOverwrite(mention_everyone=False)}
    )
    result = await world.admin.slash(
        world.channel,
        "kindness-admin schedule set",
        channel=strict,
        time="09:00",
        timezone="Europe/London",
        role=quiet,
    )
    assert result.response.content.startswith(f"I can't ping {quiet.mention}: it isn't mentionable.")
    everyone = await world.admin.slash(
        world.channel,
        "kindness-admin schedule set",
        channel=world.channel,
        time="09:00",
        timezone="Europe/London",
        role=world.guild.default_role,
    )
    assert everyone.response.content.startswith("The daily post never pings @everyone.")


async def test_schedule_commands_set_list_pause_resume_skip_remove(world) -> None:
    env = world.env
    set_result = await world.admin.slash(
        world.channel, "kindness-admin schedule set", channel=world.channel, time="7:05", timezone="Europe/London"
    )
    assert set_result.response.content.startswith(
        f"✅ The kindness of the day will be posted in {world.channel.mention} every day at 07:05 (Europe/London)."
    )
    assert "First post: Thursday 1 January at 07:05 GMT (07:05 UTC)" in set_result.response.content

    listed = await world.admin.slash(world.channel, "kindness-admin schedule list")
    (field,) = listed.response.embeds[0].fields
    assert "Next post: Thursday 1 January at 07:05 GMT (07:05 UTC)" in field.value
    assert "State: ✅ active" in field.value

    skipped = await world.admin.slash(world.channel, "kindness-admin skip", channel=world.channel)
    assert "Thursday 1 January" in skipped.response.content
    report = await world.bot.daily.run_due(env.now().replace(hour=7, minute=5))
    assert [o.result for o in report.outcomes] == ["skipped"]

    paused = await world.admin.slash(world.channel, "kindness-admin schedule pause", channel=world.channel)
    assert paused.response.content.startswith("⏸️ Paused")
    listed = await world.admin.slash(world.channel, "kindness-admin schedule list")
    assert "paused by sam" in listed.response.embeds[0].fields[0].value

    resumed = await world.admin.slash(world.channel, "kindness-admin schedule resume", channel=world.channel)
    assert "Next post: Friday 2 January at 07:05 GMT" in resumed.response.content

    removed = await world.admin.slash(world.channel, "kindness-admin schedule remove", channel=world.channel)
    assert removed.response.content.startswith("🗑️ Removed")
    again = await world.admin.slash(world.channel, "kindness-admin schedule remove", channel=world.channel)
    assert "has no daily post" in again.response.content


async def test_timezone_autocomplete(world) -> None:
    choices = await world.admin.autocomplete(
        world.channel, "kindness-admin schedule set", "timezone", "london", channel=world.channel, time="09:00"
    )
    assert choices[0] == {"name": "Europe/London", "value": "Europe/London"}
    assert (
        len(
            await world.admin.autocomplete(
                world.channel, "kindness-admin schedule set", "timezone", "", channel=world.channel, time="09:00"
            )
        )
        == 25
    )


async def test_post_now_counts_as_todays_post(world) -> None:
    await world.admin.slash(
        world.channel, "kindness-admin schedule set", channel=world.channel, time="09:00", timezone="UTC"
    )
    result = await world.admin.slash(world.channel, "kindness-admin post-now", channel=world.channel)
    assert "It counts as today's daily post there" in result.response.content
    report = await world.bot.daily.run_due(world.env.now().replace(hour=9))
    assert report.sent == []
    assert len(daily_posts(world.channel)) == 1


async def test_today_follows_the_servers_time_zone(world) -> None:
    await schedule(world, world.channel, "23:00", "America/New_York")
    late_evening = at(2026, 3, 5, 4, 0)  # 23:00 on 4 March in New York, already 5 March in UTC
    report = await world.bot.daily.run_due(late_evening)
    assert report.sent == [world.channel.id]
    (post,) = daily_posts(world.channel)
    assert post_day(post) == "2026-03-04"
    pick = await world.bot.kindness_of_the_day(world.guild.id, late_evening)
    assert pick.day == date(2026, 3, 4) and pick.story.id == story_of(post)


async def test_status_lists_the_schedules(world) -> None:
    await schedule(world, world.channel, "09:00")
    result = await world.admin.slash(world.channel, "kindness-admin status")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["Schedules"] == f"<#{world.channel.id}> 09:00 Europe/London · ✅ active"


# -- wake-up jobs ----------------------------------------------------------------------


def _next_fire(hour: int, minute: int, zone: str) -> datetime:
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(zone))
    return trigger.get_next_fire_time(None, datetime.now(ZoneInfo(zone)))


async def test_scheduler_jobs_exist_with_the_right_next_run_times(world, bot_config) -> None:
    config = replace(
        bot_config,
        daily=DailyConfig(channels=(ScheduleConfig(world.channel.id, "06:45", "Asia/Tokyo"),)),
    )
    await world.bot.close()
    await world.env.restart_bot(create_bot(config))
    scheduler = world.bot.scheduler
    assert scheduler.running
    job = scheduler.get_job(f"daily:{world.channel.id}")
    assert job.next_run_time == _next_fire(6, 45, "Asia/Tokyo")

    news = world.guild.create_text_channel("news")
    await world.admin.slash(
        world.channel, "kindness-admin schedule set", channel=news, time="21:30", timezone="America/New_York"
    )
    job = scheduler.get_job(f"daily:{news.id}")
    assert job.next_run_time == _next_fire(21, 30, "America/New_York")

    await world.admin.slash(world.channel, "kindness-admin schedule pause", channel=news)
    assert scheduler.get_job(f"daily:{news.id}") is None
    await world.admin.slash(world.channel, "kindness-admin schedule resume", channel=news)
    assert scheduler.get_job(f"daily:{news.id}") is not None
    await world.admin.slash(world.channel, "kindness-admin schedule remove", channel=news)
    assert scheduler.get_job(f"daily:{news.id}") is None


async def test_config_schedules_are_loaded_and_dropped_with_the_config(world, bot_config) -> None:
    config = replace(bot_config, daily=DailyConfig(channels=(ScheduleConfig(world.channel.id, "08:00", "UTC"),)))
    await world.bot.close()
    await world.env.restart_bot(create_bot(config))
    (loaded,) = await world.bot.daily.schedules()
    assert (loaded.origin, loaded.time, loaded.timezone) == ("config", "08:00", "UTC")
    await world.bot.close()
    await world.env.restart_bot(create_bot(bot_config))
    assert await world.bot.daily.schedules() == []


async def test_a_retry_left_over_from_yesterday_is_given_up_not_sent_late(world) -> None:
    await schedule(world, world.channel, "09:00")
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=500, times=1)
    assert [o.result for o in (await world.bot.daily.run_due(at(2026, 3, 2, 9, 0))).outcomes] == ["retry"]
    # The bot was down for the rest of the day; it wakes at 08:00 the next morning.
    report = await world.bot.daily.run_due(at(2026, 3, 3, 8, 0))
    assert [(o.day.isoformat(), o.result) for o in report.outcomes] == [("2026-03-02", "failed")]
    assert daily_posts(world.channel) == []
    assert (await world.bot.daily.run_due(at(2026, 3, 3, 9, 0))).sent == [world.channel.id]


async def test_post_now_replaces_a_post_waiting_for_a_retry(world) -> None:
    await world.bot.daily.set_schedule(
        guild_id=world.guild.id,
        channel_id=world.channel.id,
        time_text="00:00",
        timezone="UTC",
        mention_role=None,
        now=world.env.now() - timedelta(minutes=1),
    )
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=500, times=1)
    first = await world.bot.daily.run_due(world.env.now())
    assert [o.result for o in first.outcomes] == ["retry"]
    result = await world.admin.slash(world.channel, "kindness-admin post-now", channel=world.channel)
    assert "It counts as today's daily post there" in result.response.content
    later = await world.bot.daily.run_due(world.env.now() + timedelta(minutes=30))
    assert later.outcomes == []
    assert len(daily_posts(world.channel)) == 1
