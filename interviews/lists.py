"""The /interviews/, /speakers/ and /topics/ lists: what each row shows, read in a fixed number of
queries. The turns counted per speaker and per topic are counted by the index (its facet counts,
from its columns) and kept per version of the index (`page_cache.per_index_version`): counting
every turn in the database took 4.1 s (speakers) and 4.8 s (topics) of a 1,000,000-turn
archive's page, and the index's version changes with every write that adds, removes or re-tags a
turn. While index work is pending they are counted in the database. What else a row shows
(names, roles, biographies) is read afresh."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from interviews import languages, page_cache, queries
from interviews.models import Interview, Participant, Speaker, Topic, Transcript, Turn, TurnTopic
from interviews.search import query as archive_search

_first_published = (
    Transcript.objects.filter(interview=OuterRef("pk"), published_on__isnull=False)
    .order_by("published_on")
    .values("published_on")[:1]
)


def interview_filter_choices() -> dict:
    """What /interviews/ may be filtered by: only values the archive holds."""
    years = set(Interview.objects.exclude(date_recorded=None).values_list("date_recorded__year", flat=True))
    years |= set(Transcript.objects.exclude(published_on=None).values_list("published_on__year", flat=True))
    codes = Transcript.objects.values_list("language", flat=True).distinct().order_by("language")
    return {
        "years": sorted(years, reverse=True),
        "languages": [(code, languages.name(code)) for code in codes],
        "speakers": list(Speaker.objects.filter(participations__isnull=False).distinct().values_list("slug", "name")),
        "topics": list(Topic.objects.values_list("slug", "name_en")),
    }


def interviews(*, year=None, language=None, speaker=None, topic=None, sort="newest"):
    """Interviews with their details, narrowed by the given filters, by date: when recorded, or
    else when first published (as `Interview.date`)."""
    found = queries.interviews_with_details().annotate(when=Coalesce("date_recorded", Subquery(_first_published)))
    if year:
        found = found.filter(when__year=year)
    if language:
        found = found.filter(transcripts__language=language)
    if speaker:
        found = found.filter(participants__speaker__slug=speaker)
    if topic:
        found = found.filter(
            transcripts__turns__topic_links__topic__slug=topic,
            transcripts__turns__topic_links__source__in=[TurnTopic.RULE, TurnTopic.ADDED],
        )
    when = F("when").asc(nulls_last=True) if sort == "oldest" else F("when").desc(nulls_last=True)
    return found.distinct().order_by(when, "-created_at", "pk")


def speaker_turn_counts() -> dict[int, dict[str, int]]:
    """{speaker id: {language: turns}} for every speaker with a turn, languages in order: counted
    by the index and one query for the speakers' ids, or by one query while index work is
    pending; kept per version of the index."""
    return page_cache.per_index_version(
        "speaker-turns", speaker_turn_counts_in_database, from_index=lambda: _by_id(Speaker, "speaker")
    )


def speaker_turn_counts_in_database() -> dict[int, dict[str, int]]:
    counts: dict = {}
    turns = Turn.objects.values_list("speaker_id", "transcript__language").annotate(n=Count("pk"))
    for speaker_id, code, n in turns.order_by("transcript__language"):
        counts.setdefault(speaker_id, {})[code] = n
    return counts


def topic_turn_counts() -> dict[int, dict[str, int]]:
    """{topic id: {language: turns}}: the turns that carry each topic now (rules' and editors'
    additions, as `Topic.objects.with_turn_counts` counts them), by their transcript's language,
    in order. Counted as `speaker_turn_counts` is."""
    return page_cache.per_index_version(
        "topic-turns", topic_turn_counts_in_database, from_index=lambda: _by_id(Topic, "topic")
    )


def topic_turn_counts_in_database() -> dict[int, dict[str, int]]:
    counts: dict = {}
    links = TurnTopic.objects.exclude(source=TurnTopic.REMOVED)
    for topic_id, code, n in (
        links.values_list("topic_id", "turn__transcript__language")
        .annotate(n=Count("pk"))
        .order_by("turn__transcript__language")
    ):
        counts.setdefault(topic_id, {})[code] = n
    return counts


def _by_id(model, facet: str) -> dict[int, dict[str, int]] | None:
    """`archive_search.turns_per_language` of ``facet``, keyed by the ids of ``model``'s rows
    (the index names them by slug); None when the engine cannot count them."""
    by_slug = archive_search.turns_per_language(facet)
    if by_slug is None:
        return None
    ids = dict(model.objects.filter(slug__in=list(by_slug)).order_by().values_list("slug", "pk"))
    return {ids[slug]: counts for slug, counts in by_slug.items() if slug in ids}


def speakers(*, counts=None, roles=True):
    """Every speaker with a turn, by name: roles, interviews, turns and languages (two queries
    and the kept counts; one without ``roles``). ``counts``: `speaker_turn_counts`, when the
    caller has read them."""
    counts = speaker_turn_counts() if counts is None else counts
    rows = [
        speaker
        for speaker in Speaker.objects.annotate(interview_count=queries.speaker_rows(Participant)).order_by("name")
        if speaker.pk in counts
    ]
    taken = defaultdict(set)
    if roles:
        # Unordered: the model's ordering would be part of the DISTINCT, one row per participation.
        participations = Participant.objects.exclude(role="").order_by().values_list("speaker_id", "role")
        for speaker_id, role in participations.distinct():
            taken[speaker_id].add(role)
    for speaker in rows:
        spoken = counts[speaker.pk]
        speaker.turn_count = sum(spoken.values())
        speaker.roles = sorted(taken[speaker.pk])
        speaker.languages = [(code, languages.name(code)) for code in sorted(spoken)]
        speaker.summary = speaker.bio.split(". ")[0].rstrip(".") + "." if speaker.bio else ""
    return rows


def topic_turn_totals() -> dict[int, int]:
    """{topic id: turns}, as `topic_turn_counts` adds them up: for the home page. Counted by the
    index (the same counts per language, added up), or by one query without the join to each
    turn's transcript that counting by language needs (163 against 387 ms at 100,000 turns);
    kept per version of the index."""

    def from_index():
        counts = _by_id(Topic, "topic")
        return None if counts is None else {pk: sum(by.values()) for pk, by in counts.items()}

    def count():
        return dict(Topic.objects.with_turn_counts().order_by().values_list("pk", "turn_count"))

    return page_cache.per_index_version("topic-totals", count, from_index=from_index)


def topics(*, by_language=True):
    """Every topic, by English name, with `turn_count` and `languages` [(code, name, turns)]
    (empty without ``by_language``): one query and the kept counts."""
    counts = topic_turn_counts() if by_language else {}
    totals = {pk: sum(by.values()) for pk, by in counts.items()} if by_language else topic_turn_totals()
    rows = list(Topic.objects.order_by("name_en"))
    for topic in rows:
        topic.turn_count = totals.get(topic.pk, 0)
        topic.languages = [(code, languages.name(code), n) for code, n in counts.get(topic.pk, {}).items()]
    return rows
