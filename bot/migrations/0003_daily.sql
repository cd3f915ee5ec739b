-- The daily post: schedules, and one row per schedule and local date.

-- One schedule per channel. origin is 'config' (from the config file) or
-- 'admin' (/kindness-admin schedule set). active_from is the UTC instant from
-- which posts count: a post due before it (before the schedule was set or
-- resumed) is never caught up.
CREATE TABLE schedules (
    channel_id    INTEGER PRIMARY KEY,
    guild_id      INTEGER,
    post_time     TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    mention_role  INTEGER,
    origin        TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    paused_reason TEXT,
    skip_day      TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_error_at TEXT,
    active_from   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX schedules_by_guild ON schedules(guild_id, created_at);

-- state: 'claimed' (being sent, by the process claimed_by), 'sent',
-- 'retry' (a transient failure; try again at next_attempt_at), 'failed',
-- 'skipped' (an admin skipped it) or 'missed' (outside the catch-up window).
-- A row is claimed before sending and completed after, so a post goes out at
-- most once per channel and local date, even across crashes.
CREATE TABLE daily_posts (
    channel_id      INTEGER NOT NULL,
    day             TEXT NOT NULL,
    state           TEXT NOT NULL,
    story_id        TEXT,
    message_id      INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    maybe_sent      INTEGER NOT NULL DEFAULT 0,
    claimed_by      TEXT,
    updated_at      TEXT NOT NULL,
    error           TEXT,
    PRIMARY KEY (channel_id, day)
);

CREATE INDEX daily_posts_pending ON daily_posts(state) WHERE state IN ('claimed', 'retry');

CREATE INDEX daily_posts_by_day ON daily_posts(day);
