"""The numbers behind the charts, read from the database, and the charts drawn from them.

Per transcript (``transcript_charts``): the strip of the conversation, one segment per turn, and
the share of words per speaker and per topic; two queries, whatever the transcript's length.
Across the archive (``archive_charts``): turns per speaker × topic and per topic × year, each
cell linking to the search that finds those turns; five queries, whatever the archive's size.

The counts are the search facets' counts: a turn carries a topic when the rules or an editor gave
it and no editor removed it (``TurnTopic`` RULE or ADDED, as ``TurnIndex.prepare_topics`` indexes
it), and an interview's year is the year of ``Interview.date`` (recorded, else first published),
as ``TurnIndex.prepare_year`` indexes it. tests/charts/test_data.py holds them to that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from interviews import languages
from interviews.charts import svg
from interviews.charts.words import count_words, first_words
from interviews.models import Interview, Speaker, Topic, Transcript, TurnTopic
from interviews.search import cache
from interviews.search.engines import engine

# Above this many turns the strip draws buckets of consecutive turns instead of single turns. A
# transcript column is about 670 CSS px wide: at 300 segments a segment is still about 2 px, the
# least that shows and can be pointed at, and the page carries 300 links, not 20,000 (a
# 20,000-turn transcript would otherwise add megabytes to every one of its pages).
STRIP_MAX_SEGMENTS = 300
# A turn is drawn at least this fraction of the average turn wide, so a one-word answer shows.
STRIP_MIN_WEIGHT = 0.2
# Topics named in the table row of a bucket of turns (single turns list all theirs).
BUCKET_TOPICS = 3
# Topic lanes under the strip: the transcript's most frequent topics (the table lists them all).
STRIP_LANES = 3
# Speakers (columns) of the archive's speaker × topic matrix: those with the most tagged turns.
MATRIX_SPEAKERS = 12

CARRIED = (TurnTopic.RULE, TurnTopic.ADDED)  # what an editor removed is not the turn's topic


def search_url(**filters) -> str:
    """The search for these filters, with the names the search form reads (speaker, topic, year)."""
    return f"{reverse('interviews:search')}?{urlencode(filters)}"


def _words(n: int) -> str:
    return ngettext("%(count)s word", "%(count)s words", n) % {"count": number_format(n, force_grouping=True)}


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# --- One transcript --------------------------------------------------------------------------------


@dataclass
class StripSegment:
    """A row of the strip's table: one turn, or a bucket of consecutive turns."""

    first: int  # 1-based position, as the ¶ link on a turn shows it
    last: int
    speaker: str  # the turn's speaker; for a bucket, who said most of its words
    css_class: str
    words: int
    href: str
    title: str
    topics: list[str] = field(default_factory=list)


@dataclass
class Share:
    label: str
    words: int
    percent: int
    css_class: str = "chart-bar"
    lang: str = ""
    href: str = ""


@dataclass
class TranscriptCharts:
    total_words: int
    bucket_size: int  # turns per strip segment: 1 unless the transcript is long
    legend: list[tuple[str, str]]  # (speaker, css class)
    segments: list[StripSegment]
    strip: SafeString
    lanes: list[tuple[str, str, SafeString]]  # (topic, its language, its lane)
    speaker_shares: list[Share]
    topic_shares: list[Share]
    speaker_bars: SafeString
    topic_bars: SafeString
    language: str

    @property
    def is_empty(self) -> bool:
        return not self.segments


@dataclass(frozen=True, slots=True)
class _TopicName:
    """A topic as one transcript's charts show it (read once per topic, not once per turn)."""

    pk: int
    name_en: str
    label: str  # its name in the transcript's language, else English (Topic.name_in)
    lang: str
    url: str  # its page in the transcript's language


@dataclass
class _Turn:
    ordinal: int
    speaker_id: int
    speaker: str
    words: int
    opening: str
    topics: list = field(default_factory=list)  # [_TopicName]


CODE_STAMP = cache.source_stamp(Path(__file__).resolve().parent)  # the charts package's


