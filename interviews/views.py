from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from .models import Interview, Participant, RemovedTurn, Speaker, SpeakerRedirect, Transcript, Turn


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
    turns = list(transcript.turns.select_related("speaker", "section", "transcript")) if transcript else []
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
    speaker = Speaker.objects.filter(slug=slug).first()
    if speaker is None:  # merged into another speaker, or renamed: the old address keeps working
        moved = get_object_or_404(SpeakerRedirect.objects.select_related("speaker"), old_slug=slug)
        return redirect(moved.speaker, permanent=True)
    turns = speaker.turns.for_display().order_by("transcript__interview", "transcript__language", "ordinal")
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
