"""Subtitle, podcast and Word transcripts: recognised by content, cues merged into speaker turns
with their times, and bad files refused with a message (nothing read)."""

import io
import json
import zipfile

import pytest

from interviews.parsing import ParseError, parse_transcript
from interviews.parsing.formats import cues, sniff

VTT = b"""WEBVTT

NOTE recorded in studio B

1
00:00:01.000 --> 00:00:04.500
<v Priya Nair>Maya, welcome to the show.

2
00:00:04.600 --> 00:00:07.250
<v Maya Chen>Thanks for having me.

3
00:00:07.300 --> 00:00:09.000
<v.loud Maya Chen>It&amp;s a <i>pleasure</i>.

4
00:00:09.100 --> 00:00:10.000
and an honour.

5
00:00:10.500 --> 00:00:12.000
<v Priya Nair>Where did it start?</v>
"""

SRT = b"""1
00:00:01,000 --> 00:00:04,500
PRIYA: Maya, welcome
to the show.

2
00:00:04,600 --> 00:00:07,250
MAYA: Thanks for having me.

3
00:00:07,300 --> 00:00:09,000
<i>It was my mother's idea.</i>

4
00:00:10,500 --> 00:00:12,000
PRIYA: Where did it start?
"""


def _turns(parsed):
    return [(t.speaker, t.text, t.start, t.end) for t in parsed.turns]


def test_webvtt_voice_spans_become_turns_with_times():
    parsed = parse_transcript(VTT, filename="episode.vtt")
    assert _turns(parsed) == [
        ("Priya Nair", "Maya, welcome to the show.", 1.0, 4.5),
        ("Maya Chen", "Thanks for having me. It&s a pleasure. and an honour.", 4.6, 10.0),
        ("Priya Nair", "Where did it start?", 10.5, 12.0),
    ]
    assert parsed.language == "en"


def test_two_voices_in_one_cue_are_two_turns():
    parsed = parse_transcript(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi.</v> <v Bob>Hello.</v>\n")
    assert [(t.speaker, t.text) for t in parsed.turns] == [("Ann", "Hi."), ("Bob", "Hello.")]


def test_srt_name_prefixes_become_turns_and_unnamed_cues_continue():
    parsed = parse_transcript(SRT, filename="episode.srt")
    assert _turns(parsed) == [
        ("PRIYA", "Maya, welcome to the show.", 1.0, 4.5),
        ("MAYA", "Thanks for having me. It was my mother's idea.", 4.6, 9.0),
        ("PRIYA", "Where did it start?", 10.5, 12.0),
    ]


def test_manifest_hints_map_cue_speakers_to_people():
    from interviews.parsing import SpeakerHint

    parsed = parse_transcript(SRT, speakers=[SpeakerHint("Priya Nair", "host", ["PRIYA"])])
    assert parsed.turns[0].speaker == "Priya Nair"
    assert parsed.turns[0].label == "PRIYA"


def test_cues_without_speakers_are_one_turn_each_for_the_editor_to_map():
    parsed = parse_transcript(
        b"1\n00:00:01,000 --> 00:00:02,000\nHi there.\n\n2\n00:00:03,000 --> 00:00:04,000\nNote: yes.\n"
    )
    assert _turns(parsed) == [("Speaker", "Hi there.", 1.0, 2.0), ("Speaker", "Note: yes.", 3.0, 4.0)]
    assert any("name no speakers" in w for w in parsed.warnings)


BROADCAST_VTT = b"""WEBVTT

00:00:01.000 --> 00:00:03.000
>> ANN LEE: Welcome to the show.

00:00:03.000 --> 00:00:05.000
Today we talk about robots.

00:00:05.000 --> 00:00:08.000
>> BOB KAY: Thanks for having me. >> ANN LEE: So, robots?

00:00:08.000 --> 00:00:10.000
>> Yes, robots.
"""


def test_chevrons_in_captions_mark_a_new_speaker_named_or_not():
    """Broadcast captions: `>>` opens a new speaker's words, anywhere in a cue, named or not."""
    parsed = parse_transcript(BROADCAST_VTT, filename="news.vtt")
    assert _turns(parsed) == [
        ("ANN LEE", "Welcome to the show. Today we talk about robots.", 1.0, 5.0),
        ("BOB KAY", "Thanks for having me.", 5.0, 8.0),
        ("ANN LEE", "So, robots?", 5.0, 8.0),
        ("BOB KAY", "Yes, robots.", 8.0, 10.0),  # unnamed: the other of the two speakers before it
    ]
    assert not any("overlaps" in warning for warning in parsed.warnings)  # one cue's parts share its times
    assert any("1 speaker change marked by “>>” or a dash name nobody" in w for w in parsed.warnings)


def test_dialogue_dashes_in_subtitles_are_two_speakers_in_one_cue():
    srt = (
        b"1\n00:00:01,000 --> 00:00:03,000\n- How are you?\n- Fine, thanks.\n\n"
        b"2\n00:00:03,000 --> 00:00:05,000\nAnd you?\n\n"
        b"3\n00:00:05,000 --> 00:00:07,000\n- Good. -5 degrees outside, though.\n"
    )
    assert [(t.speaker, t.text) for t in parse_transcript(srt, filename="film.srt").turns] == [
        ("Speaker 1", "How are you?"),
        ("Speaker 2", "Fine, thanks. And you?"),
        ("Speaker 1", "Good. -5 degrees outside, though."),
    ]


def test_podcast_json_segments_merge_by_speaker():
    data = {
        "version": "1.0.0",
        "segments": [
            {"speaker": "Ann", "startTime": 0.5, "endTime": 1.0, "body": "Hello"},
            {"speaker": "Ann", "startTime": 1.0, "endTime": 1.8, "body": "and welcome."},
            {"speaker": "Bob", "startTime": 2.0, "endTime": 3.0, "body": "Thanks."},
        ],
    }
    parsed = parse_transcript(json.dumps(data).encode(), filename="transcript.json")
    assert _turns(parsed) == [("Ann", "Hello and welcome.", 0.5, 1.8), ("Bob", "Thanks.", 2.0, 3.0)]


def test_chinese_cues_join_without_spaces():
    parsed = parse_transcript(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v 主持人>你好，\n\n00:00:02.000 --> 00:00:03.000\n欢迎。\n".encode()
    )
    assert parsed.turns[0].text == "你好，欢迎。"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(VTT, "webvtt"), (SRT, "srt"), (b'{"version": "1.0.0", "segments": []}', "podcast_json"), (b"Ann: hi", "")],
)
def test_formats_are_recognised_by_content_not_name(data, kind):
    assert sniff(data) == kind
    # A subtitle file saved as .txt is still read as one.
    if kind in ("webvtt", "srt"):
        assert parse_transcript(data, filename="saved-as.txt").turns[0].start == 1.0