def transcript_charts(transcript) -> TranscriptCharts:
    """The strip and the shares of one transcript. Two queries: the turns, their topics.

    A transcript longer than STRIP_MAX_SEGMENTS turns is drawn once per version of the search
    index and kept in the search result cache (interviews/search/cache.py), shared by the workers:
    reading and counting 20,000 turns takes half a second of CPU (docs/charts.md), and every edit of a turn, a
    topic or a speaker re-indexes the turns it touches, which changes the index's version. Shorter
    transcripts are drawn on every request (12 ms of CPU for 125 turns)."""
    if transcript.turn_count <= STRIP_MAX_SEGMENTS:
        return _transcript_charts(transcript)
    request = ("transcript-charts", CODE_STAMP, transcript.pk, transcript.updated_at.isoformat(), get_language())
    return cache.cached(engine().index_stamp(), request, lambda: _transcript_charts(transcript))


def _transcript_charts(transcript) -> TranscriptCharts:
    language = transcript.language
    rows = list(transcript.turns.order_by("ordinal").values_list("ordinal", "speaker_id", "speaker__name", "text"))
    bucket_size = math.ceil(len(rows) / STRIP_MAX_SEGMENTS) if len(rows) > STRIP_MAX_SEGMENTS else 1
    turns = [
        # Openings only for single turns: a bucket's title names its range and its main speaker.
        _Turn(ordinal, speaker_id, name, count_words(text), first_words(text) if bucket_size == 1 else "")
        for ordinal, speaker_id, name, text in rows
    ]
    by_ordinal = {turn.ordinal: turn for turn in turns}
    # Tuples, not model instances: a 20,000-turn transcript has tens of thousands of topic links,
    # and a Topic instance decodes its JSON fields (keywords) on the way in.
    topics: dict[int, _TopicName] = {}
    for ordinal, pk, slug, name_en, name_de, name_zh in (
        TurnTopic.objects.filter(turn__transcript=transcript, source__in=CARRIED)
        .order_by("turn__ordinal", "topic__name_en")
        .values_list("turn__ordinal", "topic_id", "topic__slug", "topic__name_en", "topic__name_de", "topic__name_zh")
    ):
        if pk not in topics:
            topic = Topic(pk=pk, slug=slug, name_en=name_en, name_de=name_de, name_zh=name_zh)
            topics[pk] = _TopicName(
                pk, name_en, topic.name_in(language), _label_language(topic, language), topic.get_language_url(language)
            )
        by_ordinal[ordinal].topics.append(topics[pk])
    palette = svg.Palette(turn.speaker_id for turn in turns)  # in order of first appearance
    total = sum(turn.words for turn in turns)
    segments = _segments(transcript, turns, bucket_size, palette)
    return TranscriptCharts(
        total_words=total,
        bucket_size=bucket_size,
        legend=_legend(turns, palette),
        segments=segments,
        strip=_strip(segments, len(turns), bucket_size),
        lanes=_lanes(segments, turns, bucket_size),
        **_shares(turns, total, palette),
        language=language,
    )


class _TurnUrls:
    """Turn.get_transcript_url for many turns of one transcript: one reverse() per page, not per turn."""

    def __init__(self, transcript):
        self.transcript = transcript
        self.pages: dict[int, str] = {}

    def __call__(self, ordinal: int) -> str:
        page = Transcript.page_of(ordinal)
        if page not in self.pages:
            self.pages[page] = self.transcript.get_page_url(page)
        # Turn.anchor, without building a Turn per segment (tests/charts/test_data.py holds them equal).
        return f"{self.pages[page]}#t{ordinal}"


