from urllib.parse import urlencode

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from . import translations
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
    aligned = translations.translations_for(turns) if len(transcripts) > 1 else {}
    for turn in turns:
        turn.role = roles.get(turn.speaker_id, "")
        turn.also_in = translations.first_per_transcript(aligned.get(turn.pk, []))
    others = [t for t in transcripts if t != transcript]
    return render(
        request,
        "interviews/interview.html",
        {
            "interview": interview,
            "transcripts": transcripts,
            "transcript": transcript,
            "side_by_side": side_by_side_url(interview, transcript, others[0]) if transcript and others else None,
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



def side_by_side_url(interview, left, right) -> str:
    query = urlencode({"left": left.slug, "right": right.slug})
    return f"{reverse('interviews:side_by_side', args=[interview.slug])}?{query}"


class SideBySideForm(forms.Form):
    """Which two transcripts of an interview to read side by side, by their slugs."""

    left = forms.ChoiceField(required=False)
    right = forms.ChoiceField(required=False)

    def __init__(self, data, *, transcripts):
        super().__init__(data)
        self.transcripts = {t.slug: t for t in transcripts}
        choices = [(t.slug, t.language_name if t.slug == t.language else f"{t.language_name} ({t.slug})") for t in transcripts]
        for name in ("left", "right"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = "This interview has no transcript “%(value)s”."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("left") and cleaned.get("left") == cleaned.get("right"):
            raise forms.ValidationError("Choose two different transcripts.")
        return cleaned

    def pair(self) -> tuple[Transcript, Transcript]:
        """The two transcripts to show: those asked for where they exist and differ, else the
        first others. Call after is_valid() (valid or not: unknown values are ignored)."""
        left = self.transcripts.get(self.cleaned_data.get("left"))
        right = self.transcripts.get(self.cleaned_data.get("right"))
        if right == left:
            right = None
        ordered = list(self.transcripts.values())
        left = left or next(t for t in ordered if t != right)
        right = right or next(t for t in ordered if t != left)
        return left, right


def side_by_side(request, slug):
    interview = get_object_or_404(Interview, slug=slug)
    transcripts = list(interview.transcripts.order_by("language", "slug"))
    context = {"interview": interview, "transcripts": transcripts}
    if len(transcripts) < 2:
        return render(request, "interviews/side_by_side.html", context)
    form = SideBySideForm(request.GET, transcripts=transcripts)
    problems = [] if form.is_valid() else [e for errors in form.errors.values() for e in errors]
    left, right = form.pair()
    rows = translations.side_by_side(left, right)
    roles = dict(interview.participants.values_list("speaker_id", "role"))
    for row in rows:
        for turn in row.left + row.right:
            turn.role = roles.get(turn.speaker_id, "")
    context.update(
        problems=problems,
        form=SideBySideForm({"left": left.slug, "right": right.slug}, transcripts=transcripts),
        left=left,
        right=right,
        rows=rows,
        swap_url=side_by_side_url(interview, right, left),
        left_linked=sum(len(row.left) for row in rows if row.right),
        right_linked=sum(len(row.right) for row in rows if row.left),
        possible=sum(row.is_possible_match for row in rows),
    )
    return render(request, "interviews/side_by_side.html", context)
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
