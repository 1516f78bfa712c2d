"""What the home page says about the archive: counts, a few quotes worth reading, topics and
speakers to browse, example searches. A fixed, small number of queries whatever the archive's size
(tests/test_home.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce, Length

from interviews import languages, lists, page_cache, queries
from interviews.models import Interview, Participant, Speaker, Topic, Turn, TurnAlignment
from interviews.translations import store as translations

# Featured quotes: guests' turns between these lengths (characters): a thought, not a sentence
# fragment nor a page.
FEATURED_MIN_CHARS = 150
FEATURED_MAX_CHARS = 700
FEATURED_COUNT = 3
BROWSE_TOPICS = 12
BROWSE_SPEAKERS = 8

# Searches a reader of each language can try; shown for the languages the archive holds.
EXAMPLE_SEARCHES = {
    "en": ['"synthetic data"', "compute"],
    "de": ["Datenqualität", '"synthetische Daten"'],
    "zh": ["数据质量", "合成数据"],
}


@dataclass
class Overview:
    interviews: int
    turns: int
    speakers: int
    topics: int
    languages: list[tuple[str, str, int]]  # (code, name, turns)
    featured: list[Turn]
    browse_topics: list[Topic]
    browse_speakers: list[Speaker]
    examples: list[tuple[str, str, list[str]]]  # (code, name, queries)


def _links_to_other_languages():
    """How many turns of other transcripts a turn is linked to (editors' rejections not counted)."""

    def count(column):
        return Subquery(
            TurnAlignment.objects.filter(**{column: OuterRef("pk")})
            .exclude(status=TurnAlignment.REJECTED)
            .values(column)
            .annotate(n=Count("pk"))
            .values("n")
        )

    return Coalesce(count("source"), 0) + Coalesce(count("target"), 0)


def featured_quotes(limit: int = FEATURED_COUNT) -> list[Turn]:
    """The rule: a guest's turn of FEATURED_MIN_CHARS to FEATURED_MAX_CHARS characters; those read
    in the most languages (most translation links) first, the longest first among equals; one per
    transcript while other transcripts have candidates, so that one interview or language does not
    fill the row. The choice is kept per version of the index and of the links (`_choose`); the
    turns chosen and their speakers' roles are read afresh (two queries), so an edit the index
    does not hold (a turn's time) shows at once."""
    chosen = page_cache.per_index_version(f"featured-{limit}", lambda: _choose(limit), also=translations.links_version)
    turns = Turn.objects.for_display().in_bulk(chosen)
    shown = [turns[pk] for pk in chosen if pk in turns]
    queries.attach_roles(shown)
    return shown


def _choose(limit: int) -> list[int]:
    """The ids of the turns `featured_quotes` shows, in order. What decides them is a turn's text,
    its speaker's role in the interview (both re-index what they touch) and the links, which is
    why the choice is kept per version of the index and of the links.

    The rule ranks the turns with links first, so the candidates are looked for among those
    first (the turns either side of a link not rejected): only when too few of them qualify are
    all turns read. At 1,000,000 turns with 82,492 links the choice took 1.0 s reading every turn
    and takes 0.25 s reading the linked ones (the bench's archive, 7 December 2026), the same
    quotes."""
    wanted = limit * 20
    linked = TurnAlignment.objects.exclude(status=TurnAlignment.REJECTED)
    candidates = _candidates(Turn.objects.filter(pk__in=linked.values("source").union(linked.values("target"))), wanted)
    if len(candidates) < wanted:  # turns without links may follow: look among all
        candidates = _candidates(Turn.objects.all(), wanted)
    seen = set()
    first_of_each = []
    for pk, transcript_id in candidates:
        if transcript_id not in seen:
            seen.add(transcript_id)
            first_of_each.append(pk)
    return (first_of_each + [pk for pk, _ in candidates if pk not in first_of_each])[:limit]


def _candidates(turns, wanted: int) -> list[tuple[int, int]]:
    """``(turn id, transcript id)`` of the first ``wanted`` of ``turns`` by the rule: guests'
    turns of a readable length, the most links first, then the longest. A guest is found by a
    subquery on the participant's (interview, speaker) key: joined through the speaker, SQLite
    read every turn of a guest for each of their interviews, 18.2 s at 1,000,000 turns against
    1.0 s (the same quotes)."""
    return list(
        turns.annotate(length=Length("text"), links=_links_to_other_languages())
        .filter(
            Exists(
                Participant.objects.filter(
                    interview=OuterRef("transcript__interview"), speaker=OuterRef("speaker"), role="guest"
                )
            ),
            length__gte=FEATURED_MIN_CHARS,
            length__lte=FEATURED_MAX_CHARS,
        )
        .order_by("-links", "-length", "pk")
        .values_list("pk", "transcript_id")[:wanted]
    )


def archive_overview() -> Overview:
    # The turns counted per speaker and per topic are kept per version of the index (lists.py).
    spoken = lists.speaker_turn_counts()
    by_language: dict[str, int] = {}
    for counts in spoken.values():
        for code, n in counts.items():
            by_language[code] = by_language.get(code, 0) + n
    by_language = dict(sorted(by_language.items()))
    interviews = Interview.objects.filter(Exists(Turn.objects.filter(transcript__interview=OuterRef("pk")))).count()
    # Stable sorts: among equals, the database's order by name stays.
    topics = sorted(
        (topic for topic in lists.topics(by_language=False) if topic.turn_count), key=lambda topic: -topic.turn_count
    )
    speakers = sorted(
        lists.speakers(counts=spoken, roles=False), key=lambda speaker: (-speaker.interview_count, -speaker.turn_count)
    )
    present = [code for code in languages.SUPPORTED if code in by_language]
    return Overview(
        interviews=interviews,
        turns=sum(by_language.values()),
        speakers=len(spoken),
        topics=len(topics),
        languages=[(code, languages.name(code), n) for code, n in by_language.items()],
        featured=featured_quotes() if by_language else [],
        browse_topics=topics[:BROWSE_TOPICS],
        browse_speakers=speakers[:BROWSE_SPEAKERS],
        examples=[(code, languages.name(code), EXAMPLE_SEARCHES[code]) for code in present],
    )
