"""The config file: every key checked, errors name the key, the token never shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_file

from bot import load_config
from bot.config import ConfigError, default_content_dir

SECRET = "MTAxMjM0NTY3ODkwMTIzNDU2.secret.token-value"
EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.yaml"


def test_the_example_config_is_valid_and_documents_every_key() -> None:
    config = load_config(EXAMPLE, env={})
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in (
        "token",
        "database",
        "content",
        "owners",
        "sync_guild",
        "log_level",
        "daily",
        "channels",
        "catch_up_hours",
        "rate_per_second",
        "max_concurrency",
        "mention_role",
        "timezone",
    ):
        assert f"{key}:" in text, key
    assert config.database.is_absolute()


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = write_file(tmp_path / "etc", "config.yaml", "database: data/k.sqlite3\ncontent: stories-here\n")
    config = load_config(path, env={})
    assert config.database == tmp_path / "etc" / "data" / "k.sqlite3"
    assert config.content == tmp_path / "etc" / "stories-here"
    assert config.content_display == "stories-here"


def test_defaults_without_a_file() -> None:
    config = load_config(None, env={})
    assert config.content == default_content_dir()
    assert config.token is None
    assert config.daily.catch_up_hours == 6


def test_environment_token_overrides_the_file(tmp_path: Path) -> None:
    path = write_file(tmp_path, "c.yaml", "token: from-file\n")
    assert load_config(path, env={}).token == "from-file"
    assert load_config(path, env={"DISCORD_TOKEN": SECRET}).token == SECRET


def test_the_token_never_appears_in_repr_or_errors(tmp_path: Path) -> None:
    path = write_file(tmp_path, "c.yaml", f"token: {SECRET}\nowners: [nope]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert SECRET not in str(caught.value)
    good = write_file(tmp_path, "d.yaml", f"token: {SECRET}\n")
    config = load_config(good, env={})
    assert SECRET not in repr(config)
    assert SECRET not in str(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("colour: blue\n", "c.yaml:1: colour is not a known key"),
        (
            "owners: [12, abc]\n",
            "c.yaml:1: owners[1] must be a Discord id (a number like 123456789012345678), not 'abc'",
        ),
        ("owners: 12\n", "c.yaml:1: owners must be a list of Discord user ids"),
        ("sync_guild: -5\n", "c.yaml:1: sync_guild must be a Discord id"),
        ("log_level: LOUD\n", "c.yaml:1: log_level must be one of DEBUG, INFO, WARNING, ERROR, not 'LOUD'"),
        (
            "daily:\n  channels:\n    - channel: 1\n      time: '25:00'\n      timezone: UTC\n",
            'c.yaml:4: daily.channels[0].time must be "HH:MM" (24-hour, e.g. "09:00"), not \'25:00\'',
        ),
        (
            "daily:\n  channels:\n    - channel: 1\n      time: 9:30\n      timezone: UTC\n",
            'c.yaml:4: daily.channels[0].time must be quoted text like "09:30"',
        ),
        (
            "daily:\n  channels:\n    - channel: 1\n      time: '09:30'\n      timezone: Mars/Olympus\n",
            "c.yaml:5: daily.channels[0].timezone must be an IANA zone such as Europe/London",
        ),
        (
            "daily:\n  channels:\n    - time: '09:30'\n      timezone: UTC\n",
            "c.yaml:3: daily.channels[0].channel is required",
        ),
        ("daily:\n  catch_up_hours: 99\n", "c.yaml:2: daily.catch_up_hours must be a number from 0 to 24, not 99"),
        ("daily:\n  rate_per_second: 500\n", "c.yaml:2: daily.rate_per_second must be a number from 0.1 to 50"),
        ("daily:\n  nonsense: 1\n", "c.yaml:2: daily.nonsense is not a known key"),
        ("database: [a]\n", "c.yaml:1: database must be a file path as text"),
        ("- a list\n", "c.yaml:1: the config file must be a mapping of keys"),
        ("a: [\n", "c.yaml:2: invalid YAML"),
    ],
)
def test_config_errors_name_the_key_and_what_is_expected(tmp_path: Path, text: str, expected: str) -> None:
    path = write_file(tmp_path, "c.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert any(line.startswith(str(tmp_path / expected)) for line in caught.value.problems), caught.value.problems


def test_schedules_are_read(tmp_path: Path) -> None:
    path = write_file(
        tmp_path,
        "c.yaml",
        "daily:\n  channels:\n    - channel: '123'\n      time: '7:05'\n"
        "      timezone: Europe/London\n      mention_role: 456\n",
    )
    (schedule,) = load_config(path, env={}).daily.channels
    assert (schedule.channel, schedule.time, schedule.timezone, schedule.mention_role) == (
        123,
        "07:05",
        "Europe/London",
        456,
    )


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "absent.yaml", env={})
