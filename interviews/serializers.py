"""The JSON shapes of the API: plain dicts built from models and search hits.

Every URL in them is absolute, built from the request, so a client can follow it as it is.
"""

from django.urls import reverse

from interviews.translations import store as translations


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _isoformat(date):
    return date.isoformat() if date else None


def interview_summary(request, interview):
    return {
        "slug": interview.slug,
        "title": interview.title,
        "url": _absolute(request, interview.get_absolute_url()),
        "api_url": _absolute(request, reverse("interviews:api_interview", args=[interview.slug])),
        "programme": interview.programme,
        "date": _isoformat(interview.date),
        "original_url": interview.original_url,
        "original_language": interview.original_language,
        "languages": sorted({t.language for t in interview.transcripts.all()}),
        "participants": [
            {"name": p.speaker.name, "slug": p.speaker.slug, "role": p.role} for p in interview.participants.all()
        ],
    }


def interview_detail(request, interview):
    return {
        **interview_summary(request, interview),
        "transcripts": [transcript_summary(request, t) for t in interview.transcripts.all()],
    }


def transcript_summary(request, transcript):
    return {
        "id": transcript.pk,
        "slug": transcript.slug,
        "language": transcript.language,
        "title": transcript.title,
        "publisher": transcript.publisher,
        "source_url": transcript.source_url,
        "media_url": transcript.media_url,
        "published_on": _isoformat(transcript.published_on),
        "translation": transcript.translation,
        "translator_note": transcript.translator_note,
        "turn_count": transcript.turn_count,
        "sha256": transcript.sha256,
        "url": _absolute(request, transcript.get_absolute_url()),
        "api_url": _absolute(request, reverse("interviews:api_transcript", args=[transcript.pk])),
        "exports": {fmt: _absolute(request, transcript.get_export_url(fmt)) for fmt in ("txt", "vtt", "srt", "json")},
    }


def transcript_detail(request, transcript, turns):
    return {
        **transcript_summary(request, transcript),
        "interview": {"slug": transcript.interview.slug, "title": transcript.interview.title},
        "description": transcript.description,
        "sections": [{"ordinal": s.ordinal, "heading": s.heading} for s in transcript.sections.all()],
        "turns": [
            {
                "key": turn.key,
                "ordinal": turn.ordinal,
                "speaker": turn.speaker.name,
                "speaker_slug": turn.speaker.slug,
                "label": turn.label,
                "section": turn.section.heading if turn.section else None,
                "text": turn.text,
                "start": turn.start,
                "end": turn.end,
                "permalink": _absolute(request, turn.get_absolute_url()),
                "topics": [topic.slug for topic in turn.effective_topics()],
            }
            for turn in turns
        ],
    }


def alignment(request, interview, left, right, rows):
    return {
        "interview": interview.slug,
        "left": transcript_summary(request, left),
        "right": transcript_summary(request, right),
        "possible_match_below": translations.POSSIBLE_MATCH_THRESHOLD,
        "page": _absolute(request, interview.get_side_by_side_url(left, right)),
        "rows": [
            {
                "left": [t.key for t in row.left],
                "right": [t.key for t in row.right],
                "confidence": row.confidence,
                "status": row.status,
                "possible_match": row.is_possible_match,
            }
            for row in rows
        ],
    }


def removed_quote(request, removed):
    interview = removed.transcript.interview
    return {
        "error": "gone",
        "message": "A corrected version of the transcript no longer contains this quote.",
        "key": removed.key,
        "text": removed.text,
        "transcript_url": _absolute(request, removed.transcript.get_absolute_url()),
        "interview": {
            "slug": interview.slug,
            "title": interview.title,
            "url": _absolute(request, interview.get_absolute_url()),
        },
    }


def quote(request, turn, shared, *, previous, next_turn, aligned):
    """One quote as on its page; `shared` is its `sharing.SharedQuote`, `aligned` its translations."""
    transcript, interview = turn.transcript, turn.transcript.interview
    span = shared.span
    return {
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
            "date": _isoformat(interview.date),
            "url": _absolute(request, interview.get_absolute_url()),
        },
        "transcript": transcript_summary(request, transcript),
        "language": transcript.language,
        "ordinal": turn.ordinal,
        "section": turn.section.heading if turn.section else None,
        "text": turn.text,
        "start": turn.start,
        "end": turn.end,
        "media_url": turn.get_media_url() or None,
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
        "citation": citation(shared.citation),
        "translations": [_translation(request, t) for t in aligned],
    }


def citation(citation):
    source = citation.source
    return {
        "speaker": source.speaker,
        "interviewers": list(source.interviewers),
        "title": source.title,
        "programme": source.programme,
        "date": _isoformat(source.date),
        "publisher": source.publisher,
        "translation": source.rendition or None,
        "translator_note": source.translator_note,
        "url": source.url,
        "text": citation.text,
        "bibtex": citation.bibtex,
        "csl": [citation.csl],
    }


def _translation(request, translation):
    turn = translation.turn
    return {
        "language": turn.transcript.language,
        "key": turn.key,
        "text": turn.text,
        "speaker": turn.speaker.name,
        "confidence": round(translation.confidence, 3),
        "status": translation.status,
        "possible_match": translation.is_possible_match,
        "permalink": _absolute(request, turn.get_absolute_url()),
    }


def _counterpart(request, counterpart):
    return {
        "language": counterpart.language,
        "key": counterpart.key,
        "permalink": _absolute(request, counterpart.permalink),
        "possible_match": counterpart.possible_match,
    }


def search_result(request, hit, shows_translations):
    result = {
        "key": hit.key,
        "permalink": _absolute(request, hit.permalink),
        "speaker": hit.speaker,
        "interview": hit.interview,
        "language": hit.language,
        "date": _isoformat(hit.date),
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


def search_page(request, page):
    return {
        "count": page.count,
        "page": page.page,
        "results": [search_result(request, hit, page.shows_translations) for hit in page.results],
        "facets": {name: {v.value: v.count for v in values if v.count} for name, values in page.facets.items()},
        "suggestion": page.suggestion,
        # What was searched besides the words typed (none with exact=1).
        "expansions": [expansion.as_dict() for expansion in page.query.expansions],
        # Aligned hits in several languages are one result (count and pages are of results), each
        # with its versions in the other languages as "translations".
        "grouped": page.grouped,
        # The speakers the query names: their turns match too, ranked first.
        "speakers": [
            {"slug": s.slug, "name": s.name, "url": _absolute(request, s.get_absolute_url())} for s in page.speakers
        ],
    }