def _segments(transcript, turns, bucket_size, palette) -> list[StripSegment]:
    segments = []
    turn_url = _TurnUrls(transcript)
    one_turn = _("¶ %(number)s · %(speaker)s: %(opening)s")
    many_turns = _("¶ %(first)s–%(last)s · mostly %(speaker)s · %(words)s")
    for start in range(0, len(turns), bucket_size):
        chunk = turns[start : start + bucket_size]
        words_by_speaker: dict[int, int] = {}
        for turn in chunk:
            words_by_speaker[turn.speaker_id] = words_by_speaker.get(turn.speaker_id, 0) + turn.words
        main = max(chunk, key=lambda turn: (words_by_speaker[turn.speaker_id], -turn.ordinal))
        words = sum(words_by_speaker.values())
        topic_turns: dict[int, list] = {}
        for turn in chunk:
            for topic in turn.topics:
                topic_turns.setdefault(topic.pk, [0, topic.label])[0] += 1
        names = [name for _n, name in sorted(topic_turns.values(), key=lambda pair: -pair[0])]
        if len(names) > BUCKET_TOPICS:  # a bucket's row names its most frequent topics
            names = names[:BUCKET_TOPICS] + [f"+{len(names) - BUCKET_TOPICS}"]
        first, last = chunk[0].ordinal + 1, chunk[-1].ordinal + 1
        if len(chunk) == 1:
            title = one_turn % {
                "number": first,
                "speaker": main.speaker,
                "opening": main.opening,
            }
        else:
            title = many_turns % {
                "first": first,
                "last": last,
                "speaker": main.speaker,
                "words": _words(words),
            }
        segments.append(
            StripSegment(
                first=first,
                last=last,
                speaker=main.speaker,
                css_class=palette.css_class(main.speaker_id),
                words=words,
                href=turn_url(chunk[0].ordinal),
                title=title,
                topics=names,
            )
        )
    return segments


def _weights(segments) -> list[float]:
    mean = sum(s.words for s in segments) / len(segments) if segments else 0
    return [max(s.words, STRIP_MIN_WEIGHT * mean, 1e-9) for s in segments]


def _strip(segments, turn_count, bucket_size) -> SafeString:
    if not segments:
        return mark_safe("")
    shapes = [svg.Segment(weight, s.css_class, s.href, s.title) for s, weight in zip(segments, _weights(segments))]
    if bucket_size == 1:
        desc = ngettext(
            "One segment per turn, as wide as the turn is long, coloured by speaker; %(count)s turn.",
            "One segment per turn, as wide as the turn is long, coloured by speaker; %(count)s turns.",
            turn_count,
        ) % {"count": turn_count}
    else:
        desc = _(
            "One segment per %(size)s consecutive turns, as wide as they are long, coloured by who said most of "
            "them; %(count)s turns."
        ) % {"size": bucket_size, "count": turn_count}
    return mark_safe(
        svg.strip_row(
            shapes,
            chart_id="strip",
            title=_("The conversation, turn by turn"),
            desc=desc,
            height=10,
            gaps=len(segments) <= 150,  # past that a hairline would eat half of each segment
        )
    )


def _lanes(segments, turns, bucket_size) -> list[tuple[str, str, SafeString]]:
    """The transcript's most frequent topics, each a lane marking the segments that carry it."""
    counts: dict[int, int] = {}
    topics = {}
    for turn in turns:
        for topic in turn.topics:
            counts[topic.pk] = counts.get(topic.pk, 0) + 1
            topics[topic.pk] = topic
    chosen = sorted(counts, key=lambda pk: (-counts[pk], topics[pk].name_en.casefold()))[:STRIP_LANES]
    shapes = [svg.Segment(weight, s.css_class, s.href, s.title) for s, weight in zip(segments, _weights(segments))]
    lanes = []
    for n, pk in enumerate(chosen, start=1):
        name = topics[pk].label
        marked = {
            index
            for index in range(len(segments))
            if any(
                topic.pk == pk
                for turn in turns[index * bucket_size : (index + 1) * bucket_size]
                for topic in turn.topics
            )
        }
        lanes.append(
            (
                name,
                topics[pk].lang,
                mark_safe(
                    svg.lane_row(
                        shapes,
                        marked,
                        chart_id=f"lane-{n}",
                        title=_("Where “%(topic)s” comes up") % {"topic": name},
                        desc=ngettext(
                            "%(count)s turn carries this topic.", "%(count)s turns carry this topic.", counts[pk]
                        )
                        % {"count": counts[pk]},
                        height=10,
                    )
                ),
            )
        )
    return lanes


