"""One page of a transcript's turns, drawn once per version of what it shows and shared by the
workers of the machine.

The turns of a page (200 by default) are most of a transcript page's cost: their queries (topics,
roles, translation links) and their HTML (interviews/turn_html.py). What they show is the same
for every reader in one interface language, so the HTML is kept in the search result cache
(interviews/search/cache.py), under a key that changes with anything that changes it:

- the search index's version (``Engine.index_stamp()``): every write that changes a turn, its
  speaker's name or address, its section, its topics or its interview's people re-indexes the
  turns it touches in the same transaction (interviews/outbox.py; ingest, re-ingest, retag and
  the admin's edits in interviews/editing.py), and any index commit changes the version;
- while index work is pending (a write committed, its index commit not made yet, or a bulk load
  between two commits) the cache is neither read nor filled, so the page never shows the state
  before a committed write;
- the transcript's ``updated_at`` (its own fields, such as the recording's address), and the
  number and latest change of the page's translation links, which editors change in the database
  only (interviews/translations/admin.py);
- the page, the turns per page, the interface language and the code and templates that draw it.

The whole page around them (interview.html and base.html: the interview, its people, its
transcripts, the contents, the page links) is kept the same way (`page_response`,
interviews/page_cache.py), under the turns' key and everything else it shows, as read for the
request (the interview's, its participants', its transcripts' and the sections' columns): a page
drawn from the same inputs is the same page. What is the request's own (its CSRF token, its
address for the language menu, its absolute canonical address) is filled in per request.
"""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from interviews import page_cache, queries, turn_html
from interviews.charts import data as charts
from interviews.charts import transcript_html as chart_html
from interviews.models import (
    Section,
    Topic,
    Transcript,
    Turn,
    TurnTopic,
)
from interviews.translations import store as translations


def page_turns(transcript: Transcript, number: int, *, aligned: bool) -> list[PageTurn]:
    """The turns of page ``number`` with what a reader sees on each: speaker, section, role,
    topics and, with ``aligned``, the same passage in the other transcripts (``also_in``).

    Two queries and rows, not model instances: a page of 200 turns was some 1,300 instances (each
    turn, its speaker and section, each topic link and its topic), a third of a drawn page's CPU.
    The speakers, sections and topics are one object each however many turns share them."""
    start, end = Transcript.page_bounds(number)
    speakers, sections = {}, {}
    turns = []
    for pk, ordinal, key, label, text, start_time, speaker_id, name, slug, section_id, section_ordinal, heading in (
        Turn.objects.filter(transcript=transcript, ordinal__gte=start, ordinal__lt=end)
        .order_by("ordinal")
        .values_list(*_TURN_COLUMNS)
    ):
        if speaker_id not in speakers:
            speakers[speaker_id] = PageSpeaker(name, slug)
        if section_id is not None and section_id not in sections:
            sections[section_id] = PageSection(section_ordinal, heading)
        turns.append(
            PageTurn(
                pk, transcript, ordinal, key, label, text, start_time,
                speaker_id, speakers[speaker_id], section_id, sections.get(section_id),
            )
        )  # fmt: skip
    _attach_topics(turns)
    queries.attach_roles(turns, interview=transcript.interview)
    also_in = translations.also_in(turns) if aligned else {}
    for turn in turns:
        turn.also_in = also_in.get(turn.pk, [])
    return turns


#: What interviews/turn_html.py draws of a turn, its speaker and its section.
_TURN_COLUMNS = (
    "pk",
    "ordinal",
    "key",
    "label",
    "text",
    "start",
    "speaker_id",
    "speaker__name",
    "speaker__slug",
    "section_id",
    "section__ordinal",
    "section__heading",
)


class PageSpeaker(NamedTuple):
    name: str
    slug: str


class PageSection(NamedTuple):
    ordinal: int
    heading: str

    anchor = Section.anchor


class PageTurn:
    """A turn as its transcript page draws it (interviews/turn_html.py): its columns, the page's
    transcript, and what a Turn computes from them, by Turn's own code."""

    __slots__ = (
        "pk", "transcript", "ordinal", "key", "label", "text", "start",
        "speaker_id", "speaker", "section_id", "section", "topics", "role", "also_in",
    )  # fmt: skip

    def __init__(self, pk, transcript, ordinal, key, label, text, start, speaker_id, speaker, section_id, section):
        self.pk, self.transcript, self.ordinal, self.key = pk, transcript, ordinal, key
        self.label, self.text, self.start = label, text, start
        self.speaker_id, self.speaker, self.section_id, self.section = speaker_id, speaker, section_id, section
        self.topics = []

    anchor_for = staticmethod(Turn.anchor_for)
    anchor = Turn.anchor
    clock = Turn.clock
    get_media_url = Turn.get_media_url
    paragraph_parts = Turn.paragraph_parts

    def effective_topics(self) -> list[Topic]:
        return self.topics


