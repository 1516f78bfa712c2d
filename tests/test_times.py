"""Timed transcripts: turns keep their start and end through ingest, link to that moment of the
recording, and keep their permalinks when a corrected file is ingested again."""

import pytest

from tests.factories import ingest_text, make_source

pytestmark = pytest.mark.django_db

VTT = """WEBVTT

00:00:04.000 --> 00:00:06.500
<v Host>Welcome to the show. What matters most in training models?

00:00:07.000 --> 00:00:12.000
<v Guest>Data quality matters more than anything else.

00:12:34.000 --> 00:12:40.000
<v Host>And compute?

00:12:41.000 --> 00:12:50.000
<v Guest>Compute helps, but it is the dumbest way to improve a model.
"""
YOUTUBE = "https://www.youtube.com/watch?v=abc123"


def ingest_vtt(text=VTT, **kwargs):
    return ingest_text(text=text, filename="talk.vtt", **kwargs)


def test_subtitle_turns_are_stored_with_their_times_and_speakers():
    transcript = ingest_vtt().transcript
    turns = list(transcript.turns.select_related("speaker"))
    assert [(t.speaker.name, t.start, t.end) for t in turns] == [
        ("Hanna Host", 4.0, 6.5),
        ("Gita Guest", 7.0, 12.0),
        ("Hanna Host", 754.0, 760.0),
        ("Gita Guest", 761.0, 770.0),
    ]


def test_untimed_turns_have_no_times():
    turn = ingest_text().transcript.turns.first()
    assert (turn.start, turn.end, turn.clock, turn.get_media_url()) == (None, None, "", "")


def test_a_timed_turn_links_to_its_moment_of_the_recording():
    transcript = ingest_vtt(media_url=YOUTUBE).transcript
    turn = transcript.turns.get(ordinal=2)
    assert turn.clock == "12:34"
    assert turn.get_media_url() == YOUTUBE + "&t=754s"


def test_a_manifest_names_the_recording(tmp_path):
    import json

    from interviews.sources import read_manifest

    (tmp_path / "talk.vtt").write_text(VTT)
    manifest = {
        "interview": {"slug": "a-talk", "title": "A talk", "media_url": "https://example.org/talk.mp3"},
        "transcripts": [{"file": "talk.vtt", "language": "en"}],
    }
    (tmp_path / "talk.json").write_text(json.dumps(manifest))
    assert read_manifest(tmp_path / "talk.json")[0].transcript.media_url == "https://example.org/talk.mp3"


def test_a_recording_address_must_be_a_web_address():
    from interviews.ingest import ingest_transcript
    from interviews.sources import IngestError

    with pytest.raises(IngestError, match="media_url"):
        ingest_transcript(make_source(text=VTT, filename="talk.vtt", media_url="javascript:alert(1)"))


def test_a_corrected_subtitle_file_keeps_permalinks_and_takes_the_new_times():
    keys = list(ingest_vtt().transcript.turns.values_list("key", flat=True))
    corrected = VTT.replace("00:12:34.000", "00:12:35.000").replace("dumbest", "least clever")
    transcript = ingest_vtt(text=corrected).transcript
    turns = list(transcript.turns.all())
    assert [t.key for t in turns] == keys
    assert turns[2].start == 755.0


def test_transcript_page_shows_a_play_link_on_each_timed_turn(client):
    transcript = ingest_vtt(media_url="https://example.org/talk.mp3").transcript
    page = client.get(transcript.get_absolute_url()).content.decode()
    assert 'href="https://example.org/talk.mp3#t=754"' in page
    assert "Play the recording from </span>12:34</a>" in page


def test_without_a_recording_the_time_is_shown_but_not_linked(client):
    transcript = ingest_vtt().transcript
    page = client.get(transcript.get_absolute_url()).content.decode()
    assert '<span class="timecode" title="Time in the recording">12:34</span>' in page


def test_quote_page_json_and_citation_carry_the_time(client):
    turn = ingest_vtt(media_url=YOUTUBE).transcript.turns.get(ordinal=2)
    page = client.get(turn.get_absolute_url()).content.decode()
    assert f'href="{YOUTUBE}&amp;t=754s"' in page
    assert "▶ Listen from 12:34" in page
    data = client.get(turn.get_json_url()).json()
    assert (data["start"], data["end"], data["media_url"]) == (754.0, 760.0, YOUTUBE + "&t=754s")
    assert "; at 12:34]" in data["citation"]["text"]
    assert "At 12:34 of the recording" in data["citation"]["bibtex"]
    assert data["citation"]["csl"][0]["locator"] == "12:34"