def _label_language(topic, language: str) -> str:
    """The language a topic's name is shown in: the transcript's, else English (Topic.name_in)."""
    return language if getattr(topic, f"name_{language}", "") else "en"


def _legend(turns, palette) -> list[tuple[str, str]]:
    seen = {}
    for turn in turns:
        seen.setdefault(turn.speaker_id, turn.speaker)
    return [(name, palette.css_class(speaker_id)) for speaker_id, name in seen.items()]


def _shares(turns, total, palette) -> dict:
    speakers: dict[int, list] = {}
    topic_words: dict[int, int] = {}
    topics = {}
    for turn in turns:
        speakers.setdefault(turn.speaker_id, [turn.speaker, 0])[1] += turn.words
        for topic in turn.topics:
            topic_words[topic.pk] = topic_words.get(topic.pk, 0) + turn.words
            topics[topic.pk] = topic
    speaker_shares = sorted(
        (
            Share(name, words, _percent(words, total), palette.css_class(speaker_id))
            for speaker_id, (name, words) in speakers.items()
        ),
        key=lambda share: -share.words,
    )
    topic_shares = sorted(
        (
            Share(
                topics[pk].label,
                words,
                _percent(words, total),
                "chart-bar",
                topics[pk].lang,
                topics[pk].url,
            )
            for pk, words in topic_words.items()
        ),
        key=lambda share: (-share.words, share.label),
    )
    return {
        "speaker_shares": speaker_shares,
        "topic_shares": topic_shares,
        "speaker_bars": _bars(speaker_shares, "speaker-shares", _("Share of words per speaker")),
        "topic_bars": _bars(topic_shares, "topic-shares", _("Share of words per topic")),
    }


def _bars(shares, chart_id, title) -> SafeString:
    if not shares:
        return mark_safe("")
    rows = [
        svg.Bar(
            share.label,
            share.words,
            f"{number_format(share.words, force_grouping=True)} · {share.percent}%",
            share.css_class,
            share.lang,
            share.href,
        )
        for share in shares
    ]
    desc = "; ".join(f"{share.label}: {_words(share.words)}, {share.percent}%" for share in shares)
    return mark_safe(svg.bars(rows, chart_id=chart_id, title=title, desc=desc))


# --- The whole archive -----------------------------------------------------------------------------


@dataclass
class MatrixRow:
    label: str
    cells: list[tuple[int, str]]  # (turns, search URL) per column
    total: int


@dataclass
class Matrix:
    columns: list[str]
    rows: list[MatrixRow]
    svg: SafeString
    left_out: int = 0  # columns not shown (speakers past MATRIX_SPEAKERS)

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass
class ArchiveCharts:
    speakers: Matrix
    years: Matrix
    undated_turns: int  # topic-carrying turns of interviews without a date: in no year's column


