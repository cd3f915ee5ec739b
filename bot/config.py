"""The bot's configuration: one YAML file, the token from the environment.

Relative paths in the file are resolved against the file's own folder, never
the working directory. The token is kept out of every repr, log and message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.yamlsafe import Document, YamlProblem, read_yaml

__all__ = [
    "Config",
    "ConfigError",
    "DailyConfig",
    "ScheduleConfig",
    "default_content_dir",
    "default_database",
    "load_config",
    "parse_time",
    "parse_timezone",
]

TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 - the name of the variable, not a token
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """The configuration is wrong; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ScheduleConfig:
    """A daily post from the config file: where, when, in which time zone, whom to notify."""

    channel: int
    time: str
    timezone: str
    mention_role: int | None = None


@dataclass(frozen=True)
class DailyConfig:
    """Settings of the daily post."""

    channels: tuple[ScheduleConfig, ...] = ()
    catch_up_hours: float = 6.0
    rate_per_second: float = 45.0
    max_concurrency: int = 8


@dataclass(frozen=True)
class Config:
    """The whole configuration. Build it with :func:`load_config`."""

    database: Path
    content: Path
    content_display: str
    owners: frozenset[int] = frozenset()
    sync_guild: int | None = None
    log_level: str = "INFO"
    daily: DailyConfig = field(default_factory=DailyConfig)
    token: str | None = field(default=None, repr=False)
    path: Path | None = None

    def with_token(self, token: str | None) -> Config:
        """A copy with another token (kept out of repr like the original)."""
        return replace(self, token=token)


def default_content_dir() -> Path:
    """The stories shipped with kindness-bot (inside the wheel, or the source checkout)."""
    here = Path(__file__).resolve().parent
    bundled = here / "_content"
    return bundled if bundled.is_dir() else here.parent / "content"


