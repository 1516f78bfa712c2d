"""Time codes: every common published form read as seconds, and written back for readers,
subtitle files and links to the recording."""

import pytest

from interviews import timecodes
from interviews.parsing import parse_transcript


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("[00:01:23]", 83.0),
        ("(1:23)", 83.0),
        ("00:01:23.456", 83.456),
        ("1:23:45", 5025.0),
        ("00:00:01,000", 1.0),
        ("12:34", 754.0),
    ],
)
def test_every_common_form_is_read_as_seconds(code, expected):
    assert timecodes.seconds(code) == pytest.approx(expected)


def test_minutes_past_59_are_not_a_time_code():
    assert timecodes.seconds("1:75") is None


def test_a_leading_time_code_is_split_from_the_text():
    assert timecodes.split_leading("[0:20] Well, it started") == (20.0, "Well, it started")
    assert timecodes.split_leading("00:01:02 - So") == (62.0, "So")


def test_a_clock_time_inside_a_sentence_is_text():
    assert timecodes.split_leading("9:30am is when we open") == (None, "9:30am is when we open")
    assert timecodes.split_leading("10:30 is when we open") == (None, "10:30 is when we open")
    assert timecodes.split_leading("[0:20 we said") == (None, "[0:20 we said")


def test_clock_and_subtitle_forms():
    assert timecodes.clock(754.9) == "12:34"
    assert timecodes.clock(3723) == "1:02:03"
    assert timecodes.full(3723.5) == "01:02:03.500"
    assert timecodes.full(1, ",") == "00:00:01,000"


def test_youtube_links_take_t_and_media_files_a_fragment():
    assert (
        timecodes.media_link("https://www.youtube.com/watch?v=abc", 754.2)
        == "https://www.youtube.com/watch?v=abc&t=754s"
    )
    assert timecodes.media_link("https://youtu.be/abc?t=5", 10) == "https://youtu.be/abc?t=10s"
    assert timecodes.media_link("https://cdn.example.org/ep41.mp3", 83) == "https://cdn.example.org/ep41.mp3#t=83"


def test_time_code_after_the_label_is_the_turns_start_not_its_text():
    parsed = parse_transcript(
        "Ann: [00:00:04] Welcome.\n\nBob: [00:00:09] Thanks.\n\nAnn: [00:01:00] So.\n\nBob: [1:05] Yes."
    )
    assert [(t.text, t.start) for t in parsed.turns] == [
        ("Welcome.", 4.0),
        ("Thanks.", 9.0),
        ("So.", 60.0),
        ("Yes.", 65.0),
    ]


def test_time_code_on_the_line_after_a_lone_label_is_the_turns_start():
    parsed = parse_transcript(
        "Ann:\n[0:20] Welcome back.\n\nBob:\n[0:25] Thanks.\n\nAnn:\n[0:31] So.\n\nBob:\n[0:35] Yes."
    )
    assert [(t.text, t.start) for t in parsed.turns] == [
        ("Welcome back.", 20.0),
        ("Thanks.", 25.0),
        ("So.", 31.0),
        ("Yes.", 35.0),
    ]


def test_time_code_before_the_label_is_kept_as_the_start():
    parsed = parse_transcript("[00:01:23] Ann: Welcome.\n\n[00:01:30] Bob: Thanks.\n\n[00:02:00] Ann: So.")
    assert [(t.speaker, t.text, t.start) for t in parsed.turns] == [
        ("Ann", "Welcome.", 83.0),
        ("Bob", "Thanks.", 90.0),
        ("Ann", "So.", 120.0),
    ]
