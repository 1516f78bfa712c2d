"""Every transcript as a file (text, WebVTT, SRT, podcast JSON), linked from its page and the API,
and read back by the ingest as the same turns with the same times."""

import json

import pytest

from interviews import exports
from interviews.exports import ExportTurn
from interviews.parsing import parse_transcript
from tests.factories import ingest_text
from tests.test_times import VTT

pytestmark = pytest.mark.django_db

TIMED = [
    ExportTurn("Priya Nair", "Maya, welcome to the show.", 4.0, 6.5),
    ExportTurn("Maya Chen", "Thanks for having me.\n\nIt was my mother's idea & mine.", 7.25, 12.0),
    ExportTurn("Priya Nair", "Where did it start?", 754.0, 760.0),
    ExportTurn("Maya Chen", "In a garage <really>.", 761.0, 770.5),
]


def _words(text):
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["vtt", "srt", "json"])
def test_timed_exports_read_back_as_the_same_turns_and_times(fmt):
    parsed = parse_transcript(exports.render(fmt, "A talk", TIMED).encode(), filename=f"talk.{fmt}")
    assert [(t.speaker, _words(t.text), t.start, t.end) for t in parsed.turns] == [
        (t.speaker, _words(t.text), t.start, t.end) for t in TIMED
    ]


def test_plain_text_export_reads_back_with_speakers_and_start_times():
    parsed = parse_transcript(exports.render("txt", "A talk", TIMED).encode(), filename="talk.txt")
    assert [(t.speaker, t.text, t.start) for t in parsed.turns] == [(t.speaker, t.text, int(t.start)) for t in TIMED]


def test_untimed_turns_get_estimated_cue_times_that_never_run_backwards():
    turns = [ExportTurn("A", "one two three four five"), ExportTurn("B", "six"), ExportTurn("A", "seven", 30.0)]
    assert exports.cue_times(turns) == [(0.0, 30.0), (30.0, 30.0), (30.0, 31.0)]
    assert "NOTE This transcript has no time codes" in exports.webvtt("", turns[:2])


def test_podcast_json_leaves_out_times_it_does_not_have():
    data = json.loads(exports.podcast_json("", [ExportTurn("A", "Hi.")]))
    assert data == {"version": "1.0.0", "segments": [{"speaker": "A", "body": "Hi."}]}


@pytest.mark.parametrize(
    ("fmt", "content_type", "first_line"),
    [
        ("txt", "text/plain; charset=utf-8", "talk"),
        ("vtt", "text/vtt; charset=utf-8", "WEBVTT"),
        ("srt", "application/x-subrip; charset=utf-8", "1"),
        ("json", "application/json", "{"),
    ],
)
def test_every_transcript_downloads_in_each_format(client, fmt, content_type, first_line):
    transcript = ingest_text(text=VTT, filename="talk.vtt").transcript
    response = client.get(transcript.get_export_url(fmt))
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="a-talk-en.{fmt}"'
    assert response.content.decode().splitlines()[0] == first_line


def test_an_export_ingested_again_gives_the_same_turns(client):
    transcript = ingest_text(text=VTT, filename="talk.vtt").transcript
    before = [(t.speaker.name, t.text, t.start, t.end) for t in transcript.turns.select_related("speaker")]
    data = client.get(transcript.get_export_url("vtt")).content.decode()
    copy = ingest_text(text=data, filename="copy.vtt", slug="a-copy").transcript
    assert [(t.speaker.name, t.text, t.start, t.end) for t in copy.turns.select_related("speaker")] == before


def test_an_unknown_format_is_not_found(client):
    transcript = ingest_text().transcript
    assert client.get(transcript.get_export_url("txt").replace(".txt", ".pdf")).status_code == 404


def test_transcript_page_and_api_link_the_downloads(client):
    transcript = ingest_text().transcript
    page = client.get(transcript.get_absolute_url()).content.decode()
    for fmt in exports.FORMATS:
        assert f'href="{transcript.get_export_url(fmt)}" download' in page
    api = client.get(f"/api/transcripts/{transcript.pk}/").json()
    assert api["exports"]["vtt"] == "http://testserver" + transcript.get_export_url("vtt")
