"""The editor's ways on for a file whose labels the parser cannot find: arguments of the parser,
and a label pattern language that refuses what it cannot compile safely."""

import time

import pytest

from interviews.parsing import ParseError, ParseOptions, parse_transcript
from interviews.parsing.options import MAX_PARAGRAPHS, compile_label_pattern
from tests.parsing.helpers import said

ESSAY_LIKE = (
    "A conversation about robots\n\n"
    "Welcome. Tell us how it started.\n\n"
    "In a garage, like most things.\n\n"
    "And after that.\n\n"
    "Then we grew, slowly."
)


def test_the_file_alone_has_no_turns():
    with pytest.raises(ParseError, match="No speaker turns found"):
        parse_transcript(ESSAY_LIKE)


def test_alternating_speakers_take_turns_from_the_first_named():
    result = parse_transcript(ESSAY_LIKE, options=ParseOptions(way="alternating", speakers=("Ann", "Bob"), skip=1))
    assert said(result) == [
        ("Ann", "Welcome. Tell us how it started."),
        ("Bob", "In a garage, like most things."),
        ("Ann", "And after that."),
        ("Bob", "Then we grew, slowly."),
    ]
    assert result.title == "A conversation about robots"  # the skipped paragraph stays the title


def test_alternating_needs_two_different_names():
    for speakers in [(), ("Ann",), ("Ann", " "), ("Ann", "ann")]:
        with pytest.raises(ParseError, match="two different names"):
            ParseOptions(way="alternating", speakers=speakers)


def test_one_paragraph_per_turn_labels_each_by_its_number():
    result = parse_transcript(ESSAY_LIKE, options=ParseOptions(way="paragraphs", skip=1))
    assert [turn.label for turn in result.turns] == ["¶ 1", "¶ 2", "¶ 3", "¶ 4"]
    assert result.turns[1].text == "In a garage, like most things."
    assert not any("appears only once" in warning for warning in result.warnings)


def test_one_paragraph_per_turn_is_refused_beyond_what_an_editor_can_map():
    text = "\n\n".join(f"Paragraph number {n}." for n in range(MAX_PARAGRAPHS + 1))
    with pytest.raises(ParseError, match="Describe what the labels look like"):
        parse_transcript(text, options=ParseOptions(way="paragraphs"))


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        ("NAME:", "Ann: Hello there.\n\nBob: Hi.", [("Ann", "Hello there."), ("Bob", "Hi.")]),
        ("[NAME]", "[Ann] Hello there.\n\n[Bob]\nHi.", [("Ann", "Hello there."), ("Bob", "Hi.")]),
        ("NAME -", "Ann - Hello there.\n\nBob -Hi.", [("Ann", "Hello there."), ("Bob", "Hi.")]),
        ("NAME:", "田中：こんにちは。\n\n鈴木：はい。", [("田中", "こんにちは。"), ("鈴木", "はい。")]),
        (">> NAME:", ">> ANN SMITH: Hello.\n\n>>BOB: Hi.", [("ANN SMITH", "Hello."), ("BOB", "Hi.")]),
    ],
    ids=["colon", "brackets", "dash", "full-width-colon", "chevrons"],
)
def test_labels_look_like_a_pattern(pattern, text, expected):
    assert said(parse_transcript(text, options=ParseOptions(way="pattern", pattern=pattern))) == expected


def test_a_pattern_replaces_labels_the_parser_would_have_taken():
    """The editor disagrees: `Note:` lines are text, the bracketed names are the speakers."""
    text = "[Ann] Note: this is important.\n\n[Bob] Note: so is this.\n\n[Ann] Agreed."
    assert [t.speaker for t in parse_transcript(text, options=ParseOptions(way="pattern", pattern="[NAME]")).turns] == [
        "Ann",
        "Bob",
        "Ann",
    ]


@pytest.mark.parametrize(
    "pattern, refusal",
    [
        ("", "Type what a label looks like"),
        ("   ", "Type what a label looks like"),
        ("NAME: " + "x" * 30, "at most 30 characters"),
        ("Speaker:", "needs NAME where the speaker's name stands"),
        ("name:", "needs NAME"),
        ("NAME and NAME:", "use NAME once"),
        ("NAME", "something beside NAME"),
    ],
    ids=["empty", "blank", "too-long", "no-placeholder", "lower-case", "two-placeholders", "only-placeholder"],
)
def test_the_pattern_language_refuses(pattern, refusal):
    with pytest.raises(ParseError, match=refusal):
        ParseOptions(way="pattern", pattern=pattern)


def test_a_pattern_is_literal_text_not_a_regex():
    regex = compile_label_pattern("(NAME).*:")
    assert regex.match("(Ann).*: hi")
    assert not regex.match("(Ann) anything: hi")


def test_a_pattern_cannot_make_matching_slow():
    """A line of 100,000 characters that almost matches costs no more than a short one."""
    text = "Ann" + " x" * 50_000 + "\n\nBob: hi"
    started = time.perf_counter()
    result = parse_transcript(text, options=ParseOptions(way="pattern", pattern="NAME:"))
    assert time.perf_counter() - started < 2
    assert said(result)[-1] == ("Bob", "hi")


def test_a_pattern_that_matches_nothing_says_so():
    with pytest.raises(ParseError, match="No line starts with a label like “NAME:”"):
        parse_transcript(ESSAY_LIKE, options=ParseOptions(way="pattern", pattern="NAME:"))


def test_options_round_trip_as_json_and_refuse_unknown_keys():
    options = ParseOptions(way="alternating", speakers=("Ann", "Bob"), skip=2)
    assert ParseOptions.from_json(options.to_json()) == options
    assert ParseOptions.from_json({}) == ParseOptions() and ParseOptions().to_json() == {}
    with pytest.raises(ParseError, match="has no “regex”"):
        ParseOptions.from_json({"way": "pattern", "regex": ".*"})
    with pytest.raises(ParseError, match="not a way"):
        ParseOptions.from_json({"way": "guess"})


def test_subtitle_files_refuse_a_way_of_reading_paragraphs():
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi there.\n"
    with pytest.raises(ParseError, match="read cue by cue"):
        parse_transcript(vtt, options=ParseOptions(way="paragraphs"))
    assert parse_transcript(vtt, options=ParseOptions()).turns[0].text == "Hi there."
