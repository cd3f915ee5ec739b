-- Autocomplete and paging order by (title_key, id): an index in that order lets
-- SQLite stop after the first page instead of sorting every matching title.
DROP INDEX stories_by_title;
CREATE INDEX stories_by_title ON stories(title_key, id) WHERE active = 1;
