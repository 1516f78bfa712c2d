"""The /interviews/ and /speakers/ lists: what each row shows, read in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from interviews import languages, queries
from interviews.models import Interview, Participant, Speaker, Topic, Transcript, Turn, TurnTopic

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


def speakers():
    """Every speaker with a turn: roles, interviews, turns and languages (three queries)."""
    rows = list(
        Speaker.objects.annotate(
            interview_count=queries.speaker_rows(Participant), turn_count=queries.speaker_rows(Turn)
        )
        .filter(turn_count__gt=0)
        .order_by("name")
    )
    roles, spoken = defaultdict(set), defaultdict(set)
    for speaker_id, role in Participant.objects.exclude(role="").values_list("speaker_id", "role").distinct():
        roles[speaker_id].add(role)
    for speaker_id, code in Turn.objects.values_list("speaker_id", "transcript__language").distinct():
        spoken[speaker_id].add(code)
    for speaker in rows:
        speaker.roles = sorted(roles[speaker.pk])
        speaker.languages = [(code, languages.name(code)) for code in sorted(spoken[speaker.pk])]
        speaker.summary = speaker.bio.split(". ")[0].rstrip(".") + "." if speaker.bio else ""
    return rows
