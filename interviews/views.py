from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import Interview, Participant, RemovedTurn, Speaker, Topic, Transcript, Turn, TurnTopic, language_name

TOPIC_TURNS_PER_PAGE = 50


def _interviews_with_details():
    return Interview.objects.prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("speaker")),
        "transcripts",
    )


def home(request):
    interviews = _interviews_with_details()
    return render(request, "interviews/home.html", {"interviews": interviews})


def interview(request, slug, transcript_slug=None):
    interview = get_object_or_404(_interviews_with_details(), slug=slug)
    transcripts = list(interview.transcripts.all())
    if transcript_slug is None:
        transcript = interview.default_transcript()
    else:
        transcript = next((t for t in transcripts if t.slug == transcript_slug), None)
        if transcript is None:
            raise Http404("No such transcript")
    turns = list(transcript.turns.select_related("speaker", "section", "transcript").with_topics()) if transcript else []
    roles = {p.speaker_id: p.role for p in interview.participants.all()}
    for turn in turns:
        turn.role = roles.get(turn.speaker_id, "")
    return render(
        request,
        "interviews/interview.html",
        {
            "interview": interview,
            "transcripts": transcripts,
            "transcript": transcript,
            "sections": transcript.sections.annotate(turn_total=Count("turns")) if transcript else [],
            "turns": turns,
        },
    )


def speaker(request, slug):
    speaker = get_object_or_404(Speaker, slug=slug)
    turns = speaker.turns.for_display().with_topics().order_by("transcript__interview", "transcript__language", "ordinal")
    interviews = (
        Interview.objects.filter(participants__speaker=speaker)
        .prefetch_related("transcripts")
        .distinct()
    )
    return render(
        request,
        "interviews/speaker.html",
        {"speaker": speaker, "turns": turns, "interviews": interviews},
    )


def quote(request, key):
    turn = Turn.objects.for_display().filter(key=key).first()
    if turn is None:
        removed = get_object_or_404(RemovedTurn.objects.select_related("transcript__interview"), key=key)
        return render(request, "interviews/quote_gone.html", {"removed": removed}, status=410)
    neighbours = Turn.objects.for_display().filter(
        transcript=turn.transcript, ordinal__in=[turn.ordinal - 1, turn.ordinal + 1]
    )
    context = {"turn": turn, "previous": None, "next": None}
    for other in neighbours:
        context["previous" if other.ordinal < turn.ordinal else "next"] = other
    return render(request, "interviews/quote.html", context)


def topic_list(request):
    topics = list(Topic.objects.with_turn_counts())
    by_language: dict[int, dict[str, int]] = {}
    for row in (
        TurnTopic.objects.exclude(source=TurnTopic.REMOVED)
        .values("topic_id", "turn__transcript__language")
        .annotate(n=Count("pk"))
        .order_by("turn__transcript__language")
    ):
        by_language.setdefault(row["topic_id"], {})[row["turn__transcript__language"]] = row["n"]
    for topic in topics:
        topic.languages = [(code, language_name(code), n) for code, n in by_language.get(topic.pk, {}).items()]
    return render(request, "interviews/topic_list.html", {"topics": topics})


def topic(request, slug):
    """Every turn that carries the topic, grouped by interview and transcript; `?language=` narrows
    to one language (an unknown one is ignored, not an error)."""
    topic = get_object_or_404(Topic, slug=slug)
    turns = Turn.objects.filter(
        topic_links__topic=topic, topic_links__source__in=[TurnTopic.RULE, TurnTopic.ADDED]
    )  # one filter() call: the topic and the source must be the same link
    counts = dict(
        turns.values_list("transcript__language").annotate(n=Count("pk")).order_by("transcript__language")
    )
    language = request.GET.get("language", "")
    if language not in counts:
        language = ""
    if language:
        turns = turns.filter(transcript__language=language)
    turns = turns.for_display().with_topics().order_by(
        "-transcript__interview__date_recorded", "transcript__interview__title", "transcript__interview_id",
        "transcript__language", "transcript__slug", "ordinal",
    )
    paginator = Paginator(turns, TOPIC_TURNS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page") from None
    roles = {
        (p.interview_id, p.speaker_id): p.role
        for p in Participant.objects.filter(interview__in={t.transcript.interview_id for t in page.object_list})
    }
    for turn in page.object_list:
        turn.role = roles.get((turn.transcript.interview_id, turn.speaker_id), "")
    return render(
        request,
        "interviews/topic.html",
        {
            "topic": topic,
            "name": topic.name_in(language) if language else topic.name_en,
            "other_names": [(code, topic.name_in(code)) for code in ("en", "de", "zh") if code != (language or "en")],
            "languages": [(code, language_name(code), n) for code, n in counts.items()],
            "language": language,
            "total": sum(counts.values()),
            "page": page,
        },
    )
