"""Read-only JSON views mirroring the HTML pages."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from interviews.forms import SearchForm
from interviews.models import Interview, RemovedTurn, Transcript, Turn
from interviews.quotes import sharing
from interviews.search import query as archive_search
from interviews.translations import store as translations
from interviews.views import SideBySideForm, _interviews_with_details, lower_case_redirect, side_by_side_url


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _interview_summary(request, interview):
    return {
        "slug": interview.slug,
        "title": interview.title,
        "url": _absolute(request, interview.get_absolute_url()),
        "api_url": _absolute(request, reverse("interviews:api_interview", args=[interview.slug])),
        "programme": interview.programme,
        "date": interview.date.isoformat() if interview.date else None,
        "original_url": interview.original_url,
        "original_language": interview.original_language,
        "languages": sorted({t.language for t in interview.transcripts.all()}),
        "participants": [
            {"name": p.speaker.name, "slug": p.speaker.slug, "role": p.role} for p in interview.participants.all()
        ],
    }


def interview_list(request):
    results = [_interview_summary(request, i) for i in _interviews_with_details()]
    return JsonResponse({"count": len(results), "results": results}, json_dumps_params={"ensure_ascii": False})


def _transcript_summary(request, transcript):
    return {
        "id": transcript.pk,
        "slug": transcript.slug,
        "language": transcript.language,
        "title": transcript.title,
        "publisher": transcript.publisher,
        "source_url": transcript.source_url,
        "published_on": transcript.published_on.isoformat() if transcript.published_on else None,
        "translation": transcript.translation,
        "translator_note": transcript.translator_note,
        "turn_count": transcript.turn_count,
        "sha256": transcript.sha256,
        "url": _absolute(request, transcript.get_absolute_url()),
        "api_url": _absolute(request, reverse("interviews:api_transcript", args=[transcript.pk])),
    }


def interview_detail(request, slug):
    interview = get_object_or_404(_interviews_with_details(), slug=slug)
    data = _interview_summary(request, interview)
    data["transcripts"] = [_transcript_summary(request, t) for t in interview.transcripts.all()]
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def transcript_detail(request, pk):
    transcript = get_object_or_404(Transcript.objects.select_related("interview"), pk=pk)
    data = _transcript_summary(request, transcript)
    data["interview"] = {"slug": transcript.interview.slug, "title": transcript.interview.title}
    data["description"] = transcript.description
    data["sections"] = [{"ordinal": s.ordinal, "heading": s.heading} for s in transcript.sections.all()]
    data["turns"] = [
        {
            "key": turn.key,
            "ordinal": turn.ordinal,
            "speaker": turn.speaker.name,
            "speaker_slug": turn.speaker.slug,
            "label": turn.label,
            "section": turn.section.heading if turn.section else None,
            "text": turn.text,
            "permalink": _absolute(request, turn.get_absolute_url()),
            "topics": [topic.slug for topic in turn.effective_topics()],
        }
        for turn in transcript.turns.select_related("speaker", "section").with_topics()
    ]
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def alignment(request, slug):
    """The side-by-side rows of two transcripts as JSON: which turn keys say the same thing."""
    interview = get_object_or_404(Interview, slug=slug)
    transcripts = list(interview.transcripts.order_by("language", "slug"))
    if len(transcripts) < 2:
        return _error(f"“{interview.slug}” has fewer than two transcripts: there is nothing to align.", 404)
    form = SideBySideForm(request.GET, transcripts=transcripts)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        return _error(" ".join(problems), 400, available=[t.slug for t in transcripts])
    left, right = form.pair()
    rows = [
        {
            "left": [t.key for t in row.left],
            "right": [t.key for t in row.right],
            "confidence": row.confidence,
            "status": row.status,
            "possible_match": row.is_possible_match,
        }
        for row in translations.side_by_side(left, right)
    ]
    data = {
        "interview": interview.slug,
        "left": _transcript_summary(request, left),
        "right": _transcript_summary(request, right),
        "possible_match_below": translations.POSSIBLE_MATCH_THRESHOLD,
        "page": _absolute(request, side_by_side_url(interview, left, right)),
        "rows": rows,
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _error(message, status, **extra):
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def quote_detail(request, key):
    """One quote as on its page: text, speaker, interview, transcript, context, span, citation
    and translations. A removed quote answers 410 with the text it had; an unknown key 404."""
    if key != key.lower():
        return lower_case_redirect(request, "interviews:quote_json", key)
    turn = Turn.objects.for_display().filter(key=key).first()
    if turn is None:
        removed = RemovedTurn.objects.select_related("transcript__interview").filter(key=key).first()
        if removed is None:
            return _json({"error": "not_found", "message": "No quote has this key.", "key": key}, status=404)
        return _json(
            {
                "error": "gone",
                "message": "A corrected version of the transcript no longer contains this quote.",
                "key": key,
                "text": removed.text,
                "transcript_url": _absolute(request, removed.transcript.get_absolute_url()),
                "interview": {
                    "slug": removed.transcript.interview.slug,
                    "title": removed.transcript.interview.title,
                    "url": _absolute(request, removed.transcript.interview.get_absolute_url()),
                },
            },
            status=410,
        )
    shared = sharing.SharedQuote.from_request(request, turn)
    transcript, interview = turn.transcript, turn.transcript.interview
    previous, next_turn = turn.neighbours()
    citation = shared.citation
    date = interview.date
    span = shared.span
    return _json(
        {
            "key": turn.key,
            "permalink": shared.permalink,
            "url": shared.url,
            "card_url": shared.card_url,
            "speaker": {
                "name": turn.speaker.name,
                "slug": turn.speaker.slug,
                "url": _absolute(request, turn.speaker.get_absolute_url()),
            },
            "interview": {
                "slug": interview.slug,
                "title": interview.title,
                "programme": interview.programme,
                "date": date.isoformat() if date else None,
                "url": _absolute(request, interview.get_absolute_url()),
            },
            "transcript": _transcript_summary(request, transcript),
            "language": transcript.language,
            "ordinal": turn.ordinal,
            "section": turn.section.heading if turn.section else None,
            "text": turn.text,
            "transcript_url": shared.transcript_url,
            "context": {
                "previous": previous.key if previous else None,
                "next": next_turn.key if next_turn else None,
            },
            "span": (
                {"start": span.start, "end": span.end, "text": shared.text, "status": shared.resolution.status}
                if span
                else None
            ),
            "span_note": shared.resolution.note or None,
            "citation": {
                "speaker": citation.source.speaker,
                "interviewers": list(citation.source.interviewers),
                "title": citation.source.title,
                "programme": citation.source.programme,
                "date": citation.source.date.isoformat() if citation.source.date else None,
                "publisher": citation.source.publisher,
                "translation": citation.source.rendition or None,
                "translator_note": citation.source.translator_note,
                "url": citation.source.url,
                "text": citation.text,
                "bibtex": citation.bibtex,
                "csl": [citation.csl],
            },
            "translations": [
                {
                    "language": t.turn.transcript.language,
                    "key": t.turn.key,
                    "text": t.turn.text,
                    "speaker": t.turn.speaker.name,
                    "confidence": round(t.confidence, 3),
                    "status": t.status,
                    "possible_match": t.is_possible_match,
                    "permalink": _absolute(request, t.turn.get_absolute_url()),
                }
                for t in turn.translations()
            ],
        }
    )


def _counterpart(request, counterpart):
    return {
        "language": counterpart.language,
        "key": counterpart.key,
        "permalink": _absolute(request, counterpart.permalink),
        "possible_match": counterpart.possible_match,
    }


def _search_result(request, hit, shows_translations):
    result = {
        "key": hit.key,
        "permalink": _absolute(request, hit.permalink),
        "speaker": hit.speaker,
        "interview": hit.interview,
        "language": hit.language,
        "date": hit.date.isoformat() if hit.date else None,
        "snippet_html": str(hit.snippet_html),
        "text": hit.text,
        "also_in": [_counterpart(request, c) for c in hit.also_in],
    }
    if shows_translations:
        result["translations"] = [
            {**_counterpart(request, c), "speaker": c.speaker, "snippet_html": str(c.snippet_html)}
            for c in hit.translations
        ]
    return result


def search(request):
    """``/api/search?q=&speaker=&topic=&language=&interview=&year=&page=&sort=&translations=``.

    Facet keys are the identifiers the filters accept (speaker and interview slugs, topic slugs,
    language codes, years). ``snippet_html`` is escaped text whose only markup is ``<mark>``.
    ``also_in`` names the first aligned turn in each other transcript; with a language filter,
    ``translations=1`` adds every aligned turn of each hit as ``translations`` (not counted).
    """
    form = SearchForm(request.GET, vocabulary=archive_search.facet_vocabulary())
    try:
        if not form.is_valid():
            raise archive_search.PageNotFound()
        page = archive_search.search(form.params())
    except archive_search.PageNotFound:
        return JsonResponse({"error": "No such page of results."}, status=404)
    data = {
        "count": page.count,
        "page": page.page,
        "results": [_search_result(request, hit, page.shows_translations) for hit in page.results],
        "facets": {name: {v.value: v.count for v in values if v.count} for name, values in page.facets.items()},
        "suggestion": page.suggestion,
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
