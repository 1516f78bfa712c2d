"""A turn's HTML, drawn in Python (interviews/turn_html.py), is what the turn templates drew, byte
for byte: the golden files in tests/fixtures/turn_html/ were drawn by those templates on the seeds
with every feature a turn can show (a label that differs from the name, time codes with and without
a recording, sections, "also in" links with a possible match, topics, an id prefix on the speaker
page, markup in every field), in the three interface languages.

A change to the turn's HTML on purpose regenerates them: ``REGENERATE_TURN_HTML=1`` and read the
diff; never silently.
"""

import io
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix
from django.utils import translation

from interviews import queries, transcript_pages
from interviews.models import Section, Speaker, Topic, Transcript, Turn, TurnTopic
from interviews.turn_html import TurnDrawer
from tests.hostile_inputs import XSS_PAYLOADS, XSS_URLS

GOLDEN = Path(__file__).parent / "fixtures" / "turn_html"


def assert_golden(name, html):
    path = GOLDEN / name
    if os.environ.get("REGENERATE_TURN_HTML"):
        path.write_text(html, encoding="utf-8")
    assert html == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def articles(html):
    """The turns of a page, each from ``<article`` to its end."""
    start = '<article class="turn '
    return [start + part.split("</article>\n")[0] + "</article>\n" for part in html.split(start)[1:]]


@pytest.fixture
def topics(db):
    call_command("load_topics", stdout=io.StringIO())


@pytest.fixture
def archive(topics, seeds):
    """The seeds, tagged with topics, with every feature a turn can show and markup where an
    editor could type it."""
    de = Transcript.objects.get(language="de")
    zh = Transcript.objects.get(language="zh")
    de.media_url = "https://example.com/a.mp3?x=1&y=<2>"
    de.save()
    for turn in Turn.objects.filter(transcript=de, ordinal__lt=30):
        turn.start = 3723.5 + turn.ordinal * 61 if turn.ordinal % 3 else None
        if turn.ordinal == 4:
            turn.label = "Q <b>\"x\"</b> & 'y'"
            turn.text = 'Hi <script>alert("x")</script> & {{ x }} {% y %}\n\n\n\nsecond & "para"'
        turn.save()
    for turn in Turn.objects.filter(transcript=zh, ordinal__lt=30):
        turn.start = 5 + turn.ordinal * 7 if turn.ordinal % 2 else None
        turn.save()
    for transcript in (de, zh):
        first = Section.objects.create(transcript=transcript, ordinal=900, heading='Anfang <&> "1"')
        second = Section.objects.create(transcript=transcript, ordinal=901, heading="Zweiter Teil")
        Turn.objects.filter(transcript=transcript, ordinal__gte=10, ordinal__lt=20).update(section=first)
        Turn.objects.filter(transcript=transcript, ordinal__gte=40).update(section=second)
    Speaker.objects.filter(name="Harry Stebbings").update(name='Harry "H" <Stebbings> & Co')
    Topic.objects.filter(pk=Topic.objects.order_by("pk").first().pk).update(name_de='Daten & "<Qualität>"')
    return {"de": de, "zh": zh}


@pytest.mark.parametrize(
    "transcript, page, language",
    [("de", 1, "en"), ("de", 2, "de"), ("zh", 1, "zh-hans")],
    ids=["recording-sections-label-markup", "possible-match-german", "time-without-recording-chinese"],
)
def test_a_transcript_pages_turns_are_what_the_templates_drew(archive, settings, transcript, page, language):
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 30
    with translation.override(language):
        html = transcript_pages.render_turns(archive[transcript], page, aligned=True)
    assert_golden(f"{transcript}-page-{page}.{language}.html", html)


def test_the_speaker_pages_turns_carry_their_transcripts_id_prefix(archive, client):
    """Turns of several transcripts on one page: "t1" would repeat, so ids are prefixed."""
    html = client.get("/speakers/harry-stebbings/").content.decode()
    assert_golden("speaker-page-1.en.html", "".join(articles(html)[:6]))