def test_backwards_and_overlapping_times_are_kept_in_order_with_warnings():
    data = b"""WEBVTT

00:00:05.000 --> 00:00:04.000
<v Ann>Backwards.

00:00:03.000 --> 00:00:06.000
<v Bob>Earlier.

00:00:05.000 --> 00:00:07.000
<v Ann>Overlapping.
"""
    parsed = parse_transcript(data)
    assert [t.text for t in parsed.turns] == ["Backwards.", "Earlier.", "Overlapping."]
    assert parsed.warnings == [
        "Cue 1: ends before it starts.",
        "Cue 2: starts before the one above it (kept in file order).",
        "Cue 3: overlaps the one above it.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"WEBVTT\n\n00:00:01.000 --> banana\nHi\n", "Line 3 is not a cue timing"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\n00:00:99.000 --> 00:01:00.000\nYo\n", "Line 6 is not"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03 --> 00:00:04,000\nYo\n", "Line 6 is not a cue timing"),
        (b'{"version": "1", "segments": [{"body": 5}]}', "Segment 1"),
        (b'{"version": "1", "segments": [{"body": "x"}', "not valid JSON"),
        (b'{"version": "1", "segments": "all of it"}', '"segments" list'),
        (b"WEBVTT\n\nNOTE nothing here\n", "no cues with text"),
    ],
)
def test_malformed_files_are_refused_with_a_message(data, message):
    with pytest.raises(ParseError, match=message):
        parse_transcript(data)


def test_too_many_cues_are_refused_before_reading_them():
    cue = "00:00:01.000 --> 00:00:02.000\n<v Ann>Hi.\n\n"
    with pytest.raises(ParseError, match=f"at most {cues.MAX_CUES:,}"):
        parse_transcript(("WEBVTT\n\n" + cue * 100_000).encode())


def _docx(paragraphs):
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_documents_are_read_as_text():
    data = _docx(["Interview with Maya Chen", "Priya: Welcome.", "Maya: Thanks.", "Priya: So?", "Maya: Well."])
    assert sniff(data) == "docx"
    parsed = parse_transcript(data, filename="export.docx")
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Priya", "Welcome."),
        ("Maya", "Thanks."),
        ("Priya", "So?"),
        ("Maya", "Well."),
    ]


def test_a_zip_bomb_is_refused_by_its_unpacked_size_before_extraction():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * (60 * 1024 * 1024))
    with pytest.raises(ParseError, match="refused unread"):
        parse_transcript(buffer.getvalue(), filename="bomb.docx")


def test_a_broken_word_document_is_refused_with_a_message():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<not xml")
    with pytest.raises(ParseError, match="cannot be read"):
        parse_transcript(buffer.getvalue(), filename="broken.docx")
