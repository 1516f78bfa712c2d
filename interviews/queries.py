"""Reads shared by the HTML pages (views.py) and the JSON API (api.py): each answers the same
question for both, so a page and its JSON never disagree on what exists."""

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from interviews.models import Interview, Participant, RemovedTurn, Turn


def interviews_with_details():
    """Interviews with their participants' speakers and their transcripts prefetched."""
    return Interview.objects.prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("speaker")),
        "transcripts",
    )


def speaker_rows(model):
    """An annotation: how many rows of ``model`` (turns, participations) a speaker has, counted by
    a subquery on its speaker index. Counting both through joins multiplied a speaker's turns by
    their interviews before the DISTINCT: 26.7 s for the home page's speakers at 1,000,000 turns,
    0.16 s with the subqueries (the bench's archive, 7 December 2026; 0.27 against 0.02 s at
    100,000)."""
    rows = model.objects.filter(speaker=OuterRef("pk")).order_by().values("speaker").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


def turn_or_removed(key, *, turns=None):
    """(turn, None) for a live key, (None, removed) for a key a correction removed; else Http404.
    ``turns``: the query to read the turn from (default `Turn.objects.for_display()`)."""
    turn = (Turn.objects.for_display() if turns is None else turns).filter(key=key).first()
    if turn is not None:
        return turn, None
    removed = RemovedTurn.objects.select_related("transcript__interview").filter(key=key).first()
    if removed is None:
        raise Http404("No quote has this key")
    return None, removed


def attach_roles(turns, *, interview=None):
    """Set `turn.role` ("host", "guest" or "") on each turn, from its interview's participants.

    With `interview`, every turn belongs to it (one query unless its participants are
    prefetched); without, the turns may span interviews (one query for all of them).
    """
    turns = [turn for turn in turns if turn is not None]
    if interview is not None:
        roles = {p.speaker_id: p.role for p in interview.participants.all()}
        for turn in turns:
            turn.role = roles.get(turn.speaker_id, "")
        return
    interview_ids = {turn.transcript.interview_id for turn in turns}
    roles = {(p.interview_id, p.speaker_id): p.role for p in Participant.objects.filter(interview__in=interview_ids)}
    for turn in turns:
        turn.role = roles.get((turn.transcript.interview_id, turn.speaker_id), "")
