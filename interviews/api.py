"""Read-only JSON views mirroring the HTML pages: the same queries (`queries.py`), shaped by
`serializers.py`."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from interviews import queries, serializers
from interviews.api_errors import error_response, read_only
from interviews.forms import SearchForm, SideBySideForm
from interviews.models import Interview, Transcript
from interviews.quotes import sharing
from interviews.search import query as archive_search
from interviews.translations import store as translations


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@read_only
def interview_list(request):
    results = [serializers.interview_summary(request, i) for i in queries.interviews_with_details()]
    return _json({"count": len(results), "results": results})


@read_only
def interview_detail(request, slug):
    interview = get_object_or_404(queries.interviews_with_details(), slug=slug)
    return _json(serializers.interview_detail(request, interview))


@read_only
def transcript_detail(request, pk):
    transcript = get_object_or_404(Transcript.objects.select_related("interview"), pk=pk)
    turns = transcript.turns.select_related("speaker", "section").with_topics()
    return _json(serializers.transcript_detail(request, transcript, turns))


@read_only
def alignment(request, slug):
    """The side-by-side rows of two transcripts as JSON: which turn keys say the same thing."""
    interview = get_object_or_404(Interview, slug=slug)
    transcripts = list(interview.transcripts.order_by("language", "slug"))
    if len(transcripts) < 2:
        return error_response(404, f"“{interview.slug}” has fewer than two transcripts: there is nothing to align.")
    form = SideBySideForm(request.GET, transcripts=transcripts)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        return error_response(400, " ".join(problems), available=[t.slug for t in transcripts])
    left, right = form.pair()
    rows = translations.side_by_side(left, right)
    return _json(serializers.alignment(request, interview, left, right, rows))


@read_only
def quote_detail(request, key):
    """One quote as on its page: text, speaker, interview, transcript, context, span, citation
    and translations. A removed quote answers 410 with the text it had; an unknown key 404."""
    if key != key.lower():
        return sharing.lower_case_redirect(request, "interviews:quote_json", key)
    try:
        turn, removed = queries.turn_or_removed(key)
    except Http404:
        return error_response(404, _("No quote has this key."), key=key)
    if removed:
        return _json(serializers.removed_quote(request, removed), status=410)
    shared = sharing.SharedQuote.from_request(request, turn)
    previous, next_turn = turn.neighbours()
    aligned = translations.translations_of(turn)
    return _json(serializers.quote(request, turn, shared, previous=previous, next_turn=next_turn, aligned=aligned))


@read_only
def search(request):
    """``/api/search?q=&speaker=&topic=&language=&interview=&year=&page=&sort=&translations=&exact=``.

    Facet keys are the identifiers the filters accept (speaker and interview slugs, topic slugs,
    language codes, years). ``snippet_html`` is escaped text whose only markup is ``<mark>``.
    ``also_in`` names the first aligned turn in each other transcript; with a language filter,
    ``translations=1`` adds every aligned turn of each hit as ``translations`` (not counted).
    ``expansions`` lists what was searched besides the words typed (translations, other
    spellings); ``exact=1`` searches only the words typed. ``grouped``: aligned hits in several
    languages are one result with the others as ``translations`` (``group=0`` turns it off).
    ``speakers`` are the speakers the query names.
    """
    form = SearchForm(request.GET, vocabulary=archive_search.facet_vocabulary())
    try:
        if not form.is_valid():
            raise archive_search.PageNotFound()
        page = archive_search.search(form.params())
    except archive_search.PageNotFound:
        return error_response(404, _("No such page of results."))
    return JsonResponse(serializers.search_page(request, page))
