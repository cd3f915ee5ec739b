-- The story library, general quotes, and the kindness-of-the-day history.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per content file of the last successful import, to skip unchanged content.
CREATE TABLE content_files (
    path   TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL
);

-- Stories are never deleted: a removed story is marked inactive, so the
-- history of what was posted keeps working.
CREATE TABLE stories (
    pk          INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    title_key   TEXT NOT NULL,
    story       TEXT NOT NULL,
    place       TEXT,
    occurred    TEXT,
    tags        TEXT NOT NULL,
    source_name TEXT,
    source_url  TEXT,
    quotes      TEXT NOT NULL,
    quotes_text TEXT NOT NULL,
    digest      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    added_at    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE INDEX stories_by_title ON stories(title_key) WHERE active = 1;

CREATE VIRTUAL TABLE stories_fts USING fts5(
    title, story, place, tags, quotes_text,
    content = 'stories',
    content_rowid = 'pk',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Titles weigh most, then tags, place and quotes, then the story text.
INSERT INTO stories_fts(stories_fts, rank) VALUES ('rank', 'bm25(8.0, 1.0, 2.0, 4.0, 2.0)');

-- The index holds exactly the active stories. The store maintains it itself
-- (no triggers), so a first import can build it in bulk with 'rebuild'.

CREATE TABLE quotes (
    key      TEXT PRIMARY KEY,
    text     TEXT NOT NULL,
    by       TEXT NOT NULL,
    source   TEXT,
    position INTEGER NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1
);

-- The kindness of the day, per scope ('global' or 'guild:<id>') and date.
-- The quote is copied in, so changing quotes.yaml never rewrites the past.
CREATE TABLE daily_picks (
    scope        TEXT NOT NULL,
    day          TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    story_cycle  INTEGER NOT NULL,
    quote_text   TEXT,
    quote_by     TEXT,
    quote_role   TEXT,
    quote_source TEXT,
    quote_key    TEXT,
    quote_cycle  INTEGER,
    picked_at    TEXT NOT NULL,
    PRIMARY KEY (scope, day)
);

CREATE INDEX daily_picks_by_cycle ON daily_picks(scope, story_cycle);
CREATE INDEX daily_picks_by_quote_cycle ON daily_picks(scope, quote_cycle) WHERE quote_key IS NOT NULL;
CREATE INDEX daily_picks_by_story ON daily_picks(scope, story_id);