def test_the_quote_pages_turns_before_and_after_are_drawn_like_the_transcripts(archive, client):
    turn = Turn.objects.get(transcript=archive["de"], ordinal=5)
    html = client.get(turn.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    drawn = articles(html)
    assert [article.split(" data-key")[0] for article in drawn] == [
        '<article class="turn turn--host" id="t4"',
        '<article class="turn turn--host" id="t6"',
    ]
    assert_golden("quote-context.de.html", "".join(drawn))


def test_a_transcript_without_turns_says_so(archive):
    with translation.override("de"):
        html = TurnDrawer().turn_list([], archive["de"])
    assert html == '\n        <p class="empty">Dieses Transkript hat keine Redebeiträge.</p>\n      '


def unsaved_turn(*, speaker_slug="ann"):
    """A turn with a speaker and a topic, none of them in the database."""
    transcript = Transcript(language="de")
    speaker = Speaker(name="Ann", slug=speaker_slug)
    turn = Turn(transcript=transcript, speaker=speaker, ordinal=0, key="abc123", text="Hallo")
    topics = [Topic(slug="data", name_en="Data")]
    turn.effective_topics = lambda: topics
    return turn


def test_links_carry_the_script_prefix_the_archive_is_served_under():
    """Served under a sub-path (SCRIPT_NAME), a turn's links are what reverse() gives there."""
    turn, previous = unsaved_turn(), get_script_prefix()
    set_script_prefix("/archive/")
    try:
        html = TurnDrawer().turn(turn)
        expected = (turn.speaker.get_absolute_url(), turn.get_absolute_url(), Topic(slug="data").get_language_url("de"))
    finally:
        set_script_prefix(previous)
    assert expected == ("/archive/speakers/ann/", "/archive/q/abc123/", "/archive/topics/data/?language=de")
    for url in expected:
        assert f'href="{url}"' in html


def test_a_slug_no_link_could_carry_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        TurnDrawer().turn(unsaved_turn(speaker_slug="ann/../admin"))


class Markup(HTMLParser):
    """The elements, attributes and text of a piece of HTML."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_markup_in_every_field_of_a_turn_stays_text(archive):
    """Name, label, text, section heading, topic name, recording address and the id prefix hold
    each stored-XSS payload in turn: the drawn turn has only its own elements and attributes, and
    every field reads back as the payload, as text."""
    turn = (
        Turn.objects.filter(transcript=archive["de"], ordinal=7)
        .select_related("speaker", "section", "transcript")
        .with_topics()
        .get()
    )
    topics = turn.effective_topics()
    assert topics
    turn.effective_topics = lambda: topics
    turn.start, turn.role = 12.0, "host"
    for payload in XSS_PAYLOADS + XSS_URLS:
        turn.speaker.name = turn.transcript.media_url = payload
        turn.label = f"Q {payload}"  # a label is shown where it differs from the name
        turn.text = f"{payload}\n\n{payload}"
        turn.section = Section(pk=0, transcript=turn.transcript, ordinal=0, heading=payload)
        for topic in topics:
            topic.name_de = payload

        with translation.override("en"):
            page = Markup(TurnDrawer().turn_list([turn], turn.transcript))
            with_prefix = Markup(TurnDrawer().turn(turn, anchor_prefix=payload))

        assert set(page.tags) == {"h2", "article", "header", "a", "span", "div", "p", "ul", "li"}, payload
        assert with_prefix.tags == page.tags[1:], payload
        assert {name for _, name, _ in page.attributes + with_prefix.attributes} == OWN_ATTRIBUTES, payload
        assert page.text.count(payload) >= 5, payload  # the heading, the name, two paragraphs, the topics
        assert f"“Q {payload}”" in page.text, payload
        assert ("article", "id", f"{payload}-t7") in with_prefix.attributes, payload
        assert ("a", "aria-label", f"¶ 8: permanent link to this quote by {payload}") in page.attributes, payload


OWN_ATTRIBUTES = {"class", "id", "lang", "data-key", "href", "title", "rel", "aria-hidden", "aria-label"} | {
    "data-quote-text",
    "data-permalink",
    "data-offset",
}


def test_a_pages_turns_carry_what_a_turn_computes_for_itself(archive, settings):
    """Read as rows (transcript_pages.page_turns), a page's turns have the topics, anchors, time
    codes and roles the Turn model gives, an editor's additions and removals included."""
    settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE = 30
    de = archive["de"]
    tagged = Turn.objects.filter(transcript=de, ordinal__lt=30, topic_links__isnull=False).distinct()[:2]
    removed, added = tagged[0], tagged[1]
    TurnTopic.objects.filter(turn=removed, topic=removed.effective_topics()[0]).update(source=TurnTopic.REMOVED)
    TurnTopic.objects.update_or_create(
        turn=added, topic=Topic.objects.exclude(pk__in=[t.pk for t in added.effective_topics()]).first(),
        defaults={"source": TurnTopic.ADDED},
    )  # fmt: skip
    turns = transcript_pages.page_turns(de, 1, aligned=True)
    models = {turn.pk: turn for turn in Turn.objects.filter(transcript=de, ordinal__lt=30).for_display()}
    queries.attach_roles(list(models.values()), interview=de.interview)
    assert [turn.ordinal for turn in turns] == list(range(30))
    for turn in turns:
        model = models[turn.pk]
        assert [topic.slug for topic in turn.effective_topics()] == [t.slug for t in model.effective_topics()]
        assert (turn.anchor, turn.clock, turn.get_media_url(), turn.role) == (
            model.anchor, model.clock, model.get_media_url(), model.role,
        )  # fmt: skip
        assert (turn.speaker.name, turn.section and turn.section.anchor) == (
            model.speaker.name, model.section and model.section.anchor,
        )  # fmt: skip
