"""The content format: every shipped file loads; every malformed case gets a pinned, located message."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SHIPPED, story, write_file, write_library

from bot.content import LIMITS, ContentError, list_content_files, load_library, parse_content_file


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_library(root, "content")
    return caught.value.lines()


def test_every_shipped_file_loads() -> None:
    library = load_library(SHIPPED, "content")
    files = list_content_files(SHIPPED)
    assert "quotes.yaml" in files
    assert len([f for f in files if f.startswith("stories/")]) == 4
    assert len(library.stories) == 4
    assert len(library.quotes) >= 30
    assert len({s.id for s in library.stories}) == 4


@pytest.mark.parametrize("rel", list_content_files(SHIPPED))
def test_each_shipped_file_is_valid_on_its_own(rel: str) -> None:
    parsed = parse_content_file((SHIPPED / rel).read_bytes(), rel, f"content/{rel}")
    assert parsed.problems == []
    assert parsed.stories or parsed.quotes


def test_shipped_stories_fit_the_limits_and_have_sources() -> None:
    for s in load_library(SHIPPED).stories:
        assert len(s.title) <= LIMITS["title"]
        assert len(s.story) <= LIMITS["story"]
        assert s.source is not None
        for q in s.quotes:
            assert q.text and q.by


def test_shipped_general_quotes_are_attributed() -> None:
    quotes = load_library(SHIPPED).quotes
    assert all(q.by.strip() for q in quotes)
    assert len({q.text for q in quotes}) == len(quotes)


# Each case: files to write, then the exact problems expected (path:line: message).
CASES = {
    "malformed YAML": (
        {"stories/a.yaml": "id: a\ntitle: [unclosed\nstory: text\n"},
        ["content/stories/a.yaml:3: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"],
    ),
    "wrong type": (
        {"stories/a.yaml": "id: a\ntitle: 42\nstory: text\n"},
        ["content/stories/a.yaml:2: title must be text (put it in quotes), not a number"],
    ),
    "empty file": (
        {"stories/a.yaml": ""},
        ["content/stories/a.yaml:1: the file is empty"],
    ),
    "only comments": (
        {"stories/a.yaml": "# nothing here yet\n"},
        ["content/stories/a.yaml:1: the file is empty"],
    ),
    "missing quote author": (
        {
            "stories/bus.yaml": "id: bus\ntitle: Bus\nstory: A story.\nquotes:\n  - text: Hello\n"
            "  - text: Hi\n    role: driver\n"
        },
        [
            "content/stories/bus.yaml:5: quotes[0].by is required",
            "content/stories/bus.yaml:6: quotes[1].by is required",
        ],
    ),
    "missing required keys": (
        {"stories/a.yaml": "id: a\n"},
        ["content/stories/a.yaml:1: story is required", "content/stories/a.yaml:1: title is required"],
    ),
    "unknown key": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ncolour: blue\n"},
        [
            "content/stories/a.yaml:4: colour is not a known key "
            "(expected one of: id, title, story, where, when, tags, source, quotes)"
        ],
    ),
    "oversized story": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: " + "x" * (LIMITS["story"] + 1) + "\n"},
        [f"content/stories/a.yaml:3: story is {LIMITS['story'] + 1} characters; the limit is {LIMITS['story']}"],
    ),
    "oversized quote": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\nquotes:\n  - by: X\n    text: " + "q" * 501 + "\n"},
        ["content/stories/a.yaml:6: quotes[0].text is 501 characters; the limit is 500"],
    ),
    "non-UTF-8 bytes": (
        {"stories/a.yaml": b"id: a\ntitle: T\nstory: caf\xe9 au lait\n"},
        ["content/stories/a.yaml:3: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"],
    ),
    "alias bomb": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ntags: &a [x, y]\nquotes: &b [*a, *a, *a]\n"},
        ["content/stories/a.yaml:4: YAML anchors and aliases (&, *) are not allowed; write the value out in full"],
    ),
    "billion laughs": (
        {
            "stories/a.yaml": "id: a\ntitle: T\nstory: S\ntags: &a [x]\n"
            + "".join(
                f"x{i}: &x{i} [" + ", ".join([f"*{'a' if i == 0 else f'x{i - 1}'}"] * 9) + "]\n" for i in range(9)
            )
        },
        ["content/stories/a.yaml:4: YAML anchors and aliases (&, *) are not allowed; write the value out in full"],
    ),
    "recursive alias": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ntags: &r [*r]\n"},
        ["content/stories/a.yaml:4: YAML anchors and aliases (&, *) are not allowed; write the value out in full"],
    ),
    "python tag": (
        {"stories/a.yaml": "id: a\ntitle: !!python/object/apply:os.system [echo hi]\nstory: S\n"},
        [
            "content/stories/a.yaml:2: title must be text (put it in quotes), not a list",
            "content/stories/a.yaml:2: unsupported YAML tag !!python/object/apply:os.system",
        ],
    ),
    "duplicate key": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ntitle: U\n"},
        ["content/stories/a.yaml:4: duplicate key 'title' (first written on line 2)"],
    ),
    "two documents": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\n---\nid: b\n"},
        [
            "content/stories/a.yaml:4: invalid YAML: but found another document "
            "(expected a single document in the stream)"
        ],
    ),
    "bad id": (
        {"stories/a.yaml": "id: Bus_Driver\ntitle: T\nstory: S\n"},
        ["content/stories/a.yaml:1: id 'Bus_Driver' must use lowercase letters, digits and single hyphens"],
    ),
    "bad when": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\nwhen: 2019-02-30\n"},
        ["content/stories/a.yaml:4: when must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '2019-02-30'"],
    ),
    "bad url": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\nsource:\n  name: N\n  url: javascript:alert(1)\n"},
        ["content/stories/a.yaml:6: source.url must start with http:// or https://"],
    ),
    "bad tags": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ntags: [ok, Not OK]\n"},
        ["content/stories/a.yaml:4: tags[1] must be a lowercase-hyphenated tag of at most 32 characters"],
    ),
    "source without name": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\nsource:\n  url: https://example.org\n"},
        ["content/stories/a.yaml:4: source.name is required"],
    ),
    "bad item in a list file": (
        {"stories/a.yaml": "stories:\n  - id: a\n    title: T\n    story: S\n  - id: b\n    story: S\n"},
        ["content/stories/a.yaml:5: stories[1].title is required"],
    ),
    "not a mapping": (
        {"stories/a.yaml": "- just\n- a list\n"},
        [
            "content/stories/a.yaml:1: a stories file holds one story (a mapping with id, title, story) "
            "or 'stories:' with a list"
        ],
    ),
    "duplicate ids across files": (
        {"stories/a.yaml": "id: same\ntitle: T\nstory: S\n", "stories/b.yaml": "\n\nid: same\ntitle: U\nstory: S\n"},
        ["content/stories/b.yaml:3: duplicate id 'same' (first defined at content/stories/a.yaml:1)"],
    ),
    "quotes file without list": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\n", "quotes.yaml": "- text: hi\n  by: me\n"},
        ["content/quotes.yaml:1: quotes.yaml must hold 'quotes:' with a list of quotes"],
    ),
    "general quote problems": (
        {
            "stories/a.yaml": "id: a\ntitle: T\nstory: S\n",
            "quotes.yaml": "quotes:\n  - text: Be kind.\n    by: Someone\n  - text: Be kind.\n    by: Someone\n"
            "  - text: No author\n  - text: Odd\n    by: X\n    role: poet\n",
        },
        [
            "content/quotes.yaml:4: quotes[1] repeats quotes[0]",
            "content/quotes.yaml:6: quotes[2].by is required",
            "content/quotes.yaml:9: quotes[3].role is not a known key (expected one of: text, by, source)",
        ],
    ),
    "no stories at all": (
        {"quotes.yaml": "quotes:\n  - text: Be kind.\n    by: Someone\n"},
        ["content/stories:1: no stories found (add .yaml files to this folder)"],
    ),
    "deep nesting": (
        {"stories/a.yaml": "id: a\ntitle: T\nstory: S\ntags: " + "[" * 40 + "]" * 40 + "\n"},
        ["content/stories/a.yaml:4: nested more than 16 levels deep"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_content_is_reported_with_path_and_line(tmp_path: Path, case: str) -> None:
    files, expected = CASES[case]
    root = tmp_path / "content"
    (root / "stories").mkdir(parents=True)
    for rel, text in files.items():
        write_file(root, rel, text)
    assert problems_of(root) == sorted(expected)


def test_every_problem_in_every_file_is_collected(tmp_path: Path) -> None:
    root = tmp_path / "content"
    write_file(root, "stories/a.yaml", "id: a\ntitle: 1\nstory: S\n")
    write_file(root, "stories/b.yaml", "id: b\ntitle: [\n")
    write_file(root, "stories/c.yaml", "id: c\ntitle: T\nstory: S\nextra: 1\n")
    write_file(root, "stories/d.yaml", "id: d\ntitle: T\nstory: S\n")
    found = problems_of(root)
    assert [line.split(":")[0] for line in found] == [
        "content/stories/a.yaml",
        "content/stories/b.yaml",
        "content/stories/c.yaml",
    ]


def test_missing_folder_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == ["content:1: the content folder does not exist"]


def test_story_file_and_list_file_forms_both_load(tmp_path: Path) -> None:
    root = write_library(tmp_path / "c", [story("one"), story("two", tags=["a", "b"], when=2019)])
    write_file(root, "stories/single.yaml", "id: three\ntitle: Three\nstory: S\nwhen: 2020-05\n")
    library = load_library(root)
    by_id = {s.id: s for s in library.stories}
    assert set(by_id) == {"one", "two", "three"}
    assert by_id["two"].when == "2019" and by_id["two"].when_display == "2019"
    assert by_id["three"].when_display == "May 2020"
    assert by_id["two"].tags == ("a", "b")


def test_unquoted_dates_and_text_are_kept_as_written(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write_file(root, "stories/a.yaml", "id: a\ntitle: 'Yes: a title'\nstory: S\nwhen: 2018-05-03\n")
    (only,) = load_library(root).stories
    assert only.when == "2018-05-03"
    assert only.when_display == "3 May 2018"
