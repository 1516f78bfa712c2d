"""Read-only JSON views mirroring the HTML pages."""
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from . import search as archive_search
from .forms import SearchForm
from .models import Transcript
from .views import _interviews_with_details


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
            {"name": p.speaker.name, "slug": p.speaker.slug, "role": p.role}
            for p in interview.participants.all()
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
        }
        for turn in transcript.turns.select_related("speaker", "section")
    ]
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def search(request):
    """``/api/search?q=&speaker=&topic=&language=&interview=&year=&page=&sort=``.

    Facet keys are the identifiers the filters accept (speaker and interview slugs, topic slugs,
    language codes, years). ``snippet_html`` is escaped text whose only markup is ``<mark>``.
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
        "results": [
            {
                "key": hit.key,
                "permalink": _absolute(request, hit.permalink),
                "speaker": hit.speaker,
                "interview": hit.interview,
                "language": hit.language,
                "date": hit.date.isoformat() if hit.date else None,
                "snippet_html": str(hit.snippet_html),
                "text": hit.text,
            }
            for hit in page.results
        ],
        "facets": {name: {v.value: v.count for v in values if v.count} for name, values in page.facets.items()},
        "suggestion": page.suggestion,
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