def _attach_topics(turns: list[PageTurn]) -> None:
    """Each turn's topics as `Turn.effective_topics` gives them (`TurnTopic.effective`), one query
    for the page; a Topic is built once per topic with only what a turn shows of it (its slug and
    names)."""
    by_pk = {turn.pk: turn for turn in turns}
    topics: dict[int, Topic] = {}
    links: dict[int, list] = {}
    for turn_id, topic_id, source, slug, name_en, name_de, name_zh in (
        TurnTopic.objects.filter(turn_id__in=list(by_pk))
        .order_by()
        .values_list(
            "turn_id", "topic_id", "source", "topic__slug", "topic__name_en", "topic__name_de", "topic__name_zh"
        )
    ):
        if topic_id not in topics:
            topics[topic_id] = Topic(pk=topic_id, slug=slug, name_en=name_en, name_de=name_de, name_zh=name_zh)
        links.setdefault(turn_id, []).append((topic_id, source))
    for turn_id, turn_links in links.items():
        by_pk[turn_id].topics = TurnTopic.effective(
            (topic_id, source, topics[topic_id]) for topic_id, source in turn_links
        )


def render_turns(transcript: Transcript, number: int, *, aligned: bool) -> SafeString:
    """The HTML of page ``number``'s turns, section headings between them."""
    return turn_html.TurnDrawer().turn_list(page_turns(transcript, number, aligned=aligned), transcript)


def turn_list(transcript: Transcript, number: int, *, aligned: bool, index_pending: bool) -> SafeString:
    """`render_turns`, from the shared cache when what it shows has not changed (module doc).
    ``index_pending`` must be read before this is called (`page_cache.with_index_pending`)."""
    return _shared(
        lambda: (
            "transcript-turns",
            transcript.pk,
            transcript.updated_at.isoformat(),
            number,
            settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE,
            _links_version(transcript, number) if aligned else None,
        ),
        lambda: str(render_turns(transcript, number, aligned=aligned)),
        index_pending=index_pending,
    )


def transcript_charts(transcript: Transcript, *, index_pending: bool) -> dict:
    """The conversation strip and the shares of who speaks about what, counted and drawn
    (interviews/charts/): ``{"strip": html, "shares": html}``, empty strings for a transcript with
    no turns. The same for every page of the transcript; shared like `turn_list`."""

    def draw():
        drawn = charts.transcript_charts(transcript)
        if drawn.is_empty:
            return {"strip": "", "shares": ""}
        return {"strip": chart_html.strip(drawn), "shares": chart_html.shares(drawn)}

    html = _shared(
        lambda: ("transcript-charts-html", transcript.pk, transcript.updated_at.isoformat()),
        lambda: {part: str(value) for part, value in draw().items()},
        index_pending=index_pending,
    )
    return {part: mark_safe(value) for part, value in html.items()}


def page_response(request, context: dict, drawn_parts, *, number: int, aligned: bool, index_pending: bool):
    """The transcript page (interview.html): ``context`` (the view's, without the turns and the
    charts, which ``drawn_parts()`` gives) drawn once, then read from the shared cache while
    nothing it shows has changed (module doc); the request's own values filled in
    (interviews/page_cache.py)."""
    transcript = context["transcript"]
    return page_cache.response(
        request,
        "interviews/interview.html",
        context,
        key=lambda: (
            transcript.pk,
            number,
            settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE,
            _links_version(transcript, number) if aligned else None,
            _shown(context),
        ),
        index_pending=index_pending,
        more=drawn_parts,
    )


def _shown(context) -> tuple:
    """Every column of the database the page shows around the turns and charts, as read for this
    request: the interview, its participants with their speakers, its transcripts, the sections."""
    interview = context["interview"]
    return (
        page_cache.columns(interview),
        [(p.pk, p.role, p.speaker_id, p.speaker.name, p.speaker.slug) for p in interview.participants.all()],
        [page_cache.columns(t) for t in context["transcripts"]],
        [(s.pk, s.ordinal, s.heading, s.first_ordinal) for s in context["sections"]],
    )


def _shared(request, draw, *, index_pending):
    """`page_cache.shared` with this module's code in the key; a string drawn is safe HTML."""
    value = page_cache.shared(lambda: (page_cache.CODE_STAMP, *request()), draw, index_pending=index_pending)
    return mark_safe(value) if isinstance(value, str) else value


def _links_version(transcript: Transcript, number: int) -> tuple:
    """`translations.links_version` of the page's turns: one query, read once per request (the
    page's key and the turns' both hold it)."""
    known = transcript.__dict__.setdefault("_links_versions", {})
    if number not in known:
        start, end = Transcript.page_bounds(number)
        known[number] = translations.links_version(
            Turn.objects.filter(transcript=transcript, ordinal__gte=start, ordinal__lt=end).values("pk")
        )
    return known[number]
