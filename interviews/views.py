from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from . import search as archive_search
from .forms import SearchForm
from .models import Interview, Participant, RemovedTurn, Speaker, Transcript, Turn


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
    speaker = get_object_or_404(Speaker, slug=slug)
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


FACET_SHOWN = 8  # values listed per facet; the rest behind "more"
FACET_MORE = 200
FACET_TITLES = {"speaker": "Speaker", "topic": "Topic", "language": "Language", "interview": "Interview", "year": "Year"}


def _search_url(params, **changes):
    """The search URL for ``params`` with some parts changed (``page=None`` drops the page)."""
    values = {"q": params.q, "sort": params.sort, "page": params.page if params.page != 1 else None}
    values.update(changes)
    filters = changes.get("filters", params.filters)
    pairs = [("q", values["q"])] if values["q"] else []
    for name in archive_search.FACETS:
        pairs += [(name, value) for value in filters.get(name, ())]
    if values["sort"]:
        pairs.append(("sort", values["sort"]))
    if values["page"]:
        pairs.append(("page", values["page"]))
    return reverse("interviews:search") + ("?" + urlencode(pairs) if pairs else "")


def _without(filters, name, value):
    return {**filters, name: [v for v in filters.get(name, ()) if v != value]}


def search(request):
    form = SearchForm(request.GET, vocabulary=archive_search.facet_vocabulary())
    if not form.is_valid():  # only the page number can be invalid; everything else is forgiven
        raise Http404("No such page of results.")
    params = form.params()
    try:
        results = archive_search.search(params)
    except archive_search.PageNotFound:
        raise Http404("No such page of results.") from None
    labels = {name: {v.value: v.label for v in values} for name, values in results.facets.items()}
    chips = [
        {
            "facet": FACET_TITLES[name],
            "label": labels[name].get(value, value),
            "remove_url": _search_url(params, filters=_without(params.filters, name, value), page=None),
        }
        for name in archive_search.FACETS
        for value in params.filters.get(name, ())
    ]
    facets = []
    for name, values in results.facets.items():
        # Ticked values first so they are never hidden under "more".
        ordered = [v for v in values if v.selected] + [v for v in values if not v.selected]
        shown = max(FACET_SHOWN, sum(v.selected for v in values))
        facets.append({
            "name": name,
            "title": FACET_TITLES[name],
            "values": ordered[:shown],
            "more": ordered[shown:shown + FACET_MORE],
            "hidden": max(0, len(ordered) - shown - FACET_MORE),
        })
    return render(
        request,
        "interviews/search.html",
        {
            "form": form,
            "q": params.q,
            "results": results,
            "facets": facets,
            "chips": chips,
            "clear_filters_url": _search_url(params, filters={}, page=None) if chips else None,
            "suggestion_url": _search_url(params, q=results.suggestion, page=None) if results.suggestion else None,
            "sort_urls": {sort: _search_url(params, sort=sort, page=None) for sort in archive_search.SORTS},
            "page_links": [
                {"number": n, "url": _search_url(params, page=n), "current": n == results.page} if n else None
                for n in results.page_window()
            ],
            "previous_url": _search_url(params, page=results.page - 1) if results.has_previous else None,
            "next_url": _search_url(params, page=results.page + 1) if results.has_next else None,
        },
    )