def default_database() -> Path:
    """Where the database lives when the config names none: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kindness-bot" / "kindness.sqlite3"


def parse_time(value: str) -> tuple[int, int] | None:
    """``"HH:MM"`` (24-hour) as ``(hour, minute)``, or ``None`` if it is not one."""
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_timezone(value: str) -> ZoneInfo | None:
    """An IANA time zone such as ``Europe/London``, or ``None`` if there is no such zone."""
    if not isinstance(value, str) or not value or value.startswith(("/", ".")) or ".." in value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def load_config(path: Path | str | None = None, *, env: dict[str, str] | None = None) -> Config:
    """Read the config file at ``path`` (or use defaults when ``None``).

    ``DISCORD_TOKEN`` in the environment overrides ``token`` in the file.
    Raises :class:`ConfigError` naming each wrong key and what it expects.
    """
    environ = os.environ if env is None else env
    if path is None:
        config = Config(database=default_database(), content=default_content_dir(), content_display="content")
        return config.with_token(environ.get(TOKEN_ENV) or None)
    path = Path(path)
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{shown}: cannot read the config file: {exc.strerror}"]) from None
    try:
        doc = read_yaml(data)
    except YamlProblem as exc:
        raise ConfigError([f"{shown}:{exc.line}: {exc.message}"]) from None
    reader = _Reader(doc, shown, path.resolve().parent)
    config = reader.config()
    problems = [f"{shown}:{p.line}: {p.message}" for p in doc.problems] + reader.problems
    if problems:
        raise ConfigError(problems)
    token = environ.get(TOKEN_ENV) or config.token
    return replace(config, token=token or None, path=path)


_TOP_KEYS = ("token", "database", "content", "owners", "sync_guild", "log_level", "daily")
_DAILY_KEYS = ("channels", "catch_up_hours", "rate_per_second", "max_concurrency")
_SCHEDULE_KEYS = ("channel", "time", "timezone", "mention_role")


class _Reader:
    def __init__(self, doc: Document, shown: str, base: Path) -> None:
        self.doc = doc
        self.shown = shown
        self.base = base
        self.problems: list[str] = []

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(f"{self.shown}:{self.doc.line(path)}: {message}")

    def config(self) -> Config:
        raw = self.doc.value
        if not isinstance(raw, dict):
            self.add((), "the config file must be a mapping of keys (see config.example.yaml)")
            raw = {}
        self.unknown(raw, (), "", _TOP_KEYS)
        token = raw.get("token")
        if token is not None and not isinstance(token, str):
            self.add(("token",), "token must be text (better: leave it out and set DISCORD_TOKEN)")
            token = None
        content_raw = raw.get("content")
        content = self.path_value(raw, "content", default_content_dir())
        daily = self.daily(raw.get("daily"))
        return Config(
            database=self.path_value(raw, "database", default_database()),
            content=content,
            content_display=content_raw if isinstance(content_raw, str) else "content",
            owners=frozenset(self.ids(raw, "owners")),
            sync_guild=self.snowflake(raw, ("sync_guild",), "sync_guild", optional=True),
            log_level=self.log_level(raw),
            daily=daily,
            token=token,
        )

    def unknown(self, raw: dict[str, Any], path: tuple[Any, ...], prefix: str, known: tuple[str, ...]) -> None:
        for key in raw:
            if key not in known:
                self.add((*path, key), f"{prefix}{key} is not a known key (expected one of: {', '.join(known)})")

    def path_value(self, raw: dict[str, Any], key: str, default: Path) -> Path:
        value = raw.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.add((key,), f"{key} must be a file path as text")
            return default
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.base / candidate

    def snowflake(self, raw: dict[str, Any], path: tuple[Any, ...], name: str, *, optional: bool) -> int | None:
        value = raw.get(path[-1])
        if value is None:
            if not optional:
                self.add(path, f"{name} is required (a Discord id, e.g. 123456789012345678)")
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**64:
            self.add(path, f"{name} must be a Discord id (a number like 123456789012345678), not {value!r}")
            return None
        return value

    def ids(self, raw: dict[str, Any], key: str) -> list[int]:
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add((key,), f"{key} must be a list of Discord user ids")
            return []
        found = []
        for index, item in enumerate(value):
            parsed = self.snowflake({index: item}, (key, index), f"{key}[{index}]", optional=False)
            if parsed is not None:
                found.append(parsed)
        return found

    def log_level(self, raw: dict[str, Any]) -> str:
        value = raw.get("log_level", "INFO")
        if not isinstance(value, str) or value.upper() not in _LOG_LEVELS:
            self.add(("log_level",), f"log_level must be one of {', '.join(_LOG_LEVELS)}, not {value!r}")
            return "INFO"
        return value.upper()

    def number(self, raw: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
        value = raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.add(("daily", key), f"daily.{key} must be a number from {low:g} to {high:g}, not {value!r}")
            return default
        return float(value)

    def daily(self, raw: Any) -> DailyConfig:
        if raw is None:
            return DailyConfig()
        if not isinstance(raw, dict):
            self.add(("daily",), "daily must be a mapping (see config.example.yaml)")
            return DailyConfig()
        self.unknown(raw, ("daily",), "daily.", _DAILY_KEYS)
        channels = raw.get("channels") or []
        schedules: list[ScheduleConfig] = []
        if not isinstance(channels, list):
            self.add(("daily", "channels"), "daily.channels must be a list of {channel, time, timezone}")
            channels = []
        seen: set[int] = set()
        for index, item in enumerate(channels):
            schedule = self.schedule(item, ("daily", "channels", index), f"daily.channels[{index}]")
            if schedule is None:
                continue
            if schedule.channel in seen:
                self.add(
                    ("daily", "channels", index),
                    f"daily.channels[{index}]: channel {schedule.channel} is listed twice (one schedule per channel)",
                )
                continue
            seen.add(schedule.channel)
            schedules.append(schedule)
        return DailyConfig(
            channels=tuple(schedules),
            catch_up_hours=self.number(raw, "catch_up_hours", 6.0, 0, 24),
            rate_per_second=self.number(raw, "rate_per_second", 45.0, 0.1, 50),
            max_concurrency=int(self.number(raw, "max_concurrency", 8, 1, 64)),
        )

    def schedule(self, item: Any, path: tuple[Any, ...], label: str) -> ScheduleConfig | None:
        if not isinstance(item, dict):
            self.add(path, f"{label} must be a mapping with channel, time and timezone")
            return None
        before = len(self.problems)
        self.unknown(item, path, f"{label}.", _SCHEDULE_KEYS)
        channel = self.snowflake(item, (*path, "channel"), f"{label}.channel", optional=False)
        role = self.snowflake(item, (*path, "mention_role"), f"{label}.mention_role", optional=True)
        time = item.get("time")
        if time is None:
            self.add(path, f'{label}.time is required ("HH:MM", 24-hour, e.g. "09:00")')
        elif isinstance(time, int) and not isinstance(time, bool):
            # YAML 1.1 reads an unquoted 09:30 as a base-60 number: say how to fix it.
            self.add((*path, "time"), f'{label}.time must be quoted text like "09:30" (YAML reads 9:30 as a number)')
        elif parse_time(time) is None:
            self.add((*path, "time"), f'{label}.time must be "HH:MM" (24-hour, e.g. "09:00"), not {time!r}')
        zone = item.get("timezone")
        if zone is None:
            self.add(path, f"{label}.timezone is required (an IANA zone such as Europe/London)")
        elif parse_timezone(zone) is None:
            self.add(
                (*path, "timezone"),
                f"{label}.timezone must be an IANA zone such as Europe/London or America/New_York, not {zone!r}",
            )
        if len(self.problems) != before or channel is None:
            return None
        hour, minute = parse_time(time)  # type: ignore[misc]
        return ScheduleConfig(channel=channel, time=f"{hour:02d}:{minute:02d}", timezone=zone, mention_role=role)
