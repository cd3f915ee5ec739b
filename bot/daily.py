"""The daily kindness post: schedules, exactly once, catch-up, failing channels, paced fan-out.

What to post is decided by one method, :meth:`DailyService.run_due`, which
takes the instant to act at; APScheduler only decides when to wake up: a cron
job per schedule in its own time zone (plus a one-off job when daylight saving
makes the cron time not exist), a job per retry, and one run when the bot
connects, which catches up what was missed while it was down.

Exactly once: before sending, a row for (channel, local date) is claimed in
SQLite; after sending it is completed. A claim left by a process that died is
settled on the next run by looking for the post in the channel's recent
messages, so a post is never sent twice; when that cannot be checked, the
post is given up rather than risk a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.config import DailyConfig, parse_time
from bot.embeds import story_embed
from bot.errors import permission_names
from bot.pacer import Pacer, fan_out
from bot.store import scope_for

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.client import KindnessBot
    from bot.store import DailyPick, Store

__all__ = [
    "DailyService",
    "Outcome",
    "RunReport",
    "Schedule",
    "describe_moment",
    "missing_permissions",
    "post_time",
]

log = logging.getLogger(__name__)

REQUIRED_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
# Server errors and timeouts: try again after these many seconds, within the day.
RETRY_DELAYS = (60, 300, 900, 1800, 3600, 7200)
# Forbidden: an admin may fix the channel meanwhile; after PAUSE_AFTER failures in a row, pause.
FORBIDDEN_DELAYS = (600, 3600)
PAUSE_AFTER = 3
SEND_TIMEOUT = 30.0
HISTORY_LOOKBACK = 100
_JOB = "daily"


def post_time(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """When the post for ``day`` is due, in UTC, daylight saving included.

    A time in the hour skipped by a clock change posts at the first valid
    minute after it; a time in the repeated hour posts at its first occurrence.
    """
    hour, minute = parse_time(hhmm) or (0, 0)
    wall = datetime.combine(day, time(hour, minute))
    for step in range(24 * 60):  # a gap is at most a couple of hours long
        candidate = wall + timedelta(minutes=step)
        aware = candidate.replace(tzinfo=zone)  # fold=0: the first of a repeated hour
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == candidate:
            return aware.astimezone(UTC)
    raise ValueError(f"no valid local time at or after {wall} in {zone}")  # pragma: no cover


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """The permissions the bot lacks to post the daily story in ``channel``."""
    permissions = channel.permissions_for(channel.guild.me)
    return [name for name in REQUIRED_PERMISSIONS if not getattr(permissions, name)]


def describe_moment(moment: datetime, zone: ZoneInfo) -> str:
    """ "Sunday 22 November at 09:00 GMT (09:00 UTC)"."""
    local = moment.astimezone(zone)
    text = f"{local:%A} {local.day} {local:%B} at {local:%H:%M %Z}"
    return text if local.tzname() == "UTC" else f"{text} ({moment.astimezone(UTC):%H:%M} UTC)"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Schedule:
    """A daily post: which channel, at what local time, in which zone, whom to mention."""

    channel_id: int
    guild_id: int | None
    time: str
    timezone: str
    mention_role: int | None
    origin: str
    enabled: bool
    paused_reason: str | None
    skip_day: date | None
    failures: int
    last_error: str | None
    last_error_at: datetime | None
    active_from: datetime

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return ZoneInfo(self.timezone)

    def post_at(self, day: date) -> datetime:
        """When the post for the local date ``day`` is due (UTC)."""
        return post_time(day, self.time, self.zone)

    def next_post(self, now: datetime, done: Iterable[date] = ()) -> tuple[date, datetime]:
        """The next local date (and its instant) whose post has not happened and is not due yet."""
        finished = set(done)
        day = now.astimezone(self.zone).date() - timedelta(days=1)
        while True:
            at = self.post_at(day)
            if at > now and at >= self.active_from and day not in finished:
                return day, at
            day += timedelta(days=1)


_SCHEDULE_COLUMNS = (
    "channel_id, guild_id, post_time, timezone, mention_role, origin, enabled, paused_reason, skip_day,"
    " failures, last_error, last_error_at, active_from"
)


def _schedule(row: Sequence[Any]) -> Schedule:
    return Schedule(
        channel_id=row[0],
        guild_id=row[1],
        time=row[2],
        timezone=row[3],
        mention_role=row[4],
        origin=row[5],
        enabled=bool(row[6]),
        paused_reason=row[7],
        skip_day=date.fromisoformat(row[8]) if row[8] else None,
        failures=row[9],
        last_error=row[10],
        last_error_at=_instant(row[11]),
        active_from=datetime.fromisoformat(row[12]),
    )


@dataclass(frozen=True)
class Outcome:
    """What happened to one post. ``result`` is one of: sent, settled (found already sent
    after a crash), retry, failed, paused, skipped, missed, busy (another run has it)."""

    channel_id: int
    day: date
    result: str
    message_id: int | None = None
    error: str | None = None


@dataclass
class RunReport:
    """Everything one :meth:`DailyService.run_due` did."""

    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, result: str) -> list[Outcome]:
        """The outcomes with this ``result``."""
        return [o for o in self.outcomes if o.result == result]

    @property
    def sent(self) -> list[int]:
        """Channels posted to in this run."""
        return [o.channel_id for o in self.of("sent")]


@dataclass(frozen=True)
class _Due:
    schedule: Schedule
    day: date
    at: datetime
    retry: bool = False
    attempts: int = 0
    maybe_sent: bool = False


class _NoAccess(Exception):
    """The bot cannot post in the channel; raised before wasting a request on a sure 403."""


class DailyService:
    """Schedules and sends the daily kindness post. One per bot: ``bot.daily``."""

    def __init__(self, bot: KindnessBot, store: Store, scheduler: AsyncIOScheduler | None, config: DailyConfig) -> None:
        self.bot = bot
        self.store = store
        self.scheduler = scheduler
        self.config = config
        self.window = timedelta(hours=config.catch_up_hours)
        self.pacer = Pacer(config.rate_per_second, config.max_concurrency)
        self.boot_id = secrets.token_hex(8)
        self._run_lock = asyncio.Lock()
        self._zones: dict[int, ZoneInfo] = {}
        self._startup: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------

    async def start(self, now: datetime) -> None:
        """Load the config's schedules, create the wake-up jobs, catch up once the bot is ready."""
        await self.sync_config(now)
        for schedule in await self.schedules():
            self._sync_job(schedule)
        self._startup = asyncio.create_task(self._catch_up_when_ready())

    async def stop(self) -> None:
        """Remove the jobs and let a run in progress finish (so the database closes after it)."""
        if self._startup is not None:
            self._startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._startup
        if self.scheduler is not None and self.scheduler.running:
            for job in self.scheduler.get_jobs():
                if job.id.startswith(f"{_JOB}:"):
                    job.remove()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SEND_TIMEOUT), self._run_lock:
                pass

    async def _catch_up_when_ready(self) -> None:
        await self.bot.wait_until_ready()
        await self._wake()

    async def _wake(self) -> None:
        try:
            report = await self.run_due(discord.utils.utcnow())
        except Exception:
            log.exception("The daily run failed; the next wake-up will try again")
            return
        if report.outcomes:
            summary = ", ".join(f"{len(report.of(r))} {r}" for r in sorted({o.result for o in report.outcomes}))
            log.info("Daily run: %s", summary)

    # -- schedules ---------------------------------------------------------

    async def schedules(self, guild_id: int | None = None) -> list[Schedule]:
        """Every schedule, or a server's, oldest first."""
        sql = f"SELECT {_SCHEDULE_COLUMNS} FROM schedules"
        params: tuple[Any, ...] = ()
        if guild_id is not None:
            sql += " WHERE guild_id = ?"
            params = (guild_id,)
        rows = await self.store.reader.execute_fetchall(sql + " ORDER BY created_at, channel_id", params)
        return [_schedule(r) for r in rows]

    async def schedule(self, channel_id: int) -> Schedule | None:
        """The schedule of one channel, if it has one."""
        rows = await self.store.reader.execute_fetchall(
            f"SELECT {_SCHEDULE_COLUMNS} FROM schedules WHERE channel_id = ?", (channel_id,)
        )
        return _schedule(rows[0]) if rows else None

    async def guild_timezone(self, guild_id: int | None) -> ZoneInfo:
        """The zone that decides a server's date: its first schedule's, else UTC."""
        if guild_id is None:
            return ZoneInfo("UTC")
        zone = self._zones.get(guild_id)
        if zone is None:
            rows = await self.store.reader.execute_fetchall(
                "SELECT timezone FROM schedules WHERE guild_id = ? ORDER BY created_at, channel_id LIMIT 1",
                (guild_id,),
            )
            zone = ZoneInfo(rows[0][0]) if rows else ZoneInfo("UTC")
            self._zones[guild_id] = zone
        return zone

    async def set_schedule(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        time_text: str,
        timezone: str,
        mention_role: int | None,
        now: datetime,
    ) -> Schedule:
        """Create or replace the schedule of a channel (inputs already validated)."""
        hour, minute = parse_time(time_text) or (0, 0)
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO schedules(channel_id, guild_id, post_time, timezone, mention_role, origin, enabled,"
                " active_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'admin', 1, ?, ?, ?)"
                " ON CONFLICT(channel_id) DO UPDATE SET guild_id = excluded.guild_id,"
                " post_time = excluded.post_time, timezone = excluded.timezone,"
                " mention_role = excluded.mention_role, origin = 'admin', enabled = 1, paused_reason = NULL,"
                " skip_day = NULL, failures = 0, active_from = excluded.active_from,"
                " updated_at = excluded.updated_at",
                (
                    channel_id,
                    guild_id,
                    f"{hour:02d}:{minute:02d}",
                    timezone,
                    mention_role,
                    _iso(now),
                    _iso(now),
                    _iso(now),
                ),
            )
        return await self._changed(channel_id, guild_id)

    async def remove_schedule(self, channel_id: int) -> bool:
        """Delete a channel's schedule; False if it had none."""
        found = await self.schedule(channel_id)
        if found is None:
            return False
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM schedules WHERE channel_id = ?", (channel_id,))
        self._zones.pop(found.guild_id or 0, None)
        self._remove_jobs(channel_id)
        return True

    async def pause(self, channel_id: int, reason: str) -> Schedule | None:
        """Stop posting in a channel until resumed."""
        return await self._update(channel_id, "enabled = 0, paused_reason = ?", (reason,))

    async def resume(self, channel_id: int, now: datetime) -> Schedule | None:
        """Post again from now on (posts missed while paused are not caught up)."""
        return await self._update(
            channel_id, "enabled = 1, paused_reason = NULL, failures = 0, active_from = ?", (_iso(now),)
        )

    async def skip_next(self, channel_id: int, now: datetime) -> date | None:
        """Skip the next post of a channel; returns its local date."""
        schedule = await self.schedule(channel_id)
        if schedule is None:
            return None
        day, _at = schedule.next_post(now, await self._done_days(channel_id, now))
        await self._update(channel_id, "skip_day = ?", (day.isoformat(),))
        return day

    async def next_post(self, schedule: Schedule, now: datetime) -> tuple[date, datetime]:
        """A schedule's next post that has not happened yet."""
        return schedule.next_post(now, await self._done_days(schedule.channel_id, now))

    async def sync_config(self, now: datetime) -> None:
        """Make the database's config schedules match the config file (admin schedules are left alone)."""
        wanted = {s.channel: s for s in self.config.channels}
        async with self.store.transaction() as db:
            rows = await db.execute_fetchall("SELECT channel_id, origin, post_time, timezone FROM schedules")
            existing = {r[0]: r for r in rows}
            for channel_id, origin, *_ in rows:
                if origin == "config" and channel_id not in wanted:
                    await db.execute("DELETE FROM schedules WHERE channel_id = ?", (channel_id,))
            for channel_id, item in wanted.items():
                row = existing.get(channel_id)
                if row is not None and row[1] != "config":
                    log.info("Channel %s has a schedule set by a server admin; the config's is ignored", channel_id)
                    continue
                if row is None or (row[2], row[3]) != (item.time, item.timezone):
                    await db.execute(
                        "INSERT INTO schedules(channel_id, post_time, timezone, mention_role, origin, enabled,"
                        " active_from, created_at, updated_at) VALUES (?, ?, ?, ?, 'config', 1, ?, ?, ?)"
                        " ON CONFLICT(channel_id) DO UPDATE SET post_time = excluded.post_time,"
                        " timezone = excluded.timezone, mention_role = excluded.mention_role,"
                        " active_from = excluded.active_from, updated_at = excluded.updated_at",
                        (channel_id, item.time, item.timezone, item.mention_role, _iso(now), _iso(now), _iso(now)),
                    )
                else:
                    await db.execute(
                        "UPDATE schedules SET mention_role = ? WHERE channel_id = ?", (item.mention_role, channel_id)
                    )
        self._zones.clear()

    async def _update(self, channel_id: int, assignments: str, params: tuple[Any, ...]) -> Schedule | None:
        async with self.store.transaction() as db:
            await db.execute(
                f"UPDATE schedules SET {assignments}, updated_at = ? WHERE channel_id = ?",
                (*params, _iso(datetime.now(UTC)), channel_id),
            )
        found = await self.schedule(channel_id)
        return await self._changed(channel_id, found.guild_id) if found else None

    async def _changed(self, channel_id: int, guild_id: int | None) -> Schedule:
        self._zones.pop(guild_id or 0, None)
        schedule = await self.schedule(channel_id)
        assert schedule is not None
        self._sync_job(schedule)
        return schedule

    async def _done_days(self, channel_id: int, now: datetime) -> set[date]:
        """Local dates around ``now`` whose post is settled (sent, skipped, missed or given up)."""
        rows = await self.store.reader.execute_fetchall(
            "SELECT day FROM daily_posts WHERE channel_id = ? AND state != 'retry' AND day >= ?",
            (channel_id, (now.date() - timedelta(days=2)).isoformat()),
        )
        return {date.fromisoformat(r[0]) for r in rows}

    # -- wake-up jobs ------------------------------------------------------

    def _sync_job(self, schedule: Schedule) -> None:
        if self.scheduler is None:
            return
        self._remove_jobs(schedule.channel_id)
        if not schedule.enabled:
            return
        from apscheduler.triggers.cron import CronTrigger

        hour, minute = parse_time(schedule.time) or (0, 0)
        cron = CronTrigger(hour=hour, minute=minute, timezone=schedule.zone)
        job_id = f"{_JOB}:{schedule.channel_id}"
        self.scheduler.add_job(
            self._wake, cron, id=job_id, replace_existing=True, coalesce=True, misfire_grace_time=None
        )
        # On a daylight-saving day the cron time may not exist; then also wake at our own instant.
        real_now = datetime.now(UTC)
        ours = schedule.next_post(real_now)[1]
        theirs = cron.get_next_fire_time(None, real_now)
        if theirs is None or ours < theirs:
            self.scheduler.add_job(self._wake, "date", run_date=ours, id=f"{job_id}:once", replace_existing=True)

    def _remove_jobs(self, channel_id: int) -> None:
        if self.scheduler is None:
            return
        for suffix in ("", ":once", ":retry"):
            with contextlib.suppress(Exception):  # JobLookupError: nothing to remove
                self.scheduler.remove_job(f"{_JOB}:{channel_id}{suffix}")

    def _wake_at(self, channel_id: int, moment: datetime) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(
                self._wake, "date", run_date=moment, id=f"{_JOB}:{channel_id}:retry", replace_existing=True
            )

    # -- running -----------------------------------------------------------

    async def run_due(self, now: datetime) -> RunReport:
        """Post every enabled schedule whose post for its local date is due at ``now``.

        Due means: the post time has passed, at most ``catch_up_hours`` ago (older
        posts are recorded as missed and logged), the schedule was active then,
        and nothing was posted for that local date yet. Returns what it did.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        async with self._run_lock:
            report = RunReport()
            await self._settle_unresolved(report)
            due = await self._collect_due(now, report)
            if due:
                await self._fan_out(due, now, report)
            return report

    async def _collect_due(self, now: datetime, report: RunReport) -> list[_Due]:
        schedules = [s for s in await self.schedules() if s.enabled]
        oldest = (now - timedelta(days=3)).date().isoformat()
        rows = await self.store.reader.execute_fetchall(
            "SELECT channel_id, day, state, attempts, next_attempt_at, maybe_sent FROM daily_posts WHERE day >= ?",
            (oldest,),
        )
        posts = {(r[0], r[1]): r for r in rows}
        due: list[_Due] = []
        settled: list[tuple[int, date, str, str | None]] = []
        for schedule in schedules:
            today = now.astimezone(schedule.zone).date()
            for day in (today - timedelta(days=1), today):
                at = schedule.post_at(day)
                if at > now or at < schedule.active_from:
                    continue
                decision = self._decide(schedule, day, at, posts.get((schedule.channel_id, day.isoformat())), now)
                if isinstance(decision, _Due):
                    due.append(decision)
                elif decision is not None:
                    settled.append((schedule.channel_id, day, *decision))
        if settled:
            async with self.store.transaction() as db:
                for channel_id, day, state, error in settled:
                    # A new row, or a retry given up; never overwrites a post in flight or sent.
                    await db.execute(
                        "INSERT INTO daily_posts(channel_id, day, state, updated_at, error) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT DO UPDATE SET state = excluded.state, error = excluded.error,"
                        " updated_at = excluded.updated_at WHERE state = 'retry'",
                        (channel_id, day.isoformat(), state, _iso(now), error),
                    )
                    if state == "skipped":
                        await db.execute("UPDATE schedules SET skip_day = NULL WHERE channel_id = ?", (channel_id,))
            report.outcomes += [Outcome(c, d, s, error=e) for c, d, s, e in settled]
        return due

    def _decide(
        self, schedule: Schedule, day: date, at: datetime, row: Sequence[Any] | None, now: datetime
    ) -> _Due | tuple[str, str | None] | None:
        """For a post whose time has passed: send it, settle it as ``(state, error)``, or leave it."""
        if row is None:
            if schedule.skip_day == day:
                return "skipped", None
            if now - at > self.window:
                log.warning(
                    "Missed the post of %s for channel %s (due %s, %s late; the catch-up window is %s)",
                    day,
                    schedule.channel_id,
                    _iso(at),
                    now - at,
                    self.window,
                )
                return "missed", f"due {_iso(at)}, back at {_iso(now)}"
            return _Due(schedule, day, at)
        if row[2] != "retry" or _instant(row[4]) > now:  # type: ignore[operator]
            return None
        item = _Due(schedule, day, at, retry=True, attempts=row[3], maybe_sent=bool(row[5]))
        if now > self._retry_deadline(item):  # e.g. the bot was down until the next day
            return "failed", "gave up: the day ended before a retry"
        return item

    async def _fan_out(self, due: list[_Due], now: datetime, report: RunReport) -> None:
        """Deliver ``due`` through the pacer with bounded concurrency; one failure never blocks another."""
        results = await fan_out(due, lambda item: self._deliver(item, now), self.pacer.concurrency)
        for item, result in zip(due, results, strict=True):
            if isinstance(result, Outcome):
                report.outcomes.append(result)
                continue
            # A bug in one delivery must not stop the others; it is logged and reported.
            log.error(
                "Delivering the post of %s to channel %s failed", item.day, item.schedule.channel_id, exc_info=result
            )
            report.outcomes.append(Outcome(item.schedule.channel_id, item.day, "failed", error=repr(result)))

    async def _deliver(self, item: _Due, now: datetime) -> Outcome:
        if not await self._claim(item, now):
            return Outcome(item.schedule.channel_id, item.day, "busy")
        try:
            return await self._attempt(item, now)
        except (discord.HTTPException, _NoAccess, TimeoutError, aiohttp.ClientError, OSError) as exc:
            return await self._on_error(item, now, exc)

    async def _attempt(self, item: _Due, now: datetime) -> Outcome:
        schedule = item.schedule
        channel = await self._channel(schedule)
        if item.maybe_sent:
            # The last attempt timed out or met a server error: it may have landed after all.
            found = await self._find_post(schedule.channel_id, item.day)
            if found is not None:
                await self._record_sent(schedule, item.day, found.id, None, now)
                return Outcome(schedule.channel_id, item.day, "settled", message_id=found.id)
        self._check_access(channel)
        pick = await self._pick(channel, item.day)
        if pick is None:
            await self._finish(item, "failed", "the story library is empty", now, failures=0)
            return Outcome(schedule.channel_id, item.day, "failed", error="the story library is empty")
        async with self.pacer.slot():
            message = await asyncio.wait_for(self._send(channel, pick, schedule.mention_role), SEND_TIMEOUT)
        await self._record_sent(schedule, item.day, message.id, pick.story.id, now)
        return Outcome(schedule.channel_id, item.day, "sent", message_id=message.id)

    async def _on_error(self, item: _Due, now: datetime, exc: BaseException) -> Outcome:
        """Sort a failed attempt: gone, not allowed, transient (retry), or refused for good."""
        if isinstance(exc, discord.NotFound):
            return await self._failed(item, now, f"the channel no longer exists ({exc.text or exc.status})", gone=True)
        if isinstance(exc, (discord.Forbidden, _NoAccess)):
            return await self._failed(item, now, _forbidden_reason(exc))
        if isinstance(exc, discord.HTTPException) and exc.status < 500 and exc.status != 429:
            log.error("Discord refused the post for channel %s: %s %s", item.schedule.channel_id, exc.status, exc.text)
            return await self._failed(item, now, f"Discord refused the post ({exc.status}: {exc.text})")
        if isinstance(exc, discord.HTTPException):
            return await self._retry(item, now, f"Discord server error {exc.status}: {exc.text}")
        return await self._retry(item, now, f"Discord did not answer ({type(exc).__name__})")

    async def _claim(self, item: _Due, now: datetime) -> bool:
        key = (item.schedule.channel_id, item.day.isoformat())
        async with self.store.transaction() as db:
            if item.retry:
                await db.execute(
                    "UPDATE daily_posts SET state = 'claimed', attempts = attempts + 1, claimed_by = ?,"
                    " updated_at = ? WHERE channel_id = ? AND day = ? AND state = 'retry'",
                    (self.boot_id, _iso(now), *key),
                )
            else:
                await db.execute(
                    "INSERT INTO daily_posts(channel_id, day, state, attempts, claimed_by, updated_at)"
                    " VALUES (?, ?, 'claimed', 1, ?, ?) ON CONFLICT DO NOTHING",
                    (*key, self.boot_id, _iso(now)),
                )
            changed = await db.execute_fetchall("SELECT changes()")
        return changed[0][0] == 1

    async def _channel(self, schedule: Schedule) -> discord.abc.Messageable:
        channel = self.bot.get_channel(schedule.channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(schedule.channel_id)
        guild = getattr(channel, "guild", None)
        if guild is not None and schedule.guild_id != guild.id:
            async with self.store.transaction() as db:
                await db.execute(
                    "UPDATE schedules SET guild_id = ? WHERE channel_id = ?", (guild.id, schedule.channel_id)
                )
        if not isinstance(channel, discord.abc.Messageable):
            raise _NoAccess("that channel cannot hold messages")
        return channel

    @staticmethod
    def _check_access(channel: discord.abc.Messageable) -> None:
        if isinstance(channel, discord.abc.GuildChannel):
            missing = missing_permissions(channel)
            if missing:
                raise _NoAccess(missing)

    async def _pick(self, channel: Any, day: date) -> DailyPick | None:
        guild = getattr(channel, "guild", None)
        return await self.store.pick_of_the_day(scope_for(guild.id if guild else None), day)

    async def _send(
        self, channel: discord.abc.Messageable, pick: DailyPick, mention_role: int | None
    ) -> discord.Message:
        """Send the post. Only the configured role may be pinged; nothing else ever is."""
        embed = story_embed(pick.story, pick.quote, day=pick.day)
        if mention_role:
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(mention_role)], replied_user=False
            )
            return await channel.send(content=f"<@&{mention_role}>", embed=embed, allowed_mentions=mentions)
        return await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())

    async def _record_sent(
        self, schedule: Schedule, day: date, message_id: int, story_id: str | None, now: datetime
    ) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE daily_posts SET state = 'sent', message_id = ?, story_id = coalesce(?, story_id),"
                " maybe_sent = 0, error = NULL, updated_at = ? WHERE channel_id = ? AND day = ?",
                (message_id, story_id, _iso(now), schedule.channel_id, day.isoformat()),
            )
            await db.execute("UPDATE schedules SET failures = 0 WHERE channel_id = ?", (schedule.channel_id,))

    async def _retry(self, item: _Due, now: datetime, error: str) -> Outcome:
        """A transient failure: try again later within the day, checking first whether it landed."""
        schedule = item.schedule
        attempt = item.attempts + 1
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        retry_at = now + timedelta(seconds=delay)
        if retry_at > self._retry_deadline(item):
            log.warning("Giving up the post of %s for channel %s: %s", item.day, schedule.channel_id, error)
            await self._finish(item, "failed", error, now, failures=0)
            return Outcome(schedule.channel_id, item.day, "failed", error=error)
        return await self._retry_later(item, now, retry_at, error, maybe_sent=True, count_failure=False)

    async def _failed(self, item: _Due, now: datetime, reason: str, *, gone: bool = False) -> Outcome:
        """The bot may not post there (or the channel is gone): count it, retry a little, then pause and tell."""
        schedule = item.schedule
        failures = schedule.failures + 1
        if gone or failures >= PAUSE_AFTER:
            await self._finish(item, "failed", reason, now, failures=1)
            await self.pause(schedule.channel_id, reason)
            log.warning("Paused the daily post in channel %s: %s", schedule.channel_id, reason)
            await self._notify(schedule, reason)
            return Outcome(schedule.channel_id, item.day, "paused", error=reason)
        delay = FORBIDDEN_DELAYS[min(item.attempts + 1, len(FORBIDDEN_DELAYS)) - 1]
        retry_at = now + timedelta(seconds=delay)
        if retry_at > self._retry_deadline(item):
            await self._finish(item, "failed", reason, now, failures=1)
            return Outcome(schedule.channel_id, item.day, "failed", error=reason)
        return await self._retry_later(item, now, retry_at, reason, maybe_sent=False, count_failure=True)

    async def _retry_later(
        self, item: _Due, now: datetime, retry_at: datetime, error: str, *, maybe_sent: bool, count_failure: bool
    ) -> Outcome:
        """Record a failed attempt to try again at ``retry_at`` and set a wake-up for it."""
        schedule = item.schedule
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE daily_posts SET state = 'retry', next_attempt_at = ?, maybe_sent = ?, error = ?,"
                " updated_at = ? WHERE channel_id = ? AND day = ?",
                (_iso(retry_at), int(maybe_sent), error, _iso(now), schedule.channel_id, item.day.isoformat()),
            )
            await db.execute(
                "UPDATE schedules SET failures = failures + ?, last_error = ?, last_error_at = ? WHERE channel_id = ?",
                (int(count_failure), error, _iso(now), schedule.channel_id),
            )
        log.warning(
            "Post of %s for channel %s failed (%s); trying again at %s",
            item.day,
            schedule.channel_id,
            error,
            _iso(retry_at),
        )
        self._wake_at(schedule.channel_id, retry_at)
        return Outcome(schedule.channel_id, item.day, "retry", error=error)

    async def _finish(self, item: _Due, state: str, error: str, now: datetime, *, failures: int) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE daily_posts SET state = ?, error = ?, updated_at = ? WHERE channel_id = ? AND day = ?",
                (state, error, _iso(now), item.schedule.channel_id, item.day.isoformat()),
            )
            await db.execute(
                "UPDATE schedules SET failures = failures + ?, last_error = ?, last_error_at = ? WHERE channel_id = ?",
                (failures, error, _iso(now), item.schedule.channel_id),
            )

    def _retry_deadline(self, item: _Due) -> datetime:
        """Retries stop at the end of the post's local day, or the catch-up window if that is later."""
        next_day = datetime.combine(item.day + timedelta(days=1), time(0, 0), tzinfo=item.schedule.zone)
        return max(next_day.astimezone(UTC), item.at + self.window)

    # -- crashes -----------------------------------------------------------

    async def _settle_unresolved(self, report: RunReport) -> None:
        """Resolve claims left by a process that stopped between claiming and recording."""
        rows = await self.store.reader.execute_fetchall(
            "SELECT channel_id, day FROM daily_posts WHERE state = 'claimed' AND claimed_by IS NOT ?",
            (self.boot_id,),
        )
        for channel_id, day_text in rows:
            day = date.fromisoformat(day_text)
            key = (channel_id, day_text)
            try:
                found = await self._find_post(channel_id, day)
            except discord.HTTPException as exc:
                # Unknowable: better one missing post than a duplicate.
                error = f"could not check whether the post went out before a restart ({exc.status})"
                log.warning("Post of %s for channel %s: %s; not sending it", day, channel_id, error)
                await self._set_post(key, "state = 'failed', error = ?", (error,))
                report.outcomes.append(Outcome(channel_id, day, "failed", error=error))
                continue
            if found is not None:
                log.info("Post of %s for channel %s was sent before a restart (message %s)", day, channel_id, found.id)
                await self._set_post(key, "state = 'sent', message_id = ?", (found.id,))
                report.outcomes.append(Outcome(channel_id, day, "settled", message_id=found.id))
            else:
                log.info("Post of %s for channel %s was claimed but never sent; it is due again", day, channel_id)
                async with self.store.transaction() as db:
                    await db.execute("DELETE FROM daily_posts WHERE channel_id = ? AND day = ?", key)

    async def _set_post(self, key: tuple[int, str], assignments: str, params: tuple[Any, ...]) -> None:
        async with self.store.transaction() as db:
            await db.execute(f"UPDATE daily_posts SET {assignments} WHERE channel_id = ? AND day = ?", (*params, *key))

    async def _find_post(self, channel_id: int, day: date) -> discord.Message | None:
        """Our daily post for ``day`` among the channel's recent messages, if it is there."""
        me = self.bot.user
        marker = f" · {day.isoformat()}"
        channel = self.bot.get_partial_messageable(channel_id)
        async for message in channel.history(limit=HISTORY_LOOKBACK):
            if me is None or message.author.id != me.id or message.type is not discord.MessageType.default:
                continue
            footer = message.embeds[0].footer.text if message.embeds else None
            if footer and footer.startswith("Story ID: ") and footer.endswith(marker):
                return message
        return None

    # -- admin actions -----------------------------------------------------

    async def post_now(self, channel: discord.abc.GuildChannel, now: datetime) -> tuple[discord.Message, bool]:
        """Post the server's kindness of the day in ``channel`` now.

        If the channel has a schedule whose post for today has not gone out, this
        post counts as today's (it will not be sent again). Returns the message
        and whether it counted. Raises discord.HTTPException if Discord refuses.
        """
        schedule = await self.schedule(channel.id)
        zone = schedule.zone if schedule else await self.guild_timezone(channel.guild.id)
        day = now.astimezone(zone).date()
        pick = await self._pick(channel, day)
        if pick is None:
            raise _NoAccess("the story library is empty")
        counted, was_retry = False, False
        if schedule is not None and schedule.enabled:
            # Today's post may not exist yet, or be waiting for a retry: either way, this one replaces it.
            counted = await self._claim(_Due(schedule, day, now), now)
            if not counted:
                counted = was_retry = await self._claim(_Due(schedule, day, now, retry=True), now)
        try:
            message = await self._send(channel, pick, schedule.mention_role if schedule else None)  # type: ignore[arg-type]
        except BaseException:
            if counted:  # give the scheduled post back
                key = (channel.id, day.isoformat())
                if was_retry:
                    await self._set_post(key, "state = 'retry'", ())
                else:
                    async with self.store.transaction() as db:
                        await db.execute("DELETE FROM daily_posts WHERE channel_id = ? AND day = ?", key)
            raise
        if counted and schedule is not None:
            await self._record_sent(schedule, day, message.id, pick.story.id, now)
        return message, counted

    async def _notify(self, schedule: Schedule, reason: str) -> None:
        """Tell the server why its daily post stopped: another channel, else the owner by DM, else the log."""
        text = (
            f"⚠️ I couldn't post the kindness of the day in <#{schedule.channel_id}>: {reason}. "
            "I've paused that daily post. Once it's fixed, a server admin can turn it back on with "
            f"`/kindness-admin schedule resume` for <#{schedule.channel_id}>."
        )
        guild = self.bot.get_guild(schedule.guild_id) if schedule.guild_id else None
        if guild is None:
            log.warning("Could not tell anyone (server unknown): %s", text)
            return
        candidates = [guild.system_channel, *sorted(guild.text_channels, key=lambda c: c.position)]
        for channel in candidates:
            if channel is None or channel.id == schedule.channel_id:
                continue
            permissions = channel.permissions_for(guild.me)
            if permissions.view_channel and permissions.send_messages:
                try:
                    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
                except discord.HTTPException:
                    continue
                return
        with contextlib.suppress(discord.HTTPException):
            owner = guild.owner or await self.bot.fetch_user(guild.owner_id)
            await owner.send(text, allowed_mentions=discord.AllowedMentions.none())
            return
        log.warning("Could not tell server %s: %s", guild.id, text)


def _forbidden_reason(error: Exception) -> str:
    if isinstance(error, _NoAccess) and error.args and isinstance(error.args[0], list):
        return f"I'm missing {permission_names(error.args[0])} there"
    if isinstance(error, discord.Forbidden):
        return f"Discord says I'm not allowed to post there ({error.text or 'Missing Permissions'})"
    return str(error)