def archive_charts() -> ArchiveCharts:
    """Turns per speaker × topic and per topic × year. Five queries, whatever the archive's size."""
    language = languages.base(get_language())
    carried = TurnTopic.objects.filter(source__in=CARRIED)
    by_speaker = list(carried.values_list("topic_id", "turn__speaker_id").annotate(n=Count("pk")).order_by())
    by_interview = list(
        carried.values_list("topic_id", "turn__transcript__interview_id").annotate(n=Count("pk")).order_by()
    )
    years = {}
    for pk, recorded, first_published in Interview.objects.annotate(
        first_published=Min("transcripts__published_on")
    ).values_list("pk", "date_recorded", "first_published"):
        date = recorded or first_published  # Interview.date, as the index's year field reads it
        years[pk] = date.year if date else None
    topic_ids = {row[0] for row in by_speaker}
    topics = {topic.pk: topic for topic in Topic.objects.filter(pk__in=topic_ids)}
    speakers = {
        s.pk: s for s in Speaker.objects.filter(pk__in={row[1] for row in by_speaker}).only("pk", "name", "slug")
    }

    topic_totals: dict[int, int] = {}
    for topic_id, _speaker, n in by_speaker:
        topic_totals[topic_id] = topic_totals.get(topic_id, 0) + n
    topic_order = sorted(topics, key=lambda pk: (-topic_totals.get(pk, 0), topics[pk].name_en.casefold()))

    speaker_counts: dict[tuple[int, int], int] = {(t, s): n for t, s, n in by_speaker}
    speaker_totals: dict[int, int] = {}
    for (_topic, speaker_id), n in speaker_counts.items():
        speaker_totals[speaker_id] = speaker_totals.get(speaker_id, 0) + n
    speaker_order = sorted(speakers, key=lambda pk: (-speaker_totals[pk], speakers[pk].name.casefold()))
    shown = speaker_order[:MATRIX_SPEAKERS]

    year_counts: dict[tuple[int, int], int] = {}
    undated = 0
    for topic_id, interview_id, n in by_interview:
        year = years.get(interview_id)
        if year is None:
            undated += n
            continue
        year_counts[(topic_id, year)] = year_counts.get((topic_id, year), 0) + n
    year_order = sorted({year for (_topic, year) in year_counts})

    def label(pk):
        return topics[pk].name_in(language)

    speaker_matrix = _matrix(
        topic_order,
        [speakers[pk].name for pk in shown],
        lambda t, c: speaker_counts.get((t, shown[c]), 0),
        lambda t, c: search_url(speaker=speakers[shown[c]].slug, topic=topics[t].slug),
        label,
        chart_id="speaker-topic",
        title=_("Turns per speaker and topic"),
        cell_title=lambda t, c, n: (
            ngettext("%(speaker)s on %(topic)s: %(count)s turn", "%(speaker)s on %(topic)s: %(count)s turns", n)
            % {"speaker": speakers[shown[c]].name, "topic": label(t), "count": n}
        ),
        rotate=True,
        language=language,
    )
    speaker_matrix.left_out = len(speaker_order) - len(shown)
    year_matrix = _matrix(
        [pk for pk in topic_order if any((pk, year) in year_counts for year in year_order)],
        [str(year) for year in year_order],
        lambda t, c: year_counts.get((t, year_order[c]), 0),
        lambda t, c: search_url(topic=topics[t].slug, year=year_order[c]),
        label,
        chart_id="topic-year",
        title=_("Turns per topic and year"),
        cell_title=lambda t, c, n: (
            ngettext("%(topic)s in %(year)s: %(count)s turn", "%(topic)s in %(year)s: %(count)s turns", n)
            % {"topic": label(t), "year": year_order[c], "count": n}
        ),
        rotate=False,
        language=language,
    )
    return ArchiveCharts(speakers=speaker_matrix, years=year_matrix, undated_turns=undated)


def _matrix(row_keys, columns, count, href, label, *, chart_id, title, cell_title, rotate, language) -> Matrix:
    rows, cells = [], {}
    for r, key in enumerate(row_keys):
        row_cells = []
        for c in range(len(columns)):
            n = count(key, c)
            url = href(key, c) if n else ""
            row_cells.append((n, url))
            if n:
                cells[(r, c)] = svg.Cell(n, url, cell_title(key, c, n))
        rows.append(MatrixRow(label(key), row_cells, sum(n for n, _url in row_cells)))
    if not rows or not columns:
        return Matrix(columns=columns, rows=[], svg=mark_safe(""))
    desc = _("Each cell is the number of turns; it links to the search that finds them.")
    drawing = svg.heatmap(
        svg.Axis(tuple(row.label for row in rows), language),
        svg.Axis(tuple(columns)),
        cells,
        chart_id=chart_id,
        title=title,
        desc=desc,
        rotate_columns=rotate,
    )
    return Matrix(columns=columns, rows=rows, svg=mark_safe(drawing))
